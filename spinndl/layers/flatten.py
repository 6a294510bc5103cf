"""``Flatten()``: a feature map as one vector, in Keras' (C) order."""

import numpy as np

from .base import Layer


class Flatten(Layer):
    """Keras' Flatten for channels-last maps: value (r, c, ch) becomes
    index (r * cols + c) * channels + ch. Window layers send their values
    in exactly that order (position-major, then channel), so on the
    machine a Flatten is a renumbering that costs no core
    (docs/conv.md)."""

    kind = "flatten"

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward_reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, np.float32).reshape(len(x), -1)

    def backward_reference(self, dy: np.ndarray) -> np.ndarray:
        assert self.input_shape is not None
        return np.asarray(dy).reshape((len(dy),) + self.input_shape)
