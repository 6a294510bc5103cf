"""The Dense layer kind on the machine: its vertex, cost model and codec
(docs/architecture.md, "Adding a layer kind").

One atom per unit (a perceptron); a core holds a contiguous slice of units
with all their weights; every core sees every input (all-to-all). The
programs are the shared layer program with neural_modelling/src/dense's
kind (dense, dense_train).
"""

from typing import List, Sequence, Tuple

import numpy as np

from pacman.model.graphs.common import Slice

from ...layers import Layer
from ...packing import (
    ALLOCATIONS_INFERENCE, ALLOCATIONS_TRAINING, BYTES_PER_ALLOCATION,
    DTCM_BYTES_PER_TABLE_ROW, SYSTEM_REGION_BYTES,
    TRAINING_NEIGHBOUR_TABLES_BYTES, CoreCost, slot_allocations)
from ...wire_format import (
    BYTES_PER_WORD, PARAMS_REGION_BYTES, key_table_bytes)
from ..connectivity import ALL_TO_ALL, Connectivity
from ..layer_vertex import LayerVertex

#: dense_live_atom_t (src/dense/dense_maths.h): a row offset and a delta.
LIVE_ATOM_WORDS = 2


# --- cost model -------------------------------------------------------------------
def dense_cost(n_atoms: int, n_inputs: int, n_sources: int,
               training: bool = False, optimizer_slots: int = 0,
               examples_in_flight: int = 2) -> CoreCost:
    """Bytes for ``n_atoms`` perceptrons of a Dense layer on one core.

    :param n_inputs: the layer's input width (every perceptron sees all).
    :param n_sources: machine vertices sending to this core (key table rows).
    :param training: add what backpropagation keeps (below).
    :param optimizer_slots: optimizer state per parameter (0 for plain SGD,
        1 for SGD with momentum, 2 for Adam); it stays in SDRAM and is only
        touched at a batch end.
    :param examples_in_flight: the network's example slots (each has its
        buffers).

    DTCM, inference: the weights (n_atoms × n_inputs) and biases; the input
    vectors of the examples in flight; the outputs; the key table rows with
    their stream states; a heap header per allocation.
    Training adds: gradient accumulators as big as the weights and biases;
    per example in flight the error and the label of each atom; one buffer
    of partial errors for the layer's inputs; the live-atom list of the
    partial errors (row, delta per atom); the neighbour tables' allowance.
    SDRAM: the system, params, key table and weight regions the host writes
    (weights are written back there when training ends), plus optimizer state.
    """
    if n_atoms < 0 or n_inputs < 1 or n_sources < 1:
        raise ValueError("dense_cost needs n_atoms >= 0, n_inputs >= 1, "
                         "n_sources >= 1")
    parameters = n_atoms * n_inputs + n_atoms
    table = key_table_bytes(n_sources)
    allocations = ALLOCATIONS_INFERENCE
    dtcm_words = (parameters
                  + examples_in_flight * n_inputs
                  + examples_in_flight * n_atoms)
    dtcm_extra = n_sources * DTCM_BYTES_PER_TABLE_ROW + PARAMS_REGION_BYTES
    if training:
        allocations = ALLOCATIONS_TRAINING
        dtcm_words += (parameters + 2 * examples_in_flight * n_atoms
                       + n_inputs + LIVE_ATOM_WORDS * n_atoms)
        dtcm_extra += TRAINING_NEIGHBOUR_TABLES_BYTES
    allocations += slot_allocations(training, examples_in_flight)
    dtcm = (dtcm_words * BYTES_PER_WORD + dtcm_extra
            + allocations * BYTES_PER_ALLOCATION)
    optimizer_state = (optimizer_slots if training else 0) * parameters
    sdram = (SYSTEM_REGION_BYTES + PARAMS_REGION_BYTES + table
             + weights_bytes(n_atoms, n_inputs)
             + optimizer_state * BYTES_PER_WORD)
    return CoreCost(dtcm_bytes=dtcm, sdram_bytes=sdram)


# --- codec: the WEIGHTS region ------------------------------------------------
def weights_bytes(n_atoms: int, n_inputs: int) -> int:
    return BYTES_PER_WORD * (n_atoms * n_inputs + n_atoms)


def encode_weights(kernel_columns: np.ndarray, bias: np.ndarray
                   ) -> np.ndarray:
    """A slice's weights: row a holds the n_inputs weights of atom a (the
    Keras kernel's column lo_atom + a), then the slice's biases."""
    rows = np.ascontiguousarray(kernel_columns.T, dtype="<f4")
    return np.concatenate([rows.ravel(), bias.astype("<f4")]).view("<u4")


def decode_weights(data: bytes, n_atoms: int, n_inputs: int):
    """The (kernel columns (n_inputs, n_atoms), bias (n_atoms,)) of a slice."""
    values = np.frombuffer(data, dtype="<f4",
                           count=n_atoms * n_inputs + n_atoms)
    rows = values[:n_atoms * n_inputs].reshape(n_atoms, n_inputs)
    return rows.T.copy(), values[n_atoms * n_inputs:].copy()


# --- the vertex ---------------------------------------------------------------------
class DenseVertex(LayerVertex):
    """A Dense layer: one atom per unit."""

    INFERENCE_BINARY = "dense.aplx"
    TRAINING_BINARY = "dense_train.aplx"
    FIXED_POINT = True      # dense_fixed, dense_train_fixed

    @classmethod
    def cost_model(cls, layer: Layer):
        return dense_cost

    @property
    def connectivity(self) -> Connectivity:
        return ALL_TO_ALL

    def parameter_words(self, arrays: Sequence[np.ndarray],
                        vertex_slice: Slice) -> np.ndarray:
        kernel, bias = arrays
        lo, hi = vertex_slice.lo_atom, vertex_slice.hi_atom + 1
        return encode_weights(kernel[:, lo:hi], bias[lo:hi])

    def parameter_count(self, vertex_slice: Slice) -> int:
        return weights_bytes(vertex_slice.n_atoms,
                             self.layer.n_inputs) // BYTES_PER_WORD

    def arrays_from_cores(self, cores: Sequence[Tuple[Slice, bytes]],
                          arrays: Sequence[np.ndarray]) -> List[np.ndarray]:
        kernel, bias = (array.copy() for array in arrays)
        for vertex_slice, data in cores:
            lo, hi = vertex_slice.lo_atom, vertex_slice.hi_atom + 1
            kernel[:, lo:hi], bias[lo:hi] = decode_weights(
                data, hi - lo, self.layer.n_inputs)
        return [kernel, bias]
