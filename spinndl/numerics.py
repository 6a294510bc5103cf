"""The number format a model's cores compute in (docs/numerics.md), and the
host's side of it: the payloads and region words of that format.

``Model(numerics="float")`` (the default) runs IEEE binary32 kernels;
``numerics="fixed"`` runs the same kernel sources built with SPINNDL_FIXED
(neural_modelling/src/common/numeric.h): values (inputs, outputs, errors,
labels) in s16.15, parameters (weights, biases, optimizer state,
hyperparameters) in s7.24, both as int32 words. The host converts at the
wire: weights and inputs go out rounded to nearest, outputs and weights
come back as float32. spinndl.fixed_reference computes the same arithmetic
in numpy, bit for bit.
"""

from typing import Sequence

import numpy as np

#: value_t (s16.15) and weight_t (s7.24) of the fixed build: keep in step
#: with VALUE_FRACTION_BITS / WEIGHT_FRACTION_BITS of common/fixed_maths.h
#: (unit_tests/test_fixed_point.py checks).
VALUE_FRACTION_BITS = 15
WEIGHT_FRACTION_BITS = 24
VALUE_SCALE = 1 << VALUE_FRACTION_BITS
WEIGHT_SCALE = 1 << WEIGHT_FRACTION_BITS
#: Magnitudes a value / a weight must stay below.
VALUE_LIMIT = 2.0 ** (31 - VALUE_FRACTION_BITS)
WEIGHT_LIMIT = 2.0 ** (31 - WEIGHT_FRACTION_BITS)
INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1


def to_fixed(values, fraction_bits: int) -> np.ndarray:
    """Rounded to nearest (half up) in a format with fraction_bits,
    saturated to int32: what the host writes for the fixed build."""
    scaled = np.floor(np.asarray(values, dtype=np.float64)
                      * (1 << fraction_bits) + 0.5)
    return np.clip(scaled, INT32_MIN, INT32_MAX).astype(np.int32)


def from_fixed(raw, fraction_bits: int) -> np.ndarray:
    return (np.asarray(raw, dtype=np.int64).astype(np.float64)
            / (1 << fraction_bits)).astype(np.float32)


def _first_outside(array: np.ndarray, limit: float):
    bad = np.abs(np.asarray(array, dtype=np.float64)) >= limit
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return index, float(np.asarray(array)[index])


class Numerics:
    """IEEE binary32 on the cores (the default): every word is a float's
    bits, as before fixed point existed."""

    name = "float"
    #: appended to a kind's program names (dense -> dense_fixed)
    binary_suffix = ""
    #: the cores count the results they clip to the format's range in a
    #: SATURATION region (floats do not saturate)
    counts_saturations = False
    #: a new weight's change gives its bits back exactly, so the gradient
    #: exchange may send two changes in a packet (layer/weight_deltas.h)
    exact_weight_deltas = False
    #: two forward values that fit 16 bits share a packet
    #: (common/value_pairs.h)
    packs_forward_pairs = False

    # --- checks, before mapping ---------------------------------------------
    def check_values(self, array: np.ndarray, what: str) -> None:
        """Raises a ValueError naming ``what``, the value and the limit
        when a value cannot be represented."""

    def check_weights(self, layers: Sequence) -> None:
        """The same for every layer's weights (the layer's name)."""

    # --- values: inputs, outputs, labels ------------------------------------------
    def value_words(self, values) -> np.ndarray:
        return np.ascontiguousarray(values, dtype="<f4").view("<u4")

    def input_payloads(self, x: np.ndarray) -> np.ndarray:
        """x as the float32 array whose bits are the input payloads
        (what spinndl.backend.streaming.input_events sends)."""
        return np.ascontiguousarray(x, dtype=np.float32)

    def decode_outputs(self, received: np.ndarray) -> np.ndarray:
        """The outputs from the float32 array the collectors filled with
        the payloads' bits."""
        return received

    # --- parameters: weights, optimizer state, hyperparameters -----------------
    def weight_words(self, float_words: np.ndarray) -> np.ndarray:
        """A kind's WEIGHTS (or optimizer slot) words, from the float32
        bits its codec writes."""
        return float_words

    def float_weight_words(self, data: bytes, count: int) -> bytes:
        """A WEIGHTS region's bytes as the float32 bits a kind's codec
        reads."""
        return data

    def optimizer_slot_words(self, float_words: np.ndarray, optimizer: int,
                             slot: int) -> np.ndarray:
        return float_words

    def float_optimizer_slot(self, data: bytes, count: int, optimizer: int,
                             slot: int) -> bytes:
        return data

    def weight_bits(self, value: float) -> int:
        """A hyperparameter's word in the TRAINING region."""
        return int(np.array([value], dtype="<f4").view("<u4")[0])

    def __repr__(self) -> str:
        return f"<numerics {self.name}>"


