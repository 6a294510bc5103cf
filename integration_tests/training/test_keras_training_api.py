"""Training the way Keras users do, on the emulator, against Keras itself:
integer labels with sparse_categorical_crossentropy (computed on the cores
from the class index the label source sends), (n,) labels for one output,
validation_split, metrics and evaluate's return shape, callbacks and
EarlyStopping, per-epoch reporting, initial_epoch. Tolerance 1e-4 as in
test_keras_parity.py (helpers.py says why)."""

import numpy as np
import pytest

from spinndl import Model, callbacks, optimizers
from spinndl.examples.thesis_models import mlp
from spinndl.layers import Dense, Input

from .helpers import (
    TOLERANCE, assert_weights_match, examples, keras, keras_optimizer,
    keras_twin)
from .test_keras_parity import assert_history_matches, optimizer_net


def compile_pair(model, loss, optimizer, metrics):
    twin = keras_twin(model)
    twin.compile(loss=loss, optimizer=keras_optimizer(optimizer),
                 metrics=list(metrics))
    model.compile(loss, optimizer=optimizer, metrics=list(metrics))
    return twin


def test_sparse_categorical_crossentropy_matches_keras():
    """Class indices on the wire: the output cores' loss stage builds the
    gradient from the index; weights and history as Keras'. (Labels of
    shape (n, 1): unit_tests/test_keras_callbacks_metrics.py.)"""
    model = optimizer_net(seed=41)
    x = examples(4, 11, seed=41)
    y = np.random.default_rng(41).integers(0, 3, 11)
    metrics = ["accuracy", "sparse_top_k_categorical_accuracy"]
    twin = compile_pair(model, "sparse_categorical_crossentropy",
                        optimizers.Adam(learning_rate=0.02), metrics)
    initial = model.get_weights()
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert set(history.history) == set(keras_history.history)
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(initial, model.get_weights()))
    assert moved > 10 * TOLERANCE
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history, ["loss"] + metrics)


