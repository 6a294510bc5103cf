"""Losses with Keras' exact semantics (numpy, host side): the mean over
outputs, then over the batch, and Keras' probability clipping."""

import numpy as np

#: Keras' backend epsilon: probabilities are clipped to [EPS, 1 - EPS].
EPSILON = 1e-7


def mean_squared_error(y_true, y_pred):
    return np.mean(np.mean((y_pred - y_true) ** 2, axis=-1))


def categorical_crossentropy(y_true, y_pred):
    # Keras rescales so each row sums to one, then clips.
    y_pred = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
    y_pred = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return np.mean(-np.sum(y_true * np.log(y_pred), axis=-1))


def binary_crossentropy(y_true, y_pred):
    y_pred = np.clip(y_pred, EPSILON, 1 - EPSILON)
    terms = y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)
    return np.mean(-np.mean(terms, axis=-1))


LOSSES = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
}


def get(name: str):
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of "
                         f"{sorted(LOSSES)}")
    return LOSSES[name]


def accuracy(y_true, y_pred) -> float:
    """Keras' "accuracy" for one-hot targets (argmax match), or for a single
    sigmoid output (threshold 0.5)."""
    if y_pred.shape[-1] == 1:
        return float(np.mean((y_pred > 0.5) == (y_true > 0.5)))
    return float(np.mean(np.argmax(y_pred, -1) == np.argmax(y_true, -1)))
