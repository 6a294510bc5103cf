"""Symbolic tensors: what calling a layer on an ``Input`` (or on another
symbolic tensor) returns, as Keras' functional API does. They carry no
data, only the shape and the layer call that made them, so that
``Model(inputs=x, outputs=y)`` can find the chain of layers between."""

from typing import Optional, Tuple


class SymbolicTensor:
    """The output of one layer call: ``shape`` is ``(None, *example
    shape)`` as in Keras; ``layer`` made it from ``source`` (None for the
    tensor of an Input)."""

    def __init__(self, shape: Tuple[int, ...], layer,
                 source: Optional["SymbolicTensor"]):
        self.shape = (None,) + tuple(shape)
        self.dtype = "float32"
        self.layer = layer
        self.source = source

    @property
    def example_shape(self) -> Tuple[int, ...]:
        return self.shape[1:]

    def __repr__(self) -> str:
        name = self.layer.name or self.layer.kind
        return (f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, "
                f"made by layer {name!r}>")
