"""The input layer: the shape of one example."""

import numbers
from typing import Tuple

from .base import Layer
from .tensor import SymbolicTensor


class Input(Layer):
    """The shape of one example, as Keras' ``Input(shape=(784,))``; also
    ``Input((784,))``, ``Input(784)`` and ``Input(28, 28, 1)``. Usable as
    the first layer of ``Model([...])`` / ``model.add`` and, as in Keras'
    functional API, as the tensor a first layer is called on:
    ``Dense(4)(Input(shape=(8,)))``. On the machine its atoms are the keys
    of the single input source (a ReverseIPTagMulticastSource).

    ``batch_shape=(None, 784)`` is Keras' other form (the batch size is
    not fixed). ``dtype`` may only be float32 (or None): the cores compute
    in float32.
    """

    kind = "input"

    def __init__(self, *sizes, shape=None, batch_shape=None, name=None,
                 dtype=None):
        super().__init__(name)
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            if shape is not None or not batch_shape or \
                    batch_shape[0] is not None:
                raise ValueError(
                    f"Input: batch_shape must be (None, *shape) given "
                    f"alone, got batch_shape={batch_shape!r}, shape="
                    f"{shape!r}")
            shape = batch_shape[1:]
        if shape is not None and sizes:
            raise ValueError(f"Input: give the shape once, either as "
                             f"Input{sizes} or as Input(shape={shape!r})")
        if shape is None:
            shape = sizes[0] if len(sizes) == 1 else sizes
        shape = _as_shape(shape)
        if dtype not in (None, "float32"):
            raise ValueError(f"Input {name!r}: dtype {dtype!r} is not "
                             f"supported; spinndl computes in float32")
        self.shape: Tuple[int, ...] = shape
        self.input_shape = self.shape
        self.output_shape = self.shape
        self._output = SymbolicTensor(self.shape, self, None)

    @property
    def output(self) -> SymbolicTensor:
        """The symbolic tensor a first layer is called on."""
        return self._output

    def get_config(self) -> dict:
        return {"name": self.name, "shape": list(self.shape)}

    @classmethod
    def from_config(cls, config: dict) -> "Input":
        return cls(shape=tuple(config["shape"]), name=config.get("name"))

    def compute_output_shape(self, input_shape):
        return self.shape


def _as_shape(shape) -> Tuple[int, ...]:
    """A tuple of positive ints from an int or a sequence of them, or a
    ValueError naming the shape."""
    sizes = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"Input shape must be a tuple of positive ints, "
                         f"e.g. Input(shape=(784,)); got {shape!r}") from None
    if not sizes:
        raise ValueError("Input needs a shape, e.g. Input(shape=(784,))")
    for size in sizes:
        if size is None:
            raise ValueError(
                f"Input shape {sizes}: every size must be known (no None): "
                f"the machine is laid out for one example shape")
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) \
                or size < 1:
            raise ValueError(
                f"Input shape {sizes}: every size must be a positive "
                f"int, got {size!r}")
    return tuple(int(size) for size in sizes)
