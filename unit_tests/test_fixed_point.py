"""The fixed-point arithmetic of the SPINNDL_FIXED build (common/
fixed_maths.c, as compiled into the dense_train_fixed host program) against
spinndl.fixed_reference, its numpy model: bit for bit over sweeps of
inputs; the format constants of both sides agree; and the activations'
accuracy against float64 is what docs/numerics.md states."""

import ctypes
import re
from pathlib import Path

import numpy as np
import pytest

from spinndl import fixed_reference as reference
from spinndl import numerics
from spinndl.emulator.engine import program_path

HEADER = (Path(__file__).resolve().parents[1] / "neural_modelling" / "src"
          / "common" / "fixed_maths.h")


@pytest.fixture(scope="module")
def program():
    return ctypes.CDLL(program_path("dense_train_fixed.aplx"))


def _function(program, name, restype, *argtypes):
    function = getattr(program, name)
    function.restype, function.argtypes = restype, list(argtypes)
    return function


def test_format_constants_match_the_header():
    text = HEADER.read_text()
    bits = dict(re.findall(r"#define (\w+_FRACTION_BITS) (\d+)", text))
    assert int(bits["VALUE_FRACTION_BITS"]) == numerics.VALUE_FRACTION_BITS
    assert int(bits["WEIGHT_FRACTION_BITS"]) == \
        numerics.WEIGHT_FRACTION_BITS


SWEEP = np.concatenate([np.arange(-(14 << 15), 14 << 15, 53),
                        [-2 ** 31, 2 ** 31 - 1, 0, 1, -1]])


@pytest.mark.parametrize("name", ["exp_fixed", "sigmoid_fixed",
                                  "tanh_fixed"])
def test_activations_bit_exact(program, name):
    function = _function(program, name, ctypes.c_int32, ctypes.c_int32)
    got = np.array([function(int(x)) for x in SWEEP])
    np.testing.assert_array_equal(got, getattr(reference, name)(SWEEP))


def test_divide_and_sqrt_bit_exact(program):
    divide = _function(program, "fixed_divide", ctypes.c_int32,
                       ctypes.c_int32, ctypes.c_int32, ctypes.c_uint32)
    rng = np.random.default_rng(0)
    a = rng.integers(-2 ** 31, 2 ** 31, 4000)
    b = rng.integers(-2 ** 20, 2 ** 20, 4000)
    b[:3] = 0                     # saturates with a's sign
    for bits in (15, 24):
        got = [divide(int(x), int(y), bits) for x, y in zip(a, b)]
        np.testing.assert_array_equal(got, reference.divide(a, b, bits))
    sqrt = _function(program, "fixed_sqrt64", ctypes.c_uint32,
                     ctypes.c_uint64)
    x = np.concatenate([rng.integers(0, 2 ** 62, 4000), [0, 1, 2, 3]])
    np.testing.assert_array_equal([sqrt(int(v)) for v in x],
                                  reference.sqrt64(x))


def test_wide_multiply_is_exact(program):
    wide = _function(program, "fixed_mul_wide", ctypes.c_int64,
                     ctypes.c_int64, ctypes.c_int32, ctypes.c_uint32)
    rng = np.random.default_rng(1)
    for x, c in zip(rng.integers(-2 ** 61, 2 ** 61, 2000),
                    rng.integers(0, 2 ** 24, 2000)):
        exact = (int(x) * int(c) + (1 << 23)) >> 24   # Python ints
        assert wide(int(x), int(c), 24) == exact
        assert int(reference.mul_wide(x, c, 24)) == exact


def test_activation_accuracy_as_documented():
    """docs/numerics.md: e^x within 1 LSB (2^-15) where e^x <= 1 (softmax's
    range), relative 2e-7 above; sigmoid within 1 LSB; tanh within 1.5
    LSB, for every s16.15 input of the sweep."""
    x = np.arange(-(12 << 15), 11 << 15, 7)
    real = x / 32768.0
    exp = reference.exp_fixed(x) / 32768.0
    small = np.exp(real) <= 1
    assert np.max(np.abs(exp - np.exp(real))[small]) * 32768 <= 1.0
    assert np.max((np.abs(exp - np.exp(real)) / np.exp(real))[~small]) \
        <= 2e-7 + 1 / 32768 / np.exp(real[~small]).min()
    sigmoid = reference.sigmoid_fixed(x) / 32768.0
    assert np.max(np.abs(sigmoid - 1 / (1 + np.exp(-real)))) * 32768 <= 1.0
    tanh = reference.tanh_fixed(x) / 32768.0
    assert np.max(np.abs(tanh - np.tanh(real))) * 32768 <= 1.5
