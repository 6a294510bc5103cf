"""How many atoms fit on one core: the packing maths, pure and shared.

The splitters, ``Model.summary()`` and the property tests all use this one
module. Each layer kind's cost model (in its module, spinndl/graph/kinds/)
gives the DTCM and SDRAM bytes a core needs as a function of the number of
atoms it holds, from the constants below; this module slices a layer's atoms
into the fewest contiguous, near-equal slices that each fit, and plans the
whole network.

DTCM is the binding constraint: SpiNNaker's 64 KB data memory holds every
weight a core multiplies with (DMA from SDRAM per example would cost more
time than the arithmetic). SDRAM holds the data regions the host writes
(weights, tables) and, when training, the optimizer state.
"""

from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Sequence, Tuple

from .wire_format import BYTES_PER_WORD, PARAMS_REGION_BYTES

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

#: A key table row as a core keeps it in DTCM: the entry (key, mask, first
#: index, atoms). A packet's key says its example (docs/streaming.md): no
#: per-sender state.
DTCM_BYTES_PER_TABLE_ROW = 16
#: DTCM blocks the programs allocate (each with an 8-byte heap header):
#: dense: key table and parameters, and per example slot an input and an
#: output vector; dense_train: 8 (three tables, the backward targets,
#: parameters, gradients, the partial-error buffer, the live-atom list),
#: and per example slot x, y, g and labels.
ALLOCATIONS_INFERENCE = 2
ALLOCATIONS_PER_SLOT_INFERENCE = 2
ALLOCATIONS_TRAINING = 8
ALLOCATIONS_PER_SLOT_TRAINING = 4


def slot_allocations(training: bool, examples_in_flight: int) -> int:
    """Heap blocks a layer core allocates per example slot, for every
    kind (layer_main.c, layer_training.c): x and y, and in training g and
    the labels."""
    per_slot = ALLOCATIONS_PER_SLOT_TRAINING if training \
        else ALLOCATIONS_PER_SLOT_INFERENCE
    return per_slot * examples_in_flight
#: Training cores also keep tables sized by the neighbouring layers'
#: slicing (partial errors in, 16 B per next-layer core; targets out, 12 B
#: per previous-layer core; labels, 16 B per label source core). Those are
#: not known while this layer is sliced (they depend on it), so packing
#: reserves this much; ``plan_network`` checks the real size before mapping.
TRAINING_NEIGHBOUR_TABLES_BYTES = 2048
#: One backward target (key, first atom, atoms) as dense_train keeps it.
BACKWARD_TARGET_BYTES = 3 * BYTES_PER_WORD

#: Cores that are not layers: the input source (one core, whatever the
#: input width), the output gatherer (the toolchain puts one on every
#: board's Ethernet chip), and when training the label source.
INPUT_SOURCE_CORES = 1
OUTPUT_GATHERER_CORES_PER_BOARD = 1
LABEL_SOURCE_CORES = 1


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


def training_neighbour_tables_bytes(next_cores: int, previous_cores: int,
                                    label_cores: int) -> int:
    """DTCM a training core's neighbour tables take: a key table row with
    its stream state per core that sends it partial errors (every core of
    the next layer) or labels (the label source, output layer only), and a
    count word plus one backward target per core of the previous layer
    (none for the first layer: the input source takes no errors)."""
    return ((next_cores + label_cores) * DTCM_BYTES_PER_TABLE_ROW
            + BYTES_PER_WORD + previous_cores * BACKWARD_TARGET_BYTES)


# --- Slicing ----------------------------------------------------------------
class CapacityError(ValueError):
    """A model does not fit the machine; raised before anything is mapped,
    naming the layer, the numbers and what to change."""


class AtomDoesNotFitError(CapacityError):
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
         layer: str = "layer",
         max_atoms: Optional[int] = None) -> LayerPacking:
    """Slice a layer and report the per-core figures of its largest slice.
    ``max_atoms`` caps the atoms per core below what fits (the throughput
    objective spreads a layer over more cores than it needs)."""
    limit = max_atoms_per_core(n_atoms, cost_of, budget, layer)
    if max_atoms is not None:
        if max_atoms < 1:
            raise ValueError(f"layer {layer!r}: max_atoms must be >= 1, "
                             f"got {max_atoms}")
        limit = min(limit, max_atoms)
    slices = slice_atoms(n_atoms, limit)
    largest = max(hi - lo for lo, hi in slices)
    cost = cost_of(largest)
    return LayerPacking(slices=tuple(slices), atoms_per_core=largest,
                        dtcm_bytes_per_core=cost.dtcm_bytes,
                        sdram_bytes_per_core=cost.sdram_bytes)


