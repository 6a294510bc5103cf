"""How many atoms fit on one core: the packing maths, pure and shared.

The splitters, ``Model.summary()`` and the property tests all use this one
module. For each layer kind it gives the DTCM and SDRAM bytes a core needs as
a function of the number of atoms it holds, and it slices a layer's atoms
into the fewest contiguous, near-equal slices that each fit.

DTCM is the binding constraint: SpiNNaker's 64 KB data memory holds every
weight a core multiplies with (DMA from SDRAM per example would cost more
time than the arithmetic). SDRAM holds the data regions the host writes
(weights, tables) and, when training, the optimizer state.
"""

from dataclasses import dataclass
from typing import List, Tuple

from .wire_format import (
    BYTES_PER_WORD, PARAMS_REGION_BYTES, key_table_bytes, weights_bytes)

# --- What the runtime takes from a core's 64 KB of DTCM ---------------------
# Measured on the ARM build of a minimal program at the 7.4.1 tags
# (docs/packing.md gives the sources: spinnaker_tools' sark.lnk, sark.h,
# sark_base.c, sark_alloc.c).
#: The four ARM mode stacks at the top of DTCM (sark.lnk: 0x40F800-0x410000).
RUNTIME_STACK_BYTES = 2048
#: data+bss of SARK, spin1_api and FEC's simulation/data-spec code
#: (1,993 B measured; rounded up).
RUNTIME_STATIC_BYTES = 2048
#: SARK's four SDP message buffers, allocated from the DTCM heap at start.
SARK_SDP_BUFFER_BYTES = 1176
#: The DTCM heap's own bookkeeping (sark_alloc's heap header and end block).
HEAP_HEADER_BYTES = 32
#: Each block sark_alloc/spin1_malloc hands out carries an 8-byte header.
BYTES_PER_ALLOCATION = 8
#: Our programs' own globals and one newlib errno block if libm is linked.
PROGRAM_STATIC_BYTES = 2048

#: Examples a layer core buffers at once: one being computed while the next
#: arrives (see docs/streaming.md).
EXAMPLES_IN_FLIGHT = 2

#: A key table row as a core keeps it in DTCM: the entry (key, mask, first
#: index, atoms) and the sender's stream state (packets so far, parity).
DTCM_BYTES_PER_TABLE_ROW = 16 + 8
#: DTCM blocks the programs allocate (each with an 8-byte heap header):
#: dense: key table, stream states, parameters, 2 input and 2 output
#: vectors; dense_train: 18 (three tables with their states, the
#: backward targets, parameters, gradients, and per example in flight x, y,
#: g and labels, the partial-error buffer).
ALLOCATIONS_INFERENCE = 7
ALLOCATIONS_TRAINING = 18
#: Training cores also keep tables sized by the neighbouring layers'
#: slicing (partial errors in, 24 B per next-layer core; targets out, 12 B
#: per previous-layer core; labels, 24 B per label source core). Those are
#: not known while this layer is sliced (they depend on it), so packing
#: reserves this much and the machine vertex checks the real size.
TRAINING_NEIGHBOUR_TABLES_BYTES = 2048