def test_sparse_labels_reach_every_core_of_a_split_output_layer():
    """300 softmax outputs over several cores: each core gets the one label
    packet of an example and uses it only if the class is its own."""
    model = mlp(10, 30, 300, seed=42, hidden="relu")
    assert model.mapping(training=True).layers[-1].cores >= 2
    x = examples(10, 5, seed=42)
    y = np.array([0, 299, 150, 151, 7])   # classes on different cores
    twin = compile_pair(model, "sparse_categorical_crossentropy",
                        optimizers.SGD(learning_rate=0.5), ["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=2, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=2, batch_size=2, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history, ["loss", "accuracy"])


def test_one_output_takes_labels_of_shape_n_like_keras():
    model = mlp(3, 5, 1, seed=43, output="sigmoid")
    x = examples(3, 9, seed=43)
    y = np.random.default_rng(43).integers(0, 2, 9).astype(np.float32)
    assert y.shape == (9,)
    twin = compile_pair(model, "binary_crossentropy",
                        optimizers.SGD(learning_rate=0.5), ["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                             verbose=0)
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history, ["loss", "accuracy"])
    assert abs(model.evaluate(x, y)[0] - twin.evaluate(x, y, verbose=0)[0]) \
        <= TOLERANCE


def test_validation_split_and_metrics_match_keras():
    """The last 30% validates (before shuffling: shuffle=False here so the
    weights can be compared); loss, accuracy, mse and mae per epoch, for
    training and validation, as Keras reports them."""
    model = optimizer_net(seed=44)
    x = examples(4, 10, seed=44)
    y = np.eye(3, dtype=np.float32)[np.random.default_rng(44).integers(
        0, 3, 10)]
    metrics = ["accuracy", "mse", "mae", "top_k_categorical_accuracy"]
    twin = compile_pair(model, "categorical_crossentropy",
                        optimizers.SGD(learning_rate=0.3), metrics)
    history = model.fit(x, y, epochs=2, batch_size=3, shuffle=False,
                        verbose=0, validation_split=0.3)
    keras_history = twin.fit(x, y, epochs=2, batch_size=3, shuffle=False,
                             verbose=0, validation_split=0.3)
    assert sorted(history.history) == sorted(keras_history.history)
    assert history.params == keras_history.params == {
        "verbose": 0, "epochs": 2, "steps": 3}
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history,
                           list(keras_history.history))


def test_evaluate_returns_what_keras_returns():
    model = optimizer_net(seed=45)
    x = examples(4, 6, seed=45)
    y = np.random.default_rng(45).integers(0, 3, 6)
    twin = keras_twin(model)
    for metrics in ([], ["accuracy", "sparse_categorical_accuracy"]):
        twin.compile(loss="sparse_categorical_crossentropy",
                     optimizer="sgd", metrics=metrics)
        model.compile("sparse_categorical_crossentropy", "sgd",
                      metrics=metrics)
        ours = model.evaluate(x, y)
        theirs = twin.evaluate(x, y, verbose=0)
        assert type(ours) is type(theirs)   # float, or list
        assert np.allclose(ours, theirs, atol=TOLERANCE, rtol=0)
        ours = model.evaluate(x, y, return_dict=True)
        theirs = twin.evaluate(x, y, verbose=0, return_dict=True)
        assert sorted(ours) == sorted(theirs)
        assert np.allclose([ours[k] for k in theirs], list(theirs.values()),
                           atol=TOLERANCE, rtol=0)


class Recorder(callbacks.Callback):
    """Every hook call, with the logs of epoch ends, and what was printed
    by then."""

    def __init__(self, capsys=None, stop_after=None):
        super().__init__()
        self.calls, self.epoch_logs, self.printed = [], [], []
        self.capsys, self.stop_after = capsys, stop_after

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch))
        self.epoch_logs.append(dict(logs))
        if self.capsys is not None:
            self.printed.append(self.capsys.readouterr().out)
        if epoch == self.stop_after:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_callbacks_get_keras_hooks_and_epochs_report_as_they_end(capsys):
    """One run for all epochs, yet each epoch's line is printed, and
    on_epoch_end called, when its last batch is done; a callback stopping
    after epoch 1 leaves exactly the weights of a 2-epoch fit."""
    x = examples(4, 7, seed=46)
    y = np.random.default_rng(46).integers(0, 3, 7)

    def trained(epochs, callback_list):
        model = optimizer_net(seed=46)
        model.compile("sparse_categorical_crossentropy",
                      optimizers.SGD(0.2, momentum=0.5))
        history = model.fit(x, y, epochs=epochs, batch_size=3, seed=5,
                            verbose=2, callbacks=callback_list)
        return model, history

    recorder = Recorder(capsys, stop_after=1)
    stopped, history = trained(5, [recorder])
    batches = [call for batch in range(3) for call in
               (("batch_begin", batch), ("batch_end", batch))]
    assert recorder.calls == (
        ["train_begin", ("epoch_begin", 0)] + batches + [("epoch_end", 0),
         ("epoch_begin", 1)] + batches + [("epoch_end", 1), "train_end"])
    assert "Epoch 1/5 - loss:" in recorder.printed[0]
    assert "Epoch 2/5" in recorder.printed[1]
    assert "Epoch 2/5" not in recorder.printed[0]
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 2, "epochs": 5, "steps": 3}
    assert recorder.model is stopped and stopped.history is history
    two_epochs, _ = trained(2, [])
    assert stopped._optimizer_state.step == two_epochs._optimizer_state.step
    for a, b in zip(stopped.get_weights(), two_epochs.get_weights()):
        assert np.array_equal(a, b)


