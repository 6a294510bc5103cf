"""Convolutions: ``Conv1D`` and ``Conv2D`` as in Keras 3 (channels-last)."""

import numbers
from typing import List

import numpy as np

from .. import activations, initializers
from ..window_geometry import WindowGeometry, as_tuple, standard_padding
from ..window_reference import conv_backward, conv_forward
from .base import Layer


class _Conv(Layer):
    """A convolution of rank 1 or 2. One atom per output position, holding
    all the filters there (docs/conv.md); the kernel, (k, c_in, f) or
    (kh, kw, c_in, f), is glorot-uniform initialised and the bias (f,) is
    zeros, as in Keras."""

    rank = 0

    def __init__(self, filters: int, kernel_size, strides=1,
                 padding: str = "valid", activation=None, name=None):
        super().__init__(name)
        label = name or self.kind
        if isinstance(filters, bool) or not isinstance(
                filters, numbers.Integral) or filters < 1:
            raise ValueError(f"layer {label!r}: filters must be a positive "
                             f"integer, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = as_tuple(kernel_size, self.rank, "kernel_size",
                                    label)
        self.strides = as_tuple(strides, self.rank, "strides", label)
        self.padding = standard_padding(padding, label)
        self.activation = activations.canonical_name(activation, label)
        self.geometry = None

    def get_config(self) -> dict:
        return {"name": self.name, "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "activation": self.activation}

    def compute_output_shape(self, input_shape):
        geometry = WindowGeometry.of(input_shape, self.kernel_size,
                                     self.strides, self.padding,
                                     self.filters, self.display_name)
        spatial = (geometry.out_rows, geometry.out_cols)[:self.rank]
        return spatial + (self.filters,)

    def build(self, input_shape, rng):
        self.geometry = WindowGeometry.of(
            tuple(input_shape), self.kernel_size, self.strides,
            self.padding, self.filters, self.display_name)
        super().build(input_shape, rng)

    def initial_weights(self, rng: np.random.Generator) -> List[np.ndarray]:
        channels_in = self.input_shape[-1]
        receptive = int(np.prod(self.kernel_size))
        shape = self.kernel_size + (channels_in, self.filters)
        return [initializers.glorot_uniform(
                    shape, receptive * channels_in, receptive * self.filters,
                    rng),
                initializers.zeros((self.filters,))]

    @property
    def kernel(self) -> np.ndarray:
        return self._weights[0]

    @property
    def bias(self) -> np.ndarray:
        return self._weights[1]

    @property
    def n_atoms(self) -> int:
        """Output positions (each carries ``filters`` values)."""
        return self.geometry.positions

    @property
    def values_per_atom(self) -> int:
        return self.filters

    def forward_reference(self, x: np.ndarray) -> np.ndarray:
        """numpy forward pass, float32, for parity tests."""
        z = conv_forward(x, self.kernel, self.bias, self.strides,
                         self.padding)
        return activations.reference(self.activation, z).astype(np.float32)

    def backward_reference(self, x: np.ndarray, dz: np.ndarray):
        """(kernel gradient, bias gradient, input error) for the error
        ``dz`` at the pre-activations, summed over the batch."""
        return conv_backward(x, self.kernel, dz, self.strides, self.padding)


class Conv1D(_Conv):
    """``Conv1D(filters, kernel_size, strides=1, padding="valid",
    activation=None)`` over inputs of shape (steps, channels)."""

    kind = "conv1d"
    rank = 1


class Conv2D(_Conv):
    """``Conv2D(filters, kernel_size, strides=(1, 1), padding="valid",
    activation=None)`` over inputs of shape (rows, columns, channels)."""

    kind = "conv2d"
    rank = 2
