"""Callbacks and metrics against Keras itself, without the machine: the
same scripted logs through spinndl's and Keras' EarlyStopping and
ModelCheckpoint, the same arrays through spinndl's and Keras' metrics;
and the checks fit makes on labels before anything is mapped."""

import itertools
import os

import numpy as np
import pytest

from spinndl import Model, callbacks, metrics
from spinndl.layers import Dense, Input
from spinndl.reference import keras as keras_module
from spinndl.wire_format import Loss, encode_labels, label_keys

keras = keras_module()


class FakeModel:
    """What the callbacks touch: weights and stop_training."""

    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(2)]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]

    def save(self, path):
        self.saved.append(("model", path))

    def save_weights(self, path):
        self.saved.append(("weights", path))


def drive(stopper, model, values, monitor):
    """Epoch ends with the scripted values until the callback stops
    training; returns the epochs run. The model's weights are the epoch
    number, so restore_best_weights shows which epoch it restored."""
    model.stop_training = False
    stopper.set_model(model)
    stopper.on_train_begin()
    run = 0
    for epoch, value in enumerate(values):
        model.weights = [np.full(2, float(epoch))]
        stopper.on_epoch_end(epoch, {monitor: value, "other": 0.0})
        run += 1
        if model.stop_training:
            break
    stopper.on_train_end()
    return run


SEQUENCES = {
    "falling": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5],
    "plateau": [1.0, 0.8, 0.8, 0.8, 0.8, 0.79, 0.7],
    "noisy": [0.5, 0.7, 0.4, 0.45, 0.41, 0.39, 0.6, 0.6, 0.2],
    "rising": [0.3, 0.4, 0.5, 0.6, 0.7],
    "tiny_steps": [1.0, 0.999, 0.998, 0.997, 0.5, 0.4999],
}
SETTINGS = [
    dict(),
    dict(patience=2),
    dict(patience=1, min_delta=0.01),
    dict(patience=2, baseline=0.45),
    dict(patience=1, start_from_epoch=2),
    dict(patience=1, restore_best_weights=True),
    dict(patience=3, min_delta=0.05, restore_best_weights=True),
    dict(patience=1, mode="max"),
    dict(patience=0, baseline=0.9, mode="max", restore_best_weights=True),
]


@pytest.mark.parametrize("sequence,settings", list(itertools.product(
    SEQUENCES, range(len(SETTINGS)))))
def test_early_stopping_matches_keras_on_scripted_losses(sequence, settings):
    values = SEQUENCES[sequence]
    kwargs = SETTINGS[settings]
    ours_model, keras_model = FakeModel(), FakeModel()
    ours = callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    theirs = keras.callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    ours_epochs = drive(ours, ours_model, values, "val_loss")
    theirs_epochs = drive(theirs, keras_model, values, "val_loss")
    assert ours_epochs == theirs_epochs
    assert ours.stopped_epoch == theirs.stopped_epoch
    assert ours.best_epoch == theirs.best_epoch
    assert ours.wait == theirs.wait
    assert np.array_equal(ours_model.weights[0], keras_model.weights[0])


def test_early_stopping_on_accuracy_goes_up_in_auto_mode():
    model = FakeModel()
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    assert drive(stopper, model, [0.5, 0.6, 0.55, 0.7], "val_accuracy") \
        == 3
    assert stopper.stopped_epoch == 2 and stopper.best == 0.6


def test_early_stopping_unknown_metric_in_auto_mode_is_an_error():
    stopper = callbacks.EarlyStopping(monitor="val_f7")
    stopper.set_model(FakeModel())
    stopper.on_train_begin()
    with pytest.raises(ValueError, match=r"monitor=val_f7.*mode='max'"):
        stopper.on_epoch_end(0, {"val_f7": 1.0})


def test_model_checkpoint_saves_like_keras(tmp_path):
    """Same files (names formatted from epoch and logs) for the same logs;
    Keras' own ModelCheckpoint writes real files, ours calls save."""
    logs = [0.5, 0.4, 0.45, 0.3]
    for best_only in (False, True):
        pattern = "ckpt-{epoch:02d}-{val_loss:.2f}"
        ours = callbacks.ModelCheckpoint(
            str(tmp_path / (pattern + ".spinndl")), monitor="val_loss",
            save_best_only=best_only)
        model = FakeModel()
        ours.set_model(model)
        twin = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        folder = tmp_path / f"keras-{best_only}"
        folder.mkdir()
        theirs = keras.callbacks.ModelCheckpoint(
            str(folder / (pattern + ".weights.h5")), monitor="val_loss",
            save_best_only=best_only, save_weights_only=True)
        theirs.set_model(twin)
        for epoch, value in enumerate(logs):
            ours.on_epoch_end(epoch, {"val_loss": value})
            theirs.on_epoch_begin(epoch)
            theirs.on_epoch_end(epoch, {"val_loss": value})
        ours_names = [os.path.basename(path)[:-len(".spinndl")]
                      for _, path in model.saved]
        theirs_names = sorted(name[:-len(".weights.h5")]
                              for name in os.listdir(folder))
        assert sorted(ours_names) == theirs_names
        assert len(ours_names) == (3 if best_only else 4)


