"""A Keras model converted with from_keras predicts on the emulator what
Keras predicts. Tolerance 1e-4 absolute, as the issue states (the same
float32 sums in another order, and the cores' own exp: a few ulps of values
of order 1, see test_parity.py)."""

import numpy as np

from spinndl import from_keras
from spinndl.keras_io import import_keras

TOLERANCE = 1e-4


def assert_predicts_like_keras(keras_model, n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n,) + tuple(keras_model.input_shape[1:])
                    ).astype(np.float32)
    model = from_keras(keras_model)
    outputs = model.predict(x)
    expected = keras_model.predict(x, verbose=0)
    assert outputs.shape == expected.shape
    assert np.max(np.abs(outputs - expected)) <= TOLERANCE
    assert model.last_run.drops == 0


def test_sequential_with_every_activation_predicts_like_keras():
    keras = import_keras()
    keras.utils.set_random_seed(1)
    layers = keras.layers
    assert_predicts_like_keras(keras.Sequential([
        keras.Input(shape=(20,)), layers.Dense(30, activation="relu"),
        layers.Dense(25, activation="tanh"), layers.Dense(16),
        layers.Activation("sigmoid"), layers.Dense(12),
        layers.Dense(10, activation="softmax")]))


def test_functional_chain_with_folded_softmax_predicts_like_keras():
    keras = import_keras()
    keras.utils.set_random_seed(2)
    x = keras.Input(shape=(12,))
    hidden = keras.layers.ReLU()(keras.layers.Dense(40)(x))
    y = keras.layers.Softmax()(keras.layers.Dense(5)(hidden))
    assert_predicts_like_keras(keras.Model(x, y))