class FixedNumerics(Numerics):
    """s16.15 values and s7.24 parameters in int32 words."""

    name = "fixed"
    binary_suffix = "_fixed"
    counts_saturations = True
    exact_weight_deltas = True
    packs_forward_pairs = True

    def check_values(self, array, what: str) -> None:
        outside = _first_outside(array, VALUE_LIMIT)
        if outside is not None:
            index, value = outside
            raise ValueError(
                f"{what}: value {value} at index {index} is outside the "
                f"fixed-point range of values (s16.15: magnitude below "
                f"{VALUE_LIMIT:g}); scale the data or use numerics='float'")

    def check_weights(self, layers) -> None:
        for layer in layers:
            for array in layer.get_weights():
                outside = _first_outside(array, WEIGHT_LIMIT)
                if outside is not None:
                    index, value = outside
                    raise ValueError(
                        f"layer {layer.name!r}: weight {value} at index "
                        f"{index} is outside the fixed-point range of "
                        f"weights (s7.24: magnitude below "
                        f"{WEIGHT_LIMIT:g}); use numerics='float'")

    def value_words(self, values) -> np.ndarray:
        return to_fixed(values, VALUE_FRACTION_BITS).view("<u4")

    def input_payloads(self, x):
        return np.ascontiguousarray(self.value_words(x)).view(np.float32)

    def decode_outputs(self, received):
        return from_fixed(np.ascontiguousarray(received).view(np.int32),
                          VALUE_FRACTION_BITS)

    def weight_words(self, float_words):
        floats = np.ascontiguousarray(float_words).view("<f4")
        return to_fixed(floats, WEIGHT_FRACTION_BITS).view("<u4")

    def float_weight_words(self, data, count):
        raw = np.frombuffer(data, dtype="<i4", count=count)
        return from_fixed(raw, WEIGHT_FRACTION_BITS).astype("<f4").tobytes()

    def optimizer_slot_words(self, float_words, optimizer, slot):
        # Adam's second moment v is kept as sqrt(v) (numeric.h)
        if _is_adam_v(optimizer, slot):
            floats = np.ascontiguousarray(float_words).view("<f4")
            float_words = np.sqrt(np.maximum(floats, 0)).astype("<f4")
        return self.weight_words(float_words)

    def float_optimizer_slot(self, data, count, optimizer, slot):
        floats = np.frombuffer(self.float_weight_words(data, count), "<f4")
        if _is_adam_v(optimizer, slot):
            floats = (floats.astype(np.float64) ** 2).astype("<f4")
        return floats.tobytes()

    def weight_bits(self, value):
        return int(to_fixed([value], WEIGHT_FRACTION_BITS).view("<u4")[0])


def _is_adam_v(optimizer: int, slot: int) -> bool:
    from .wire_format import Optimizer
    return optimizer == Optimizer.ADAM and slot == 1


FLOAT = Numerics()
FIXED = FixedNumerics()
_BY_NAME = {"float": FLOAT, "fixed": FIXED}


def resolve(numerics) -> Numerics:
    """A Numerics from its name ("float" or "fixed") or itself."""
    if isinstance(numerics, Numerics):
        return numerics
    if numerics not in _BY_NAME:
        raise ValueError(f"numerics must be one of {sorted(_BY_NAME)}, got "
                         f"{numerics!r}")
    return _BY_NAME[numerics]
