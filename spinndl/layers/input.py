"""The input layer: the shape of one example."""

from typing import Tuple

from .base import Layer


class Input(Layer):
    """``Input(*shape)``: declares the shape of an example, e.g.
    ``Input(784)`` or ``Input(28, 28, 1)``. On the machine its atoms are the
    keys of the single input source (a ReverseIPTagMulticastSource)."""

    kind = "input"

    def __init__(self, *shape: int, name=None):
        super().__init__(name)
        if not shape:
            raise ValueError("Input needs a shape, e.g. Input(784)")
        for size in shape:
            if isinstance(size, bool) or not isinstance(size, int) \
                    or size < 1:
                raise ValueError(
                    f"Input shape {shape}: every size must be a positive "
                    f"int, got {size!r}")
        self.shape: Tuple[int, ...] = tuple(shape)
        self.input_shape = self.shape
        self.output_shape = self.shape

    def compute_output_shape(self, input_shape):
        return self.shape
