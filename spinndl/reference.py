"""References a spinndl model is checked against: the same network in Keras
itself, and a small numpy forward pass. Used by the parity tests and the
benchmarks; Keras is imported only when asked for (a test dependency)."""

import os

import numpy as np


def keras():
    """Keras 3 on the JAX backend, unless the user chose another one."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras as keras_module  # pylint: disable=import-outside-toplevel
    return keras_module


def keras_twin(model):
    """A Keras Sequential with the same layers and weights as ``model``."""
    k = keras()
    layers = [k.Input(model.layers[0].output_shape)]
    for layer in model.layers[1:]:
        layers.append(k.layers.Dense(layer.units,
                                     activation=layer.activation))
    twin = k.Sequential(layers)
    twin.set_weights(model.get_weights())
    return twin


def numpy_forward(model, x: np.ndarray) -> np.ndarray:
    """Each layer's float32 forward pass in numpy."""
    values = np.asarray(x, dtype=np.float32)
    for layer in model.layers[1:]:
        values = layer.forward_reference(values)
    return values
