"""Activation functions by their Keras names.

The numbers each activation has on the wire (``CODES``) are part of the
wire format: the C programs switch on them (docs/wire_format.md). The numpy
forms are the host-side reference the parity tests compare against.
"""

import numpy as np

#: Keras name → code written into a layer core's params region.
CODES = {"linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3, "softmax": 4}
#: Keras accepts None for the identity; so do we.
ALIASES = {None: "linear", "identity": "linear"}


def canonical_name(activation, layer: str) -> str:
    """The canonical name of an activation, or a ValueError naming the
    layer, the value and what is allowed."""
    name = ALIASES.get(activation, activation)
    if name not in CODES:
        raise ValueError(
            f"layer {layer!r}: unknown activation {activation!r}; "
            f"choose one of {sorted(CODES)} (or None for linear)")
    return name


def reference(name: str, z: np.ndarray) -> np.ndarray:
    """Apply an activation to pre-activations ``z`` (last axis = units)."""
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        shifted = np.exp(z - z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    raise KeyError(name)