def test_custom_callback_base_class_has_keras_attributes():
    callback = callbacks.Callback()
    assert callback.model is None and callback.params == {}
    model = FakeModel()
    callback.set_model(model)
    assert callback.model is model
    for hook in ("on_train_begin", "on_train_end", "on_epoch_begin",
                 "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end"):
        assert hasattr(callback, hook)


# -- metrics --------------------------------------------------------------

def _arrays(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(40, 7)).astype(np.float32)
    y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y_pred[3] = y_pred[3, 0]   # a row of ties
    classes = rng.integers(0, 7, 40)
    return y_pred.astype(np.float32), classes


KERAS_METRICS = {
    "categorical_accuracy": lambda: keras.metrics.CategoricalAccuracy(),
    "top_k_categorical_accuracy":
        lambda: keras.metrics.TopKCategoricalAccuracy(),
    "mse": lambda: keras.metrics.MeanSquaredError(),
    "mae": lambda: keras.metrics.MeanAbsoluteError(),
    "sparse_categorical_accuracy":
        lambda: keras.metrics.SparseCategoricalAccuracy(),
    "sparse_top_k_categorical_accuracy":
        lambda: keras.metrics.SparseTopKCategoricalAccuracy(),
}


@pytest.mark.parametrize("name", sorted(KERAS_METRICS))
def test_metric_matches_keras(name):
    y_pred, classes = _arrays(5)
    sparse = name in metrics.SPARSE_METRICS
    y_true = classes if sparse else np.eye(7, dtype=np.float32)[classes]
    keras_metric = KERAS_METRICS[name]()
    keras_metric.update_state(y_true, y_pred)
    ours = metrics.resolve(name, sparse, 7)(y_true, y_pred)
    # both float32 means of the same per-example values
    assert abs(ours - float(keras_metric.result())) <= 1e-6


def test_binary_accuracy_matches_keras():
    rng = np.random.default_rng(6)
    y_pred = rng.uniform(size=(30, 1)).astype(np.float32)
    y_true = rng.integers(0, 2, (30, 1)).astype(np.float32)
    keras_metric = keras.metrics.BinaryAccuracy()
    keras_metric.update_state(y_true, y_pred)
    ours = metrics.resolve("accuracy", False, 1)(y_true, y_pred)
    assert abs(ours - float(keras_metric.result())) <= 1e-6


def test_unknown_metric_is_refused_by_compile():
    model = _model()
    with pytest.raises(ValueError, match=r"unknown metric 'f1'"):
        model.compile("mse", "sgd", metrics=["f1"])
    with pytest.raises(ValueError, match=r"does not fit loss"):
        model.compile("categorical_crossentropy", "sgd",
                      metrics=["sparse_categorical_accuracy"])


# -- labels, checked before mapping -----------------------------------------

def _model(units=3):
    model = Model(seed=0)
    model.add(Input(2))
    model.add(Dense(units, activation="softmax" if units > 1 else
                    "sigmoid"))
    return model


X = np.zeros((4, 2), dtype=np.float32)
BAD_SPARSE_LABELS = [
    (np.array([0, 1, 3, 2]), r"class index 3 of example 2 is out of range: "
                             r"the output layer 'dense' has 3 units "
                             r"\(indices 0\.\.2\)"),
    (np.array([0, -1, 1, 2]), r"class index -1 of example 1 is out of "
                              r"range"),
    (np.array([0, 1.5, 1, 2]), r"class index 1.5 of example 1 is not an "
                               r"integer"),
    (np.eye(3)[[0, 1, 2, 0]], r"class indices of shape \(4,\) or \(4, 1\) "
                              r"expected"),
    (np.array(["a", "b", "c", "a"]), r"numbers expected, got <U1"),
]


@pytest.mark.parametrize("labels,message", BAD_SPARSE_LABELS)
def test_bad_class_indices_raise_before_mapping(labels, message):
    model = _model()
    model.compile("sparse_categorical_crossentropy", "sgd")
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.fit(X, labels, epochs=1, verbose=0)
    assert all(np.array_equal(a, b)
               for a, b in zip(before, model.get_weights()))
    assert model.last_run is None   # nothing was mapped or run


def test_labels_in_the_shapes_keras_takes():
    from spinndl.training.fit import check_labels
    model = _model()
    model.compile("sparse_categorical_crossentropy", "sgd")
    for labels in ([2, 0, 1, 1], [[2], [0], [1], [1]], [2.0, 0.0, 1.0, 1.0]):
        checked = check_labels(model, np.array(labels), 4, "y")
        assert checked.dtype == np.int64 and checked.tolist() == [2, 0, 1, 1]
    single = _model(1)
    single.compile("binary_crossentropy", "sgd")
    checked = check_labels(single, np.array([1, 0, 0, 1]), 4, "y")
    assert checked.shape == (4, 1) and checked.dtype == np.float32


