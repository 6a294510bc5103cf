"""Keras (the real library, JAX backend) twins of spinndl models, for
parity tests."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402


def keras_twin(model) -> "keras.Sequential":
    """A Keras Sequential with the same layers and weights as ``model``."""
    layers = [keras.Input(model.layers[0].output_shape)]
    for layer in model.layers[1:]:
        layers.append(keras.layers.Dense(layer.units,
                                         activation=layer.activation))
    twin = keras.Sequential(layers)
    twin.set_weights(model.get_weights())
    return twin


def numpy_forward(model, x: np.ndarray) -> np.ndarray:
    """The small numpy reference: each layer's float32 forward pass."""
    values = x.astype(np.float32)
    for layer in model.layers[1:]:
        values = layer.forward_reference(values)
    return values