def test_early_stopping_stops_where_keras_stops_on_our_logs():
    """Our EarlyStopping ends a real fit (one run: the stop comes from the
    stream, mid-run); Keras' own EarlyStopping, fed the logs that fit
    produced, stops at the same epoch, and restore_best_weights gives the
    best epoch's weights (kept by a callback after every epoch)."""
    model = Model(seed=47)
    model.add(Input(2))
    model.add(Dense(3, activation="softmax"))
    model.compile("categorical_crossentropy", optimizers.SGD(1.0))
    x = examples(2, 6, seed=47)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    settings = dict(monitor="loss", min_delta=0.02, patience=1,
                    restore_best_weights=True)
    stopper = callbacks.EarlyStopping(**settings)
    recorder = Recorder()
    kept = []
    keep = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: kept.append(model.get_weights()))
    history = model.fit(x, y, epochs=30, batch_size=6, shuffle=False,
                        verbose=0, callbacks=[recorder, keep, stopper])
    losses = history.history["loss"]
    assert 2 < len(losses) < 30, f"stopping not exercised: {losses}"

    twin = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    keras_stopper = keras.callbacks.EarlyStopping(**settings)
    keras_stopper.set_model(twin)
    twin.stop_training = False
    keras_stopper.on_train_begin()
    keras_epochs = 0
    for epoch, logs in enumerate(recorder.epoch_logs):
        keras_stopper.on_epoch_end(epoch, logs)
        keras_epochs += 1
        if twin.stop_training:
            break
    assert keras_epochs == len(losses)
    assert keras_stopper.stopped_epoch == stopper.stopped_epoch > 0
    assert keras_stopper.best_epoch == stopper.best_epoch
    assert stopper.best_epoch < stopper.stopped_epoch
    for a, b in zip(model.get_weights(), kept[stopper.best_epoch]):
        assert np.array_equal(a, b)


def test_initial_epoch_numbers_epochs_like_keras():
    model = optimizer_net(seed=48)
    model.compile("mean_squared_error", "sgd")
    x, y = examples(4, 4, seed=48), examples(3, 4, seed=49)
    history = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=2,
                        verbose=0)
    assert history.epoch == [2, 3]
    assert model._optimizer_state.step == 4


WEIGHTINGS = {
    # sample weights on an MSE regression, a quarter validating (Keras
    # splits the weights too and weighs val_loss with them)
    "sample_weight_mse": dict(
        loss="mean_squared_error", output="linear",
        labels=lambda rng: rng.uniform(-1, 1, (12, 3)).astype(np.float32),
        fit=lambda rng, y: dict(
            sample_weight=rng.uniform(0, 2, 12).astype(np.float32),
            validation_split=0.25)),
    # class weights with class-index labels
    "class_weight_sparse": dict(
        loss="sparse_categorical_crossentropy", output="softmax",
        labels=lambda rng: rng.integers(0, 3, 12),
        fit=lambda rng, y: dict(class_weight={0: 0.5, 1: 2.0, 2: 1.25})),
    # class weights with one-hot rows (a class missing from the dict
    # weighs 1)
    "class_weight_one_hot": dict(
        loss="categorical_crossentropy", output="softmax",
        labels=lambda rng: np.eye(3, dtype=np.float32)[
            rng.integers(0, 3, 12)],
        fit=lambda rng, y: dict(class_weight={2: 3.0})),
}


@pytest.mark.parametrize("name", sorted(WEIGHTINGS))
def test_sample_and_class_weights_match_keras(name):
    case = WEIGHTINGS[name]
    rng = np.random.default_rng(51)
    model = mlp(4, 6, 3, seed=51, hidden="tanh", output=case["output"])
    x = examples(4, 12, seed=51)
    y = case["labels"](rng)
    extra = case["fit"](rng, y)
    twin = compile_pair(model, case["loss"],
                        optimizers.SGD(learning_rate=0.3), ["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=5, shuffle=False,
                        verbose=0, **extra)
    keras_history = twin.fit(x, y, epochs=3, batch_size=5, shuffle=False,
                             verbose=0, **extra)
    assert model.last_run.drops == 0
    assert sorted(history.history) == sorted(keras_history.history)
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history,
                           list(keras_history.history))