def test_validation_split_too_small_is_keras_error():
    model = _model(1)
    model.compile("binary_crossentropy", "sgd")
    with pytest.raises(ValueError, match=r"not sufficient to split"):
        model.fit(X, np.zeros(4), validation_split=0.8, verbose=0)
    with pytest.raises(ValueError, match=r"initial_epoch \(3\) must be "
                                         r"below epochs \(3\)"):
        model.fit(X, np.zeros(4), epochs=3, initial_epoch=3, verbose=0)


def test_sparse_labels_on_the_wire():
    """One label key per example carrying the class index; one key per
    output (float bits) otherwise."""
    assert label_keys(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 300) == 1
    assert label_keys(Loss.CATEGORICAL_CROSSENTROPY, 300) == 300
    words = encode_labels(Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                          np.array([4, 0, 299]))
    assert words.dtype == np.uint32 and words.tolist() == [[4], [0], [299]]
    rows = encode_labels(Loss.MEAN_SQUARED_ERROR,
                         np.array([[0.5, -1.0]], dtype=np.float32))
    assert rows.view(np.float32).tolist() == [[0.5, -1.0]]


def test_loss_codes_agree_with_the_c_header():
    """wire_format.Loss and layer_regions.h's loss_t are one definition
    in two languages."""
    import re
    header = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "neural_modelling", "src", "common",
        "layer_regions.h")
    with open(header) as file:
        text = file.read()
    in_c = {name: int(value) for name, value in
            re.findall(r"\bLOSS_(\w+) = (\d+)", text)}
    assert in_c == {loss.name: int(loss) for loss in Loss}


def test_sample_weights_on_the_wire():
    assert label_keys(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 300, True) == 2
    assert label_keys(Loss.MEAN_SQUARED_ERROR, 3, True) == 4
    words = encode_labels(Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                          np.array([4, 0]), np.array([0.5, 2.0]))
    assert words[:, 0].tolist() == [4, 0]
    assert words[:, 1].view(np.float32).tolist() == [0.5, 2.0]


@pytest.mark.parametrize("labels", [
    np.array([0, 2, 1, 2, 3]),                       # class indices
    np.eye(4, dtype=np.float32)[[0, 2, 1, 2, 3]],    # one-hot rows
    np.array([[0.0], [1.0], [1.0], [0.0], [1.0]]),   # one binary output
])
def test_class_weights_become_keras_sample_weights(labels):
    from keras.src.trainers.data_adapters.data_adapter_utils import (
        class_weight_to_sample_weights)
    from spinndl.training.fit import class_weights_to_sample_weights
    class_weight = {0: 0.25, 1: 3.0, 2: 1.5}
    assert np.array_equal(
        class_weights_to_sample_weights(labels, class_weight),
        class_weight_to_sample_weights(labels, class_weight))


def test_bad_weights_raise_before_mapping():
    model = _model()
    model.compile("sparse_categorical_crossentropy", "sgd")
    y = np.array([0, 1, 2, 0])
    cases = [
        (dict(sample_weight=np.ones(3)),
         r"sample_weight: one weight per example expected, shape \(4,\), "
         r"got \(3,\)"),
        (dict(sample_weight=np.array([1, np.inf, 1, 1])),
         r"sample_weight: non-finite weight inf of example 1"),
        (dict(sample_weight=np.ones(4), class_weight={0: 2.0}),
         r"cannot `class_weight` and `sample_weight`"),
        (dict(class_weight={"cat": 2.0}), r"class indices must be ints"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(X, y, verbose=0, **kwargs)
    assert model.last_run is None


def test_spinndl_exposes_keras_modules():
    import spinndl
    assert spinndl.callbacks.EarlyStopping is callbacks.EarlyStopping
    assert spinndl.metrics is metrics
    assert callable(spinndl.load_model)


def test_csv_logger_writes_what_keras_writes(tmp_path):
    logs = [{"loss": 0.5, "accuracy": 0.25},
            {"loss": 0.375, "accuracy": 0.5}]
    for append in (False, True):
        files = []
        for maker in (callbacks.CSVLogger, keras.callbacks.CSVLogger):
            path = tmp_path / f"{maker.__module__}-{append}.csv"
            path.write_text("epoch,accuracy,loss\n0,0.1,0.2\n")
            logger = maker(str(path), append=append)
            logger.on_train_begin()
            for epoch, values in enumerate(logs):
                logger.on_epoch_end(epoch, dict(values))
            logger.on_train_end()
            files.append(path.read_text())
        assert files[0] == files[1]


def test_terminate_on_nan_and_lambda_callback():
    model = FakeModel()
    seen = []
    both = [callbacks.TerminateOnNaN(),
            callbacks.LambdaCallback(
                on_train_batch_end=lambda batch, logs: seen.append(batch))]
    for callback in both:
        callback.set_model(model)
    for batch, loss in enumerate([0.5, float("nan")]):
        for callback in both:
            callback.on_train_batch_end(batch, {"loss": loss})
    assert model.stop_training and seen == [0, 1]
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_ending'"):
        callbacks.LambdaCallback(on_epoch_ending=print)
    raising = callbacks.TerminateOnNaN(raise_error=True)
    raising.set_model(FakeModel())
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        raising.on_train_batch_end(3, {"loss": float("inf")})