@dataclass(frozen=True)
class CoreBudget:
    """The bytes one core offers to a layer's data."""
    dtcm_bytes: int
    sdram_bytes: int

    @classmethod
    def for_machine(cls, dtcm_bytes: int, max_sdram_per_chip: int,
                    max_cores_per_chip: int,
                    monitor_cores_per_chip: int = 1) -> "CoreBudget":
        """The budget on a machine version (``spinn_machine`` versions give
        ``dtcm_bytes``, ``max_sdram_per_chip`` and ``max_cores_per_chip``).

        SDRAM is shared by a chip's cores; a layer core may take an equal
        share so that any packing can fill every application core."""
        dtcm = (dtcm_bytes - RUNTIME_STACK_BYTES - RUNTIME_STATIC_BYTES
                - SARK_SDP_BUFFER_BYTES - HEAP_HEADER_BYTES
                - PROGRAM_STATIC_BYTES)
        app_cores = max_cores_per_chip - monitor_cores_per_chip
        return cls(dtcm_bytes=dtcm, sdram_bytes=max_sdram_per_chip // app_cores)


#: A SpiNN-5 chip as spinn_machine's Version5 describes it: 64 KiB DTCM,
#: 123,469,792 B SDRAM for applications, 18 cores of which one is the
#: monitor.
SPINN5_BUDGET = CoreBudget.for_machine(
    dtcm_bytes=65536, max_sdram_per_chip=123_469_792, max_cores_per_chip=18)


@dataclass(frozen=True)
class CoreCost:
    """The bytes a core needs for the atoms it holds."""
    dtcm_bytes: int
    sdram_bytes: int

    def fits(self, budget: CoreBudget) -> bool:
        return (self.dtcm_bytes <= budget.dtcm_bytes
                and self.sdram_bytes <= budget.sdram_bytes)


#: The FEC simulation header: application hash, timestep, SDP port.
SYSTEM_REGION_BYTES = 3 * BYTES_PER_WORD


def dense_cost(n_atoms: int, n_inputs: int, n_sources: int,
               training: bool = False, optimizer_slots: int = 0) -> CoreCost:
    """Bytes for ``n_atoms`` perceptrons of a Dense layer on one core.

    :param n_inputs: the layer's input width (every perceptron sees all).
    :param n_sources: machine vertices sending to this core (key table rows).
    :param training: add what backpropagation keeps (below).
    :param optimizer_slots: optimizer state per parameter (0 for plain SGD,
        1 for SGD with momentum, 2 for Adam); it stays in SDRAM and is only
        touched at a batch end.

    DTCM, inference: the weights (n_atoms × n_inputs) and biases; the input
    vectors of the examples in flight; the outputs; the key table rows with
    their stream states; a heap header per allocation.
    Training adds: gradient accumulators as big as the weights and biases;
    per example in flight the error and the label of each atom; one buffer
    of partial errors for the layer's inputs; the neighbour tables'
    allowance.
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
                  + EXAMPLES_IN_FLIGHT * n_inputs
                  + EXAMPLES_IN_FLIGHT * n_atoms)
    dtcm_extra = n_sources * DTCM_BYTES_PER_TABLE_ROW + PARAMS_REGION_BYTES
    if training:
        allocations = ALLOCATIONS_TRAINING
        dtcm_words += (parameters + 2 * EXAMPLES_IN_FLIGHT * n_atoms
                       + n_inputs)
        dtcm_extra += TRAINING_NEIGHBOUR_TABLES_BYTES
    dtcm = (dtcm_words * BYTES_PER_WORD + dtcm_extra
            + allocations * BYTES_PER_ALLOCATION)
    optimizer_state = (optimizer_slots if training else 0) * parameters
    sdram = (SYSTEM_REGION_BYTES + PARAMS_REGION_BYTES + table
             + weights_bytes(n_atoms, n_inputs)
             + optimizer_state * BYTES_PER_WORD)
    return CoreCost(dtcm_bytes=dtcm, sdram_bytes=sdram)


# --- Slicing ----------------------------------------------------------------
class AtomDoesNotFitError(ValueError):
    """Not even one atom of a layer fits on a core."""

    def __init__(self, layer: str, cost: CoreCost, budget: CoreBudget):
        self.layer, self.cost, self.budget = layer, cost, budget
        over = []
        if cost.dtcm_bytes > budget.dtcm_bytes:
            over.append(f"DTCM {cost.dtcm_bytes} B > {budget.dtcm_bytes} B")
        if cost.sdram_bytes > budget.sdram_bytes:
            over.append(
                f"SDRAM {cost.sdram_bytes} B > {budget.sdram_bytes} B")
        super().__init__(
            f"layer {layer!r}: one atom needs {', '.join(over)} available "
            f"per core; a single atom cannot yet be split across cores "
            f"(reduce the layer's input width)")


def max_atoms_per_core(n_atoms: int, cost_of, budget: CoreBudget,
                       layer: str = "layer") -> int:
    """The most atoms (≤ n_atoms) whose ``cost_of(k)`` fits the budget.

    ``cost_of`` must grow with k (every cost model here does), so a binary
    search finds the largest k."""
    if n_atoms < 1:
        raise ValueError(f"layer {layer!r}: needs at least one atom, "
                         f"got {n_atoms}")
    if not cost_of(1).fits(budget):
        raise AtomDoesNotFitError(layer, cost_of(1), budget)
    low, high = 1, n_atoms
    while low < high:
        mid = (low + high + 1) // 2
        if cost_of(mid).fits(budget):
            low = mid
        else:
            high = mid - 1
    return low


def slice_atoms(n_atoms: int, atoms_per_core: int) -> List[Tuple[int, int]]:
    """The fewest contiguous slices of at most ``atoms_per_core`` atoms,
    as equal as possible (sizes differ by at most one), as (lo, hi) with hi
    exclusive. Equal slices balance the work and keep the zoned key
    allocator's per-slice key space small."""
    if n_atoms < 1 or atoms_per_core < 1:
        raise ValueError("slice_atoms needs n_atoms >= 1 and "
                         "atoms_per_core >= 1")
    n_slices = -(-n_atoms // atoms_per_core)
    base, extra = divmod(n_atoms, n_slices)
    slices, lo = [], 0
    for index in range(n_slices):
        hi = lo + base + (1 if index < extra else 0)
        slices.append((lo, hi))
        lo = hi
    return slices


@dataclass(frozen=True)
class LayerPacking:
    """How one layer's atoms are spread over cores."""
    slices: Tuple[Tuple[int, int], ...]
    atoms_per_core: int
    dtcm_bytes_per_core: int
    sdram_bytes_per_core: int

    @property
    def cores(self) -> int:
        return len(self.slices)


def pack(n_atoms: int, cost_of, budget: CoreBudget,
         layer: str = "layer") -> LayerPacking:
    """Slice a layer and report the per-core figures of its largest slice."""
    limit = max_atoms_per_core(n_atoms, cost_of, budget, layer)
    slices = slice_atoms(n_atoms, limit)
    largest = max(hi - lo for lo, hi in slices)
    cost = cost_of(largest)
    return LayerPacking(slices=tuple(slices), atoms_per_core=largest,
                        dtcm_bytes_per_core=cost.dtcm_bytes,
                        sdram_bytes_per_core=cost.sdram_bytes)
