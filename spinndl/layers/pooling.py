"""Pooling: ``MaxPooling1D/2D`` and ``AveragePooling1D/2D`` as in Keras 3
(channels-last; strides default to the pool size)."""

import numpy as np

from ..window_geometry import WindowGeometry, as_tuple, standard_padding
from ..window_reference import pool_backward, pool_forward
from .base import Layer


class _Pooling(Layer):
    """One atom per output position, holding every channel there. No
    weights."""

    rank = 0
    mode = ""

    def __init__(self, pool_size=2, strides=None, padding: str = "valid",
                 name=None):
        super().__init__(name)
        label = name or self.kind
        self.pool_size = as_tuple(pool_size, self.rank, "pool_size", label)
        self.strides = self.pool_size if strides is None else as_tuple(
            strides, self.rank, "strides", label)
        self.padding = standard_padding(padding, label)
        self.geometry = None

    def get_config(self) -> dict:
        return {"name": self.name, "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding}

    def compute_output_shape(self, input_shape):
        geometry = WindowGeometry.of(input_shape, self.pool_size,
                                     self.strides, self.padding,
                                     input_shape[-1], self.display_name)
        spatial = (geometry.out_rows, geometry.out_cols)[:self.rank]
        return spatial + (input_shape[-1],)

    def build(self, input_shape, rng):
        self.geometry = WindowGeometry.of(
            tuple(input_shape), self.pool_size, self.strides, self.padding,
            input_shape[-1], self.display_name)
        super().build(input_shape, rng)

    @property
    def n_atoms(self) -> int:
        return self.geometry.positions

    @property
    def values_per_atom(self) -> int:
        return self.input_shape[-1]

    def forward_reference(self, x: np.ndarray) -> np.ndarray:
        return pool_forward(x, self.mode, self.pool_size, self.strides,
                            self.padding)

    def backward_reference(self, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """The input error for the output error ``dy``."""
        return pool_backward(x, dy, self.mode, self.pool_size, self.strides,
                             self.padding)


class MaxPooling1D(_Pooling):
    kind = "max_pooling1d"
    rank = 1
    mode = "max"


class MaxPooling2D(_Pooling):
    kind = "max_pooling2d"
    rank = 2
    mode = "max"


class AveragePooling1D(_Pooling):
    kind = "average_pooling1d"
    rank = 1
    mode = "average"


class AveragePooling2D(_Pooling):
    kind = "average_pooling2d"
    rank = 2
    mode = "average"
