"""The Dense backward step streamed one input at a time (src/dense/
dense_maths.c, as compiled into the dense_train and dense_train_fixed host
programs, called through ctypes) gives the bits of the step done all at
once: each e_i those of dense_partial_errors, and the gradient sums those
of dense_accumulate_gradients, whether an input's gradient terms go with
its partial error (dense_streamed_input) or all before the first send
(dense_training_impl.c chooses by the cost table). Zero deltas (ReLU
atoms that were off) and zero inputs are in the mix: the kernels skip
their terms."""

import ctypes

import numpy as np
import pytest

from spinndl.emulator.engine import program_path

LIVE_ATOM_BYTES = 8      # dense_live_atom_t: row, delta


def _function(program, name, restype, *argtypes):
    function = getattr(program, name)
    function.restype, function.argtypes = restype, list(argtypes)
    return function


def _pointer(array):
    return array.ctypes.data_as(ctypes.c_void_p)


@pytest.mark.parametrize("binary, dtype", [
    ("dense_train.aplx", np.float32), ("dense_train_fixed.aplx", np.int32)])
@pytest.mark.parametrize("n_atoms, n_inputs, zeros", [
    (1, 7, 0.0), (10, 513, 0.5), (12, 24, 0.0), (9, 40, 0.9)])
def test_streamed_backward_has_the_bits_of_the_buffered_one(
        binary, dtype, n_atoms, n_inputs, zeros):
    program = ctypes.CDLL(program_path(binary))
    value = ctypes.c_float if dtype == np.float32 else ctypes.c_int32
    ptr, u32 = ctypes.c_void_p, ctypes.c_uint32
    live_atoms = _function(program, "dense_live_atoms", u32,
                           ptr, u32, u32, ptr)
    partial_errors = _function(program, "dense_partial_errors", None,
                               ptr, ptr, ptr, u32, u32, ptr)
    accumulate = _function(program, "dense_accumulate_gradients", None,
                           ptr, ptr, ptr, u32, u32)
    biases = _function(program, "dense_accumulate_bias_gradients", None,
                       ptr, ptr, u32, u32)
    streamed = _function(program, "dense_streamed_input", value,
                         ptr, ptr, ptr, u32, u32, value)
    rng = np.random.default_rng(n_atoms * 1000 + n_inputs)

    def values(shape, scale):
        if dtype == np.float32:
            return rng.normal(0, scale, shape).astype(np.float32)
        # s16.15 values and s7.24 weights well inside their ranges
        return rng.integers(-(1 << 14), 1 << 14, shape).astype(np.int32)
    weights = values(n_atoms * n_inputs + n_atoms, 0.5)
    delta = values(n_atoms, 1.0)
    x = values(n_inputs, 1.0)
    delta[rng.permutation(n_atoms)[:round(zeros * n_atoms)]] = 0
    x[rng.permutation(n_inputs)[:round(zeros * n_inputs)]] = 0
    sums = values(n_atoms * n_inputs + n_atoms, 1.0)

    # all at once: the buffered partial errors, the gradients row by row
    want_e = np.zeros(n_inputs, dtype)
    want_sums = sums.copy()
    live = np.zeros(n_atoms * LIVE_ATOM_BYTES, np.uint8)
    partial_errors(_pointer(weights), _pointer(delta), _pointer(want_e),
                   n_atoms, n_inputs, _pointer(live))
    accumulate(_pointer(want_sums), _pointer(delta), _pointer(x), n_atoms,
               n_inputs)

    # streamed: the list and the biases, then input by input
    got_sums = sums.copy()
    n_live = live_atoms(_pointer(delta), n_atoms, n_inputs, _pointer(live))
    assert n_live == np.count_nonzero(delta)
    biases(_pointer(got_sums), _pointer(delta), n_atoms, n_inputs)
    got_e = np.array([streamed(_pointer(weights), _pointer(got_sums),
                               _pointer(live), n_live, i, x[i].item())
                      for i in range(n_inputs)], dtype)
    np.testing.assert_array_equal(got_e.view(np.uint32),
                                  want_e.view(np.uint32))
    np.testing.assert_array_equal(got_sums.view(np.uint32),
                                  want_sums.view(np.uint32))
    # and the step changed the sums where a term was not zero
    assert (not np.any(delta)) or np.any(got_sums != sums)
