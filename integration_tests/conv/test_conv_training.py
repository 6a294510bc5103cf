"""fit of window layers on the emulator against real Keras (JAX backend):
same initial weights, same examples in the same order (shuffle=False),
each loss and each optimizer. Every weight must end within 1e-4 of Keras'
(integration_tests/training/helpers.py says why: float32 on both sides,
different summation order); the kernels, shared by all the cores of a
layer, are read back from every core and must be identical."""

import numpy as np
import pytest

from spinndl import Model, optimizers
from spinndl.layers import (
    AveragePooling2D, Conv1D, Conv2D, Dense, Flatten, Input, MaxPooling1D,
    MaxPooling2D)

from ..training.helpers import (
    assert_weights_match, compile_both, targets)

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.05),
    "momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
}


def conv2d_model(seed):
    return Model([Input(9, 8, 2), Conv2D(4, 3, strides=2, padding="same",
                                         activation="relu"),
                  MaxPooling2D(padding="same"), Conv2D(3, 1, activation="tanh"),
                  Flatten(), Dense(5, activation="softmax")], seed=seed)


def conv1d_model(seed):
    return Model([Input(17, 3), Conv1D(6, 3, activation="sigmoid"),
                  MaxPooling1D(2, padding="same"),
                  Conv1D(4, 2, strides=2, padding="same"), Flatten(),
                  Dense(2, activation="sigmoid")], seed=seed)


def train_both(model, loss, optimizer, n=12, batch_size=4, epochs=2):
    x = np.random.default_rng(3).uniform(
        -1, 1, (n,) + model.layers[0].output_shape).astype(np.float32)
    y = targets(loss, model.layers[-1].output_shape[0], n)
    twin = compile_both(model, loss, optimizer)
    initial = model.get_weights()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
              verbose=0)
    twin.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
             verbose=0)
    assert model.last_run.drops == 0
    assert not all(np.array_equal(a, b)
                   for a, b in zip(initial, model.get_weights()))
    assert_weights_match(model, twin)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_conv2d_each_optimizer_matches_keras(optimizer):
    train_both(conv2d_model(seed=1), "categorical_crossentropy",
               OPTIMIZERS[optimizer]())


@pytest.mark.parametrize("loss", ["mean_squared_error",
                                  "binary_crossentropy"])
def test_conv1d_each_loss_matches_keras(loss):
    train_both(conv1d_model(seed=2), loss, OPTIMIZERS["adam"]())


def test_kernel_reduction_over_several_cores_matches_keras():
    """A convolution spread over several cores: the kernel gradient is the
    sum over every core's band, reduced on the machine."""
    model = Model([Input(12, 12, 8), Conv2D(40, 3, padding="same",
                                           activation="relu"),
                   AveragePooling2D(), Flatten(),
                   Dense(3, activation="softmax")], seed=6)
    cores = model.mapping(training=True).layers[1].cores
    assert cores >= 2, cores
    train_both(model, "categorical_crossentropy", OPTIMIZERS["adam"](),
               n=6, batch_size=3, epochs=1)


def test_backward_traffic_stays_within_twice_the_forward():
    """Issue 8's bound where window cores link with several source cores:
    LeNet's first stage, whose convolution takes two cores in training, so
    some pooling bands straddle them. Each band keeps its window only (so
    few positions need few cores: keeping the linked cores' whole values
    took 29) and sends back the partial errors of its window only, so the
    packets the cores send per training example, less those of inference,
    stay within twice inference's (whole linked slices sent 9.2 times)."""
    model = Model([Input(28, 28, 1), Conv2D(8, 5, activation="relu"),
                   MaxPooling2D(), Flatten(),
                   Dense(10, activation="softmax")], seed=6)
    layers = model.mapping(training=True).layers
    assert layers[1].cores == 2, layers
    assert layers[2].cores <= 2, layers
    n = 4
    x = np.random.default_rng(4).uniform(
        0, 1, (n, 28, 28, 1)).astype(np.float32)
    y = targets("categorical_crossentropy", 10, n)
    model.compile("categorical_crossentropy", OPTIMIZERS["sgd"]())
    model.fit(x, y, epochs=1, batch_size=n, shuffle=False, verbose=0)
    training = model.last_run.packets_sent / n
    assert model.last_run.drops == 0
    model.predict(x)
    inference = model.last_run.packets_sent / n
    assert (training - inference) / inference <= 2.0
