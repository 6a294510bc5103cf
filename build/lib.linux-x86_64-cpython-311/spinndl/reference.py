"""References a spinndl model is checked against: the same network in Keras
itself, and a small numpy forward pass. Used by the parity tests and the
benchmarks; Keras is imported only when asked for (a test dependency)."""

import numpy as np

from .keras_io import import_keras, to_keras


def keras():
    """Keras 3 (on the JAX backend unless the user chose another one)."""
    return import_keras()


def keras_twin(model):
    """A Keras Sequential with the same layers and weights as ``model``."""
    return to_keras(model)


def numpy_forward(model, x: np.ndarray) -> np.ndarray:
    """Each layer's float32 forward pass in numpy."""
    values = np.asarray(x, dtype=np.float32)
    for layer in model.layers[1:]:
        values = layer.forward_reference(values)
    return values
