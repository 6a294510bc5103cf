"""The gradient exchange's new weights as changes, two to a packet
(src/layer/weight_deltas.c, as compiled into the dense_train_fixed host
program, called through ctypes): a pair packs only when both changes fit
16 bits (signed), and the old words plus the packed changes give back the
new words exactly, wrapping as the cores' unsigned arithmetic does."""

import ctypes

import numpy as np
import pytest

from spinndl.emulator.engine import program_path


@pytest.fixture(scope="module")
def kernels():
    program = ctypes.CDLL(program_path("dense_train_fixed.aplx"))
    ptr, u32 = ctypes.c_void_p, ctypes.c_uint32
    pack = program.weight_pair_pack
    pack.restype, pack.argtypes = ctypes.c_bool, [ptr, ptr, ptr]
    apply = program.weight_pair_apply
    apply.restype, apply.argtypes = None, [ptr, u32]
    return pack, apply


def _pointer(array):
    return array.ctypes.data_as(ctypes.c_void_p)


# changes at and beyond the 16-bit limits, and old words near the int32
# edges, where the new word wraps round
@pytest.mark.parametrize("low, high", [
    (0, 0), (1, -1), (32767, -32768), (-32768, 32767), (32768, 0),
    (0, -32769), (1 << 20, 5), (-(1 << 31), 0)])
def test_a_pair_packs_when_both_changes_fit_and_gives_back_the_bits(
        kernels, low, high):
    pack, apply = kernels
    rng = np.random.default_rng(abs(low) + 3 * abs(high))
    for old in (rng.integers(-(1 << 31), 1 << 31, 2, dtype=np.int64),
                np.array([2**31 - 1, -2**31])):
        old_words = (old % 2**32).astype(np.uint32)
        new_words = ((old + np.array([low, high])) % 2**32).astype(
            np.uint32)
        packed = np.zeros(1, np.uint32)
        fits = all(-32768 <= change <= 32767 for change in (low, high))
        assert pack(_pointer(new_words), _pointer(old_words),
                    _pointer(packed)) == fits
        if fits:
            words = old_words.copy()
            apply(_pointer(words), int(packed[0]))
            np.testing.assert_array_equal(words, new_words)
