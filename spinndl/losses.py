"""Losses with Keras' exact semantics (numpy, host side): a value per
example (the mean over outputs), then Keras' "sum_over_batch_size": the
sum of the (weighted) per-example values over the number of examples; and
Keras' probability clipping."""

import numpy as np

#: Keras' backend epsilon: probabilities are clipped to [EPS, 1 - EPS].
EPSILON = 1e-7


def mean_squared_error(y_true, y_pred):
    return np.mean((y_pred - y_true) ** 2, axis=-1)


def categorical_crossentropy(y_true, y_pred):
    # Keras rescales so each row sums to one, then clips.
    y_pred = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
    y_pred = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return -np.sum(y_true * np.log(y_pred), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Integer class indices y_true (n,): Keras takes the categorical
    cross-entropy of their one-hot rows."""
    y_true = np.asarray(y_true).reshape(-1).astype(np.int64)
    one_hot = np.eye(y_pred.shape[-1], dtype=np.float32)[y_true]
    return categorical_crossentropy(one_hot, y_pred)


def binary_crossentropy(y_true, y_pred):
    y_pred = np.clip(y_pred, EPSILON, 1 - EPSILON)
    terms = y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)
    return -np.mean(terms, axis=-1)


#: Keras name → the loss of each example.
PER_EXAMPLE = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}


def get(name: str):
    """loss(y_true, y_pred, sample_weight=None): the mean over examples of
    the per-example loss times its weight, as Keras reduces it."""
    if name not in PER_EXAMPLE:
        raise ValueError(f"unknown loss {name!r}; choose one of "
                         f"{sorted(PER_EXAMPLE)}")
    per_example = PER_EXAMPLE[name]

    def loss(y_true, y_pred, sample_weight=None):
        values = per_example(y_true, y_pred)
        if sample_weight is not None:
            values = values * np.asarray(sample_weight).reshape(-1)
        return np.mean(values)
    return loss
