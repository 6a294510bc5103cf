"""Saturation counting (docs/numerics.md, "Saturation"): the numpy model
counts what the C counts, function by function (the C functions of the
host build of dense_train_fixed, called directly, count into their
stand-in counters), and only results the cores compute; the host decodes
the SATURATION region and words its warning."""

import ctypes
import warnings

import numpy as np
import pytest

from spinndl import SaturationWarning
from spinndl import fixed_reference as reference
from spinndl.emulator.engine import program_path
from spinndl.numerics import INT32_MAX, INT32_MIN, VALUE_SCALE
from spinndl.saturation import (
    CoreSaturations, Saturations, decode, describe, warn_saturated)
from spinndl.wire_format import SATURATION_COUNTERS, SaturationKind


@pytest.fixture(scope="module")
def program():
    return ctypes.CDLL(program_path("dense_train_fixed.aplx"))


def _c_counters(program):
    """The C's current counters (before a program attaches its region:
    its DTCM stand-in), as a live array."""
    pointer = ctypes.POINTER(ctypes.c_uint32).in_dll(
        program, "fixed_saturation_counters")
    return np.ctypeslib.as_array(pointer, shape=(SATURATION_COUNTERS,))


def _c_count(program, call):
    """How many saturations call() counts in the C (the forward counter:
    where fixed_saturations points before a program sets a phase)."""
    counters = _c_counters(program)
    before = int(counters[SaturationKind.FORWARD])
    call()
    return int(counters[SaturationKind.FORWARD]) - before


def _reference_count(function, *args):
    counts = np.zeros((1, SATURATION_COUNTERS), dtype=np.int64)
    with reference.counting(counts):
        reference.count_as(0, SaturationKind.FORWARD)
        result = function(*args)
    return int(counts.sum()), result


def test_exp_counts_its_upper_clamp_like_the_c(program):
    exp = program.exp_fixed
    exp.restype, exp.argtypes = ctypes.c_int32, [ctypes.c_int32]
    # around ln(65536) = 11.09 (saturates inside) and 12 (the clamp)
    x = np.concatenate([np.arange(10 << 15, 13 << 15, 97),
                        [-2 ** 31, 2 ** 31 - 1, 0, -(12 << 15)]])
    c = _c_count(program, lambda: [exp(int(v)) for v in x])
    n, result = _reference_count(reference.exp_fixed, x)
    assert n == c
    assert n == int(np.count_nonzero(result == INT32_MAX)) > 500


def test_divide_counts_overflow_and_division_by_zero_like_the_c(program):
    divide = program.fixed_divide
    divide.restype = ctypes.c_int32
    divide.argtypes = [ctypes.c_int32, ctypes.c_int32, ctypes.c_uint32]
    rng = np.random.default_rng(0)
    a = rng.integers(-2 ** 31, 2 ** 31, 3000)
    b = rng.integers(-2 ** 16, 2 ** 16, 3000)
    b[:5] = 0
    for bits in (15, 24):
        c = _c_count(program, lambda: [divide(int(x), int(y), bits)
                                       for x, y in zip(a, b)])
        n, _ = _reference_count(reference.divide, a, b, bits)
        assert n == c and n > 5


def test_saturate_counts_each_clipped_element():
    n, result = _reference_count(
        reference.saturate, [INT32_MAX + 1, INT32_MIN - 5, 0, INT32_MAX])
    assert n == 2
    assert list(result) == [INT32_MAX, INT32_MIN, 0, INT32_MAX]


def test_nothing_is_counted_outside_a_counting_block():
    counts = np.zeros((1, SATURATION_COUNTERS), dtype=np.int64)
    with reference.counting(counts):
        pass
    reference.saturate([2 ** 40])
    assert counts.sum() == 0


def test_running_sums_count_every_clipping_add():
    """value_add after value_add: 3 terms of 2^30 clip at the 2nd and
    3rd add; the 4th term brings the sum back inside."""
    terms = np.array([2 ** 30, 2 ** 30, 2 ** 30, -2 ** 31])
    n, total = _reference_count(reference.saturating_sum, terms)
    assert n == 2
    assert total == INT32_MAX - 2 ** 31
    assert _reference_count(reference.saturating_sum, terms[:1])[0] == 0


def test_clipped_cross_entropy_outputs_are_not_computed_or_counted():
    """An output of 0 gives no gradient (Keras' clip): the cores do not
    divide by it, so nothing saturates there."""
    y = np.array([0, VALUE_SCALE // 2, VALUE_SCALE])
    t = np.array([VALUE_SCALE, VALUE_SCALE, 0])
    for loss in ("binary_crossentropy", "categorical_crossentropy"):
        n, g = _reference_count(reference.loss_gradient, loss, y, t)
        assert n == 0
        assert g[0] == 0 and g[2] == 0 and g[1] != 0


def test_network_counts_by_layer_and_kind():
    from spinndl import Model
    from spinndl.layers import Dense, Input
    model = Model([Input(shape=(2,)), Dense(2, name="a"), Dense(1)],
                  seed=0)
    model.layers[1].set_weights([np.full((2, 2), 100.0, np.float32),
                                 np.zeros(2, np.float32)])
    model.layers[2].set_weights([np.full((2, 1), 1e-3, np.float32),
                                 np.zeros(1, np.float32)])
    network = reference.FixedNetwork(model.layers[1:])
    network.predict(np.array([[1000.0, 1000.0], [1.0, 1.0]], np.float32))
    assert network.saturations.tolist() == [[2, 0, 0], [0, 0, 0]]
    network.predict(np.zeros((1, 2), np.float32))   # each run anew
    assert network.saturations.sum() == 0


def test_region_decoding_and_the_warning_text():
    words = np.array([3, 0, 2], "<u4").tobytes()
    counts = decode(words)
    assert counts == Saturations(forward=3, backward=0, update=2)
    assert counts.total == 5
    with pytest.raises(ValueError, match="3 words"):
        decode(words[:8])
    core = CoreSaturations("dense_1", "dense_1", (1, 0), 4, 10, 19, counts)
    text = describe("dense_1", [core])
    assert "layer 'dense_1'" in text
    assert "chip (1, 0) core 4" in text and "atoms 10..19" in text
    assert "forward 3" in text and "update 2" in text
    assert "backward" not in text     # no count, no explanation
    assert "65,536" in text and "128" in text
    quiet = CoreSaturations("d", "d", (0, 0), 1, 0, 9, Saturations())
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturationWarning)
        warn_saturated([quiet])
    with pytest.warns(SaturationWarning, match="dense_1"):
        warn_saturated([core, quiet])