# --- The whole network, before mapping ---------------------------------------
@dataclass(frozen=True)
class LayerSpec:
    """What packing needs to know of a layer. ``cost`` is its kind's cost
    model (the kind's module next to its vertex, spinndl/graph/kinds/),
    called as cost(n_atoms, n_inputs, n_sources, training,
    optimizer_slots, examples_in_flight) -> CoreCost."""
    name: str
    kind: str
    n_atoms: int
    n_inputs: int
    cost: Callable[[int, int, int, bool, int, int], CoreCost] = field(
        compare=False, repr=False, default=None)


@dataclass(frozen=True)
class LayerPlan:
    spec: LayerSpec
    packing: LayerPacking
    #: machine vertices that send to each core (key table rows)
    n_sources: int
    #: training only: DTCM of the tables sized by the neighbours
    neighbour_tables_bytes: int = 0


@dataclass(frozen=True)
class NetworkPlan:
    """Every layer's packing, as the splitters will make it, for
    ``examples_in_flight`` example slots per core (each with its buffers;
    docs/streaming.md, "How many in flight")."""
    layers: Tuple[LayerPlan, ...]
    training: bool
    examples_in_flight: int = 2

    @property
    def layer_cores(self) -> int:
        return sum(plan.packing.cores for plan in self.layers)

    @property
    def cores(self) -> int:
        """Application cores the graph takes on one board."""
        return self.cores_on(1)

    def cores_on(self, boards: int) -> int:
        """Application cores the graph takes on a machine of ``boards``
        boards: the layers' plus the input source, the output gatherers
        and (training) the label source."""
        return (self.layer_cores + INPUT_SOURCE_CORES
                + OUTPUT_GATHERER_CORES_PER_BOARD * boards
                + (LABEL_SOURCE_CORES if self.training else 0))

    def breakdown(self, boards: int = 1) -> str:
        parts = [f"{plan.spec.name} {plan.packing.cores}"
                 for plan in self.layers]
        parts.append(f"input source {INPUT_SOURCE_CORES}")
        if self.training:
            parts.append(f"label source {LABEL_SOURCE_CORES}")
        parts.append(f"output gatherer "
                     f"{OUTPUT_GATHERER_CORES_PER_BOARD * boards}")
        return ", ".join(parts)


class NeighbourTablesError(CapacityError):
    """A training core's neighbour tables exceed their DTCM reserve."""


class MachineTooSmallError(CapacityError):
    """The model needs more application cores than the machine has."""

    def __init__(self, plan: NetworkPlan, available: int, machine: str,
                 boards: int = 1, boards_needed: Optional[int] = None):
        self.needed, self.available = plan.cores_on(boards), available
        advice = ("make layers narrower, or emulate a bigger machine with "
                  "Model(..., machine=VirtualMachine(boards=N))")
        if boards_needed is not None:
            advice = (f"make layers narrower, or emulate a bigger machine "
                      f"with Model(..., machine=VirtualMachine("
                      f"boards={boards_needed}))")
        super().__init__(
            f"the model needs {self.needed} application cores "
            f"({'training' if plan.training else 'inference'} layout: "
            f"{plan.breakdown(boards)}) but {machine} has {available}; "
            f"{advice}")


def _pack_layer(spec: LayerSpec, n_sources: int, training: bool,
                optimizer_slots: int, budget: CoreBudget,
                max_atoms: Optional[int] = None,
                examples_in_flight: int = 2) -> LayerPacking:
    if spec.cost is None:
        raise ValueError(f"layer {spec.name!r}: no cost model for its kind "
                         f"{spec.kind!r}")
    return pack(spec.n_atoms,
                lambda k: spec.cost(k, spec.n_inputs, n_sources, training,
                                    optimizer_slots, examples_in_flight),
                budget, spec.name, max_atoms)


