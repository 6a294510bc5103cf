"""Convolutional networks of the thesis and of the benchmarks."""

from ..layers import (
    AveragePooling2D, Conv1D, Conv2D, Dense, Flatten, Input, MaxPooling2D)
from ..model import Model


def listing3_cnn(seed=None) -> Model:
    """The thesis' Listing 3: two Conv1D over 64 steps of 4 channels, the
    second strided with "same" padding, flattened into a softmax Dense."""
    return Model([Input(64, 4), Conv1D(20, 3),
                  Conv1D(5, 3, activation="relu", padding="same", strides=2),
                  Flatten(), Dense(10, activation="softmax")], seed=seed)


def lenet(seed=None, filters=(6, 16)) -> Model:
    """A LeNet-style CNN for 28×28 digits: Conv2D(5×5, relu) → 2×2 max
    pool → Conv2D(5×5, relu) → 2×2 average pool → Flatten → softmax."""
    return Model([Input(28, 28, 1),
                  Conv2D(filters[0], 5, activation="relu"), MaxPooling2D(),
                  Conv2D(filters[1], 5, activation="relu"),
                  AveragePooling2D(), Flatten(),
                  Dense(10, activation="softmax")], seed=seed)


def small_cnn(seed=None) -> Model:
    """A CNN for scikit-learn's 8×8 digits (the demo's)."""
    return Model([Input(8, 8, 1), Conv2D(8, 3, activation="relu",
                                         padding="same"),
                  MaxPooling2D(), Flatten(),
                  Dense(10, activation="softmax")], seed=seed)
