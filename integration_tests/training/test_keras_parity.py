"""fit on the emulator against real Keras (JAX backend): same initial
weights, same examples in the same order (shuffle=False), same losses and
optimizers. Every weight must end within TOLERANCE = 1e-4 of Keras' (see
helpers.py for why that tolerance: float32 on both sides, different
summation order), and the History's per-epoch loss within 1e-4 of Keras'
(Keras reports the mean of the per-batch losses weighted by batch size,
computed during training, i.e. with the weights before each batch's
update: the same thing fit computes from the forward outputs)."""

import numpy as np
import pytest

from spinndl import Model, optimizers
from spinndl.examples.thesis_models import mlp, xor_mlp
from spinndl.layers import Dense, Input

from .helpers import (
    TOLERANCE, XOR_X, XOR_Y, assert_weights_match, compile_both, examples,
    targets)


def assert_history_matches(history, keras_history, keys=("loss",)):
    for key in keys:
        ours = np.array(history.history[key])
        theirs = np.array(keras_history.history[key])
        assert ours.shape == theirs.shape, key
        worst = float(np.max(np.abs(ours - theirs)))
        assert worst <= TOLERANCE, (
            f"history[{key!r}] differs from Keras by up to {worst:.3g}: "
            f"{ours} vs {theirs}")


def test_thesis_xor_model_50_epochs_matches_keras():
    """The thesis XOR model (2-50-50(softmax)-300-50-25-2, MSE, 50 epochs,
    batch 4, lr 0.1); the prototype only reached 0.1 of Keras."""
    model = xor_mlp(seed=0)
    twin = compile_both(model, "mean_squared_error",
                        optimizers.SGD(learning_rate=0.1))
    initial = model.get_weights()
    history = model.fit(XOR_X, XOR_Y, epochs=50, batch_size=4,
                        shuffle=False, verbose=0)
    keras_history = twin.fit(XOR_X, XOR_Y, epochs=50, batch_size=4,
                             shuffle=False, verbose=0)
    assert model.last_run.drops == 0
    assert not all(np.array_equal(a, b)
                   for a, b in zip(initial, model.get_weights()))
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history, ("loss", "accuracy"))
    # This model learns slowly (its weights move by ~7e-3 in 50 epochs), so
    # 1e-4 alone would let a gradient a few percent off pass: the distance
    # from Keras must also be below 1% of how far training moved the
    # weights (measured: ~1e-5 of it).
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(initial, model.get_weights()))
    worst = max(float(np.max(np.abs(a - b)))
                for a, b in zip(model.get_weights(), twin.get_weights()))
    assert worst <= 0.01 * moved, (worst, moved)


# Each loss on a small net: 10 examples in batches of 3 (the last batch of
# every epoch holds one example), 4 epochs.
@pytest.mark.parametrize("loss,output", [
    ("mean_squared_error", "linear"),
    ("mean_squared_error", "softmax"),
    ("binary_crossentropy", "sigmoid"),
    ("categorical_crossentropy", "softmax"),
])
def test_each_loss_matches_keras(loss, output):
    model = mlp(5, 7, 3, seed=11, hidden="tanh", output=output)
    x, y = examples(5, 10, seed=1), targets(loss, 3, 10, seed=1)
    twin = compile_both(model, loss, optimizers.SGD(learning_rate=0.3))
    history = model.fit(x, y, epochs=4, batch_size=3, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=4, batch_size=3, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history)


OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.1),
    "sgd_momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "adam_default": lambda: optimizers.Adam(),
    "adam_fast": lambda: optimizers.Adam(learning_rate=0.02),
}


def optimizer_net(seed):
    """4-8(relu)-6(sigmoid)-3(softmax): three activations, CCE."""
    model = Model(seed=seed)
    model.add(Input(4))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(6, activation="sigmoid"))
    model.add(Dense(3, activation="softmax"))
    return model


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_optimizer_matches_keras(name):
    model = optimizer_net(seed=21)
    x = examples(4, 12, seed=2)
    y = targets("categorical_crossentropy", 3, 12, seed=2)
    twin = compile_both(model, "categorical_crossentropy", OPTIMIZERS[name]())
    initial = model.get_weights()
    history = model.fit(x, y, epochs=3, batch_size=5, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=3, batch_size=5, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(initial, model.get_weights()))
    assert moved > 10 * TOLERANCE or name == "adam_default", \
        "training hardly moved the weights: the comparison means little"
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history)


@pytest.mark.parametrize("name", ["sgd_momentum", "adam_default",
                                  "adam_fast"])
def test_fit_twice_carries_optimizer_state_like_keras(name):
    """Two fit calls in a row against two Keras fit calls: momentum and
    Adam's m, v and step count carry over from the first to the second."""
    model = optimizer_net(seed=22)
    x = examples(4, 9, seed=3)
    y = targets("categorical_crossentropy", 3, 9, seed=3)
    twin = compile_both(model, "categorical_crossentropy", OPTIMIZERS[name]())
    for _ in range(2):
        history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False,
                            verbose=0)
        keras_history = twin.fit(x, y, epochs=2, batch_size=4,
                                 shuffle=False, verbose=0)
        assert model.last_run.drops == 0
        assert_weights_match(model, twin)
        assert_history_matches(history, keras_history)


def test_layers_spanning_several_cores_match_keras():
    """300 → 200(tanh) → 10(softmax): the hidden layer's partial errors
    and the softmax statistics cross cores."""
    model = mlp(300, 200, 10, seed=31, hidden="tanh")
    mapping = model.mapping(training=True)
    assert mapping.layers[1].cores >= 2, mapping.table()
    x = examples(300, 6, seed=4)
    y = targets("categorical_crossentropy", 10, 6, seed=4)
    twin = compile_both(model, "categorical_crossentropy",
                        optimizers.SGD(learning_rate=0.1, momentum=0.5))
    history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=2, batch_size=4, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history)


def test_output_layer_spanning_several_cores_matches_keras():
    """An output layer of several cores: labels, the loss stage and a
    softmax spread over cores, with Adam."""
    model = mlp(40, 30, 300, seed=32, hidden="relu")
    mapping = model.mapping(training=True)
    assert mapping.layers[-1].cores >= 2, mapping.table()
    x = examples(40, 5, seed=5)
    y = targets("categorical_crossentropy", 300, 5, seed=5)
    twin = compile_both(model, "categorical_crossentropy",
                        optimizers.Adam(learning_rate=0.01))
    history = model.fit(x, y, epochs=2, batch_size=2, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, epochs=2, batch_size=2, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history)


def test_history_with_validation_matches_keras():
    model = optimizer_net(seed=23)
    x = examples(4, 10, seed=6)
    y = targets("categorical_crossentropy", 3, 10, seed=6)
    x_val = examples(4, 7, seed=7)
    y_val = targets("categorical_crossentropy", 3, 7, seed=7)
    twin = compile_both(model, "categorical_crossentropy",
                        optimizers.SGD(learning_rate=0.2))
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                        verbose=0, validation_data=(x_val, y_val))
    keras_history = twin.fit(x, y, epochs=3, batch_size=4, shuffle=False,
                             verbose=0, validation_data=(x_val, y_val))
    assert set(history.history) == {"loss", "accuracy", "val_loss",
                                    "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert_weights_match(model, twin)
    assert_history_matches(history, keras_history,
                           ("loss", "accuracy", "val_loss", "val_accuracy"))