def plan_network(specs: Sequence[LayerSpec], training: bool = False,
                 optimizer_slots: int = 0,
                 budget: CoreBudget = SPINN5_BUDGET,
                 max_atoms: Optional[Sequence[Optional[int]]] = None,
                 examples_in_flight: int = 2) -> NetworkPlan:
    """Pack every layer as its splitter will (each core's key table has a
    row per core of the previous layer; the input source is one core) and
    check every per-core limit, including the training neighbour tables
    that no single layer's packing can see. Raises a CapacityError naming
    the layer, the bytes and what to change. ``max_atoms`` (one cap or None
    per layer) spreads layers over more cores than they need;
    ``examples_in_flight``: the slots every core buffers."""
    packings, sources = [], []
    n_sources = INPUT_SOURCE_CORES
    caps = list(max_atoms) if max_atoms is not None else [None] * len(specs)
    for spec, cap in zip(specs, caps):
        packing = _pack_layer(spec, n_sources, training,
                              optimizer_slots if training else 0, budget,
                              cap, examples_in_flight)
        packings.append(packing)
        sources.append(n_sources)
        n_sources = packing.cores
    plans = []
    for index, (spec, packing) in enumerate(zip(specs, packings)):
        tables = 0
        if training:
            tables = _neighbour_tables(specs, packings, index)
            if tables > TRAINING_NEIGHBOUR_TABLES_BYTES:
                raise NeighbourTablesError(_neighbour_tables_message(
                    specs, packings, index, tables, optimizer_slots, budget,
                    examples_in_flight))
        plans.append(LayerPlan(spec, packing, sources[index], tables))
    return NetworkPlan(tuple(plans), training, examples_in_flight)


def _neighbour_tables(specs, packings, index: int) -> int:
    is_output = index == len(specs) - 1
    return training_neighbour_tables_bytes(
        next_cores=0 if is_output else packings[index + 1].cores,
        previous_cores=packings[index - 1].cores if index > 0 else 0,
        label_cores=LABEL_SOURCE_CORES if is_output else 0)


def _neighbour_tables_message(specs, packings, index, tables,
                              optimizer_slots, budget,
                              examples_in_flight) -> str:
    spec = specs[index]
    parts, advice = [], []
    if index + 1 < len(specs):
        following = specs[index + 1]
        parts.append(f"{packings[index + 1].cores} cores of the next layer "
                     f"{following.name!r} send it partial errors "
                     f"({DTCM_BYTES_PER_TABLE_ROW} B each)")
        widest = _widest_fitting(specs, packings, index, index + 1,
                                 optimizer_slots, budget, examples_in_flight)
        if widest:
            advice.append(f"make {following.name!r} at most {widest} "
                          f"units (it has {following.n_atoms})")
    if index > 0:
        before = specs[index - 1]
        parts.append(f"it sends partial errors to {packings[index - 1].cores}"
                     f" cores of {before.name!r} ({BACKWARD_TARGET_BYTES} B "
                     f"each)")
        widest = _widest_fitting(specs, packings, index, index - 1,
                                 optimizer_slots, budget, examples_in_flight)
        if widest:
            advice.append(f"make {before.name!r} at most {widest} units (it "
                          f"has {before.n_atoms})")
    advice.append(f"make {spec.name!r} narrower")
    return (f"layer {spec.name!r} ({spec.n_atoms} units, training layout): "
            f"{' and '.join(parts)}; those tables need {tables} B of DTCM "
            f"per core, over the {TRAINING_NEIGHBOUR_TABLES_BYTES} B "
            f"reserved for them; {' or '.join(advice)}")


def _widest_fitting(specs, packings, index, neighbour, optimizer_slots,
                    budget, examples_in_flight) -> int:
    """The most units the neighbour layer may have for layer ``index``'s
    tables to fit, the other layers as they are (0 if none). A neighbour's
    width changes its own cores and the next layer's input width."""
    def fits(units: int) -> bool:
        changed = list(specs)
        changed[neighbour] = replace(specs[neighbour], n_atoms=units)
        if neighbour + 1 < len(specs):
            changed[neighbour + 1] = replace(specs[neighbour + 1],
                                             n_inputs=units)
        try:
            redone, n_sources = [], INPUT_SOURCE_CORES
            for spec in changed:
                redone.append(_pack_layer(spec, n_sources, True,
                                          optimizer_slots, budget, None,
                                          examples_in_flight))
                n_sources = redone[-1].cores
        except CapacityError:
            return False
        return _neighbour_tables(changed, redone, index) <= \
            TRAINING_NEIGHBOUR_TABLES_BYTES

    low, high = 0, specs[neighbour].n_atoms - 1
    while low < high:          # cores grow with units: binary search
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def check_fits_machine(plan: NetworkPlan, available_cores: int,
                       machine: str, boards: int = 1,
                       boards_needed: Optional[int] = None) -> None:
    """Raise MachineTooSmallError when the plan needs more application
    cores than ``machine`` (of ``boards`` boards) offers."""
    if plan.cores_on(boards) > available_cores:
        raise MachineTooSmallError(plan, available_cores, machine, boards,
                                   boards_needed)
