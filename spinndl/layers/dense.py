"""The fully connected layer."""

import numbers
from typing import List

import numpy as np

from .. import activations, initializers
from .base import Layer


class Dense(Layer):
    """``Dense(units, activation=None)`` as in Keras: kernel of shape
    (inputs, units), glorot-uniform initialised; bias of shape (units,),
    zero initialised. One atom per unit (a perceptron)."""

    kind = "dense"

    def __init__(self, units: int, activation=None, name=None):
        super().__init__(name)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) \
                or units < 1:
            raise ValueError(f"Dense layer {name!r}: units must be a "
                             f"positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.canonical_name(
            activation, name or "dense")

    def get_config(self) -> dict:
        return {"name": self.name, "units": self.units,
                "activation": self.activation}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(
                f"layer {self.display_name!r}: Dense takes a flat input, got shape "
                f"{input_shape}")
        return (self.units,)

    def initial_weights(self, rng: np.random.Generator) -> List[np.ndarray]:
        n_in = self.input_shape[0]
        return [initializers.glorot_uniform((n_in, self.units), n_in,
                                            self.units, rng),
                initializers.zeros((self.units,))]

    @property
    def kernel(self) -> np.ndarray:
        return self._weights[0]

    @property
    def bias(self) -> np.ndarray:
        return self._weights[1]

    def forward_reference(self, x: np.ndarray) -> np.ndarray:
        """numpy forward pass, float32, for parity tests."""
        z = x.astype(np.float32) @ self.kernel + self.bias
        return activations.reference(self.activation, z).astype(np.float32)
