"""Forward values two to a packet (src/common/value_pairs.c, as compiled
into the dense_fixed host program, called through ctypes): a pair of value
words is packed unsigned when both are 0 .. 2^16 - 1, signed when both
are -2^15 .. 2^15 - 1 (and not both non-negative), else not at all, and
the halves extended as the receiver extends them (input_streams_file)
give back the two words."""

import ctypes

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from spinndl.emulator.engine import program_path

NONE, SIGNED, UNSIGNED = 0, 1, 2


@pytest.fixture(scope="module")
def pack():
    program = ctypes.CDLL(program_path("dense_fixed.aplx"))
    function = program.value_pair_pack
    function.restype = ctypes.c_uint32
    function.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p]
    return function


def _unpack(packed: int, kind: int):
    halves = [packed & 0xFFFF, packed >> 16]
    if kind == SIGNED:
        halves = [h - 0x10000 if h & 0x8000 else h for h in halves]
    return [h & 0xFFFFFFFF for h in halves]


def _expected(first: int, second: int) -> int:
    signed = [w - 2**32 if w >= 2**31 else w for w in (first, second)]
    if all(0 <= w <= 0xFFFF for w in signed):
        return UNSIGNED
    if all(-0x8000 <= w <= 0x7FFF for w in signed):
        return SIGNED
    return NONE


words = st.one_of(st.integers(0, 2**32 - 1),
                  st.integers(-0x9000, 0x11000).map(lambda v: v % 2**32))


@settings(deadline=None, max_examples=300)
@given(first=words, second=words)
def test_a_pair_packs_as_its_range_allows_and_gives_back_its_words(
        pack, first, second):
    packed = np.zeros(1, np.uint32)
    kind = pack(first, second, packed.ctypes.data_as(ctypes.c_void_p))
    assert kind == _expected(first, second)
    if kind != NONE:
        assert _unpack(int(packed[0]), kind) == [first, second]


@pytest.mark.parametrize("first, second, kind", [
    (0, 0, UNSIGNED), (0xFFFF, 0x8000, UNSIGNED), (0x10000, 0, NONE),
    (0xFFFFFFFF, 5, SIGNED), (0xFFFF8000, 0x7FFF, SIGNED),
    (0xFFFF7FFF, 0, NONE), (0xFFFFFFFF, 0x8000, NONE)])
def test_pair_range_edges(pack, first, second, kind):
    packed = np.zeros(1, np.uint32)
    assert pack(first, second, packed.ctypes.data_as(ctypes.c_void_p)) \
        == kind