def test_a_failing_callback_leaves_the_model_as_it_was():
    """A callback raising after an epoch (weights already read back from
    the cores) ends fit with its error; the model keeps the weights and
    optimizer state it had before fit."""
    model = optimizer_net(seed=52)
    model.compile("mean_squared_error", optimizers.SGD(0.1, momentum=0.9))
    before = model.get_weights()

    class Failing(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            assert not all(np.array_equal(a, b) for a, b in
                           zip(before, self.model.get_weights()))
            raise KeyError("callback failed")

    with pytest.raises(KeyError, match="callback failed"):
        model.fit(examples(4, 4, seed=52), examples(3, 4, seed=53),
                  epochs=3, batch_size=2, verbose=0, callbacks=[Failing()])
    assert all(np.array_equal(a, b)
               for a, b in zip(before, model.get_weights()))
    assert model._optimizer_state.step == 0
    assert model._optimizer_state.slots == {}


def test_stopping_inside_an_epoch_and_validation_freq_match_keras():
    """A batch callback stops training after batch 1 of epoch 1 (Keras
    ends that epoch there, logs over the batches run); validation only
    after even epochs (validation_freq=2). Same callback, same data, in
    both: same weights, same history."""
    x = examples(4, 9, seed=53)
    y = np.random.default_rng(53).integers(0, 3, 9)
    x_val = examples(4, 4, seed=54)
    y_val = np.random.default_rng(54).integers(0, 3, 4)

    def stopper(module, holder):
        def stop(batch, logs):
            if holder["epoch"] == 1 and batch == 1:
                holder["model"].stop_training = True

        def note_epoch(epoch, logs):
            holder["epoch"] = epoch
        return module.callbacks.LambdaCallback(
            on_epoch_begin=note_epoch, on_train_batch_end=stop)

    model = optimizer_net(seed=53)
    twin = compile_pair(model, "sparse_categorical_crossentropy",
                        optimizers.SGD(0.3), ["accuracy"])
    histories = []
    for trainer, module in ((model, __import__("spinndl")), (twin, keras)):
        holder = {"model": trainer, "epoch": None}
        for validation_freq, epochs in ((2, 2), (1, 4)):
            histories.append(trainer.fit(
                x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0,
                validation_data=(x_val, y_val),
                validation_freq=validation_freq,
                callbacks=[stopper(module, holder)] if epochs == 4 else []))
    ours_freq, ours_stop, theirs_freq, theirs_stop = histories
    assert len(ours_freq.history["val_loss"]) == 1
    assert ours_stop.epoch == theirs_stop.epoch == [0, 1]
    assert_weights_match(model, twin)
    for ours, theirs in ((ours_freq, theirs_freq), (ours_stop, theirs_stop)):
        assert sorted(ours.history) == sorted(theirs.history)
        assert_history_matches(ours, theirs, list(theirs.history))


def test_batch_callbacks_see_each_batch_weights_like_keras():
    """A batch callback reads model.get_weights() after every batch: the
    same sequence of weights as Keras' (fit reads the cores back at each
    batch barrier when a callback has batch hooks)."""
    x = examples(4, 7, seed=55)
    y = np.random.default_rng(55).integers(0, 3, 7)
    model = optimizer_net(seed=55)
    twin = compile_pair(model, "sparse_categorical_crossentropy",
                        optimizers.Adam(0.05), [])
    seen = {"ours": [], "keras": []}
    for trainer, module, key in ((model, callbacks, "ours"),
                                 (twin, keras.callbacks, "keras")):
        class Record(module.Callback):
            def on_train_batch_end(self, batch, logs=None, key=key):
                seen[key].append([np.array(w) for w in
                                  self.model.get_weights()])

        trainer.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0,
                    callbacks=[Record()])
    assert len(seen["ours"]) == len(seen["keras"]) == 6
    for ours, theirs in zip(seen["ours"], seen["keras"]):
        worst = max(float(np.max(np.abs(a - b)))
                    for a, b in zip(ours, theirs))
        assert worst <= TOLERANCE
    assert not all(np.array_equal(a, b)
                   for a, b in zip(seen["ours"][0], seen["ours"][1]))
