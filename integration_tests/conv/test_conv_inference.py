"""Window layers' predict on the emulator against Keras itself (JAX
backend) and the numpy reference.

Tolerance 1e-4 absolute, as the issue states: both sides compute in
float32; the cores sum a window's products in kernel order and Keras/XLA
in its own, a few float32 ulps on values of order 1 (the Listing-3 outputs
pass through two convolutions of up to 3*20 products each)."""

import numpy as np
import pytest

from spinndl import Model
from spinndl.examples.cnn_models import listing3_cnn
from spinndl.layers import (
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Dense, Flatten,
    Input, MaxPooling1D, MaxPooling2D)

from ..inference.keras_reference import keras_twin, numpy_forward

TOLERANCE = 1e-4


def assert_matches_references(model, x):
    outputs = model.predict(x)
    expected_keras = keras_twin(model).predict(x, verbose=0)
    assert outputs.shape == expected_keras.shape
    assert np.max(np.abs(outputs - numpy_forward(model, x))) <= TOLERANCE
    assert np.max(np.abs(outputs - expected_keras)) <= TOLERANCE
    assert model.last_run.drops == 0
    return outputs


def test_listing3_matches_keras_on_500_random_examples():
    """The thesis' Listing 3, as its own test does: 500 examples of
    np.random.rand, random weights."""
    model = listing3_cnn(seed=4)
    x = np.random.default_rng(0).random((500, 64, 4)).astype(np.float32)
    outputs = assert_matches_references(model, x)
    assert np.allclose(outputs.sum(axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("layers", [
    # odd sizes, stride 2, "same" and "valid", a 1x1 kernel
    [Input(9, 7, 3), Conv2D(5, 3, strides=2, padding="same",
                            activation="tanh"),
     Conv2D(4, 1, activation="sigmoid"), MaxPooling2D(3, 2, "same"),
     Flatten(), Dense(3)],
    [Input(11, 13, 2), Conv2D(6, (3, 2), strides=(2, 1), activation="relu"),
     AveragePooling2D((2, 3), padding="same"), Conv2D(3, 2, padding="same"),
     Flatten(), Dense(4, activation="softmax")],
    # 1D pooling and convolution, a map as the output (no Flatten)
    [Input(23, 3), MaxPooling1D(3, 1, "same"), Conv1D(4, 4, strides=3,
                                                      padding="same"),
     AveragePooling1D()],
], ids=["conv2d-odd-strided", "conv2d-avg-same", "conv1d-pool1d"])
def test_window_models_match_keras(layers):
    model = Model(layers, seed=2)
    x = np.random.default_rng(1).uniform(
        -1, 1, (30,) + model.layers[0].output_shape).astype(np.float32)
    assert_matches_references(model, x)


def test_many_channels_and_layers_spanning_several_cores():
    """The first convolution's 144 positions of 40 filters need several
    cores (bands of rows), and the pooling after it reads from all of
    them."""
    model = Model([Input(12, 12, 8), Conv2D(40, 3, padding="same",
                                           activation="relu"),
                   MaxPooling2D(), Conv2D(24, 3, activation="relu"),
                   Flatten(), Dense(10, activation="softmax")], seed=5)
    mapping = model.mapping()
    cores = {layer.name: layer.cores for layer in mapping.layers}
    assert cores["conv2d"] >= 2, cores
    x = np.random.default_rng(2).uniform(0, 1, (10, 12, 12, 8)).astype(
        np.float32)
    assert_matches_references(model, x)


def test_flatten_takes_no_core():
    mapping = listing3_cnn(seed=0).mapping()
    names = [layer.name for layer in mapping.layers]
    assert "flatten" not in names
