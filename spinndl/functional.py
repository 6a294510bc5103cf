"""Keras' functional form for chains: the layers between ``inputs`` and
``outputs`` of ``Model(inputs=x, outputs=y)``, found by following each
symbolic tensor back to the layer call that made it."""

from typing import List

from .layers import Layer
from .layers.tensor import SymbolicTensor


def chain_layers(inputs, outputs) -> List[Layer]:
    """The Input, then every layer from it to ``outputs``, in order; a
    ValueError naming the layer for anything that is not one chain."""
    first = _one_tensor(inputs, "inputs")
    last = _one_tensor(outputs, "outputs")
    if first.source is not None:
        raise ValueError(
            f"Model inputs must be an Input, got the output of layer "
            f"{first.layer.display_name!r}")
    chain, tensor = [], last
    while tensor.source is not None:
        chain.append(tensor.layer)
        tensor = tensor.source
    if tensor is not first:
        raise ValueError(
            f"the outputs are not computed from the inputs (graph "
            f"disconnected): they start at Input "
            f"{tensor.layer.display_name!r}, the inputs are Input "
            f"{first.layer.display_name!r}")
    chain.append(first.layer)
    chain.reverse()
    for layer in chain:
        uses = sum(other is layer for other in chain)
        if uses > 1:
            raise ValueError(
                f"layer {layer.display_name!r} is called {uses} times between "
                f"the inputs and the outputs; spinndl builds chains of "
                f"distinct layers (shared layers are not supported)")
    return chain


def _one_tensor(value, what: str) -> SymbolicTensor:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            made_by = [_one_tensor(v, what).layer.display_name
                       for v in value]
            raise ValueError(
                f"spinndl models are chains with one input and one output; "
                f"got {len(value)} {what}"
                + (f", made by layers {made_by}" if made_by else ""))
        value = value[0]
    if isinstance(value, Layer) and value.kind == "input":
        return value.output
    if not isinstance(value, SymbolicTensor):
        raise TypeError(
            f"Model {what}: an Input or the output of a layer call "
            f"expected, got {type(value).__name__}")
    return value
