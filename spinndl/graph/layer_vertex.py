"""The application vertex of a layer: what every layer kind shares, and the
interface a kind implements (docs/architecture.md, "Adding a layer kind")."""

from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from pacman.model.graphs.application import (
    ApplicationEdge, ApplicationEdgePartition, ApplicationVertex)
from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.routing_info import RoutingInfo
from spinn_front_end_common.abstract_models import HasCustomAtomKeyMap

import numpy as np

from ..layers import Layer
from ..numerics import FLOAT
from ..packing import CoreBudget, CoreCost
from ..wire_format import (
    ACK_PARTITION, BYTES_PER_WORD, FORWARD_PARTITION,
    LABELS_PARTITION, Region, shard_bounds, training_forward_share)
from .connectivity import ALL_TO_ALL, Connectivity, Link
from .data_source import DataSourceVertex
from .layer_splitter import LayerSplitter

#: A kind's cost model: (n_atoms, n_inputs, n_sources, training,
#: optimizer_slots) -> the bytes one core needs (spinndl.packing).
CostModel = Callable[[int, int, int, bool, int], CoreCost]


class LayerVertex(ApplicationVertex, HasCustomAtomKeyMap):
    """One layer on the machine. Its atoms are the layer's; its splitter
    (the only place that decides machine vertices) packs them onto cores.

    A layer kind subclasses it (spinndl/graph/kinds/<kind>.py) and says:
    its programs (``INFERENCE_BINARY``, ``TRAINING_BINARY``), its
    connectivity, its cost model, and its codec (how a slice's share of
    the Keras weights becomes the WEIGHTS region and back). The machine
    vertex (``LayerMachineVertex``) writes every region from these.
    """

    #: The programs a core of this kind runs (neural_modelling/src/...).
    INFERENCE_BINARY: str = ""
    TRAINING_BINARY: str = ""
    #: At most this many atoms per core (the mapping objective "throughput"
    #: spreads a layer, spinndl/throughput.py); None: as many as fit.
    max_atoms_per_core: Optional[int] = None
    #: Training with replicas: this vertex's replica, and the same layer's
    #: vertex in every replica (index = replica), set by the graph; the
    #: cores exchange gradient sums with their peers' (docs/training.md).
    replica_index: int = 0
    replica_peers: Sequence["LayerVertex"] = ()
    #: whether the kind's programs are also built in fixed point
    #: (<binary>_fixed, docs/numerics.md)
    FIXED_POINT: bool = False

    def __init__(self, layer: Layer, budget: CoreBudget,
                 training_config=None):
        super().__init__(label=layer.name, splitter=LayerSplitter())
        self.layer = layer
        self.budget = budget
        #: spinndl.training.config.TrainingConfig, or None for inference
        self.training_config = training_config
        #: the number format of its cores (spinndl.numerics), set by the
        #: graph
        self.numerics = FLOAT
        #: example slots per core, the network's (keys per value), set by
        #: the graph
        self.examples_in_flight = 2
        #: the neighbouring layer vertices (None at the ends), set by the
        #: graph: training sends errors back to the previous layer
        self.previous: Optional["LayerVertex"] = None
        self.next: Optional["LayerVertex"] = None
        self._forward_sources: List[ApplicationVertex] = []
        self._label_sources: List[ApplicationVertex] = []
        #: the connectivity's links per (sources, targets) slicing, indexed
        #: by target and by source (asked for by every core, many times)
        self._link_cache: dict = {}

    # --- what a kind provides ---------------------------------------------
    @classmethod
    def cost_model(cls, layer: Layer) -> CostModel:
        """The bytes a core needs for k atoms of ``layer``."""
        raise NotImplementedError

    @property
    def connectivity(self) -> Connectivity:
        """Which slices of the previous layer feed which of this layer's."""
        raise NotImplementedError

    def parameter_words(self, arrays: Sequence[np.ndarray],
                        vertex_slice: Slice) -> np.ndarray:
        """The WEIGHTS words of one core from arrays in the layer's Keras
        layout (its weights, or an optimizer slot shaped like them)."""
        raise NotImplementedError

    def parameter_count(self, vertex_slice: Slice) -> int:
        """Values in one core's WEIGHTS region (and per optimizer slot)."""
        raise NotImplementedError

    def arrays_from_cores(self, cores: Sequence[Tuple[Slice, bytes]],
                          arrays: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Keras-layout arrays rebuilt from every core's WEIGHTS-layout
        bytes (``arrays``: the current ones, for shape and anything no core
        holds)."""
        raise NotImplementedError

    def kind_regions(self, machine_vertex) -> List[Tuple[int, np.ndarray]]:
        """(region, words) the kind adds (Region.KIND_PARAMS, say); a kind
        that adds regions sizes them in ``kind_region_sizes``."""
        return []

    def kind_region_sizes(self, machine_vertex) -> dict:
        return {}

    # --- shared --------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.training_config is not None

    @property
    def n_atoms(self) -> int:
        return self.layer.n_atoms

    @property
    def values_per_atom(self) -> int:
        """Values an atom sends per example: 1 for Dense, the channels of
        a window layer's output position. The shared program's "atoms" are
        values: a core of n atoms sends n × values_per_atom."""
        return self.layer.values_per_atom

    @property
    def n_values(self) -> int:
        return self.n_atoms * self.values_per_atom

    def value_slice(self, vertex_slice: Slice) -> Slice:
        """The values a slice of atoms sends."""
        per_atom = self.values_per_atom
        return Slice(vertex_slice.lo_atom * per_atom,
                     (vertex_slice.hi_atom + 1) * per_atom - 1)

    def value_slices(self) -> List[Slice]:
        """The values of each slice, in slice order: what a connectivity
        takes as the sources of the next layer."""
        return [self.value_slice(s) for s in self.slices()]

    #: Whether every core holds the same parameters (a convolution's
    #: kernel), so that training reduces their gradients over the cores.
    SHARES_PARAMETERS = False

    def reduces(self) -> bool:
        """Training reduces gradient sums over this layer's cores."""
        return (self.training and self.SHARES_PARAMETERS
                and len(self.splitter.get_out_going_slices()) > 1)

    def core_inputs(self, machine_vertex) -> int:
        """Input values one core keeps per example (all of the layer's
        unless the kind's connectivity says otherwise)."""
        return self.layer.n_inputs

    def cost_of(self, n_atoms: int) -> CoreCost:
        """DTCM and SDRAM a core needs to hold n_atoms of this layer (key
        table rows counted for every source core: an upper bound when not
        every source feeds every core)."""
        slots = self.training_config.optimizer_slots if self.training else 0
        return self.cost_model(self.layer)(
            n_atoms, self.layer.n_inputs, self.n_source_slices(),
            self.training, slots, self.examples_in_flight)

    def create_machine_vertex(self, vertex_slice: Slice, cost: CoreCost):
        from .layer_machine_vertex import LayerMachineVertex
        return LayerMachineVertex(self, vertex_slice, cost)

    def binary(self) -> str:
        name = self.TRAINING_BINARY if self.training \
            else self.INFERENCE_BINARY
        stem, extension = name.rsplit(".", 1)
        return f"{stem}{self.numerics.binary_suffix}.{extension}"

    def weight_words(self, arrays: Sequence[np.ndarray],
                     vertex_slice: Slice) -> np.ndarray:
        """The WEIGHTS words of one core in the cores' number format."""
        return self.numerics.weight_words(
            self.parameter_words(arrays, vertex_slice))

    def optimizer_words(self, slot: int, arrays: Sequence[np.ndarray],
                        vertex_slice: Slice) -> np.ndarray:
        """One optimizer slot's words of one core, in the cores' format."""
        return self.numerics.optimizer_slot_words(
            self.parameter_words(arrays, vertex_slice),
            self.training_config.optimizer.code, slot)

    @property
    def forward_pairs(self) -> bool:
        """Whether this layer's cores send two outputs a packet where they
        fit (fixed point, common/value_pairs.h): only to the next layer's
        cores, which file pairs; the output layer's go to the host."""
        return self.numerics.packs_forward_pairs and self.next is not None

    def forward_share(self) -> Optional[float]:
        """Training: the share of a next-layer core's time this layer's
        outputs may take, what that core's partial errors leave it
        (wire_format.training_forward_share); None (the default shares)
        in inference, for the output layer, and where a layer is not
        all-to-all (the shares assume every core of a layer sends its
        partial errors round every core of the one before)."""
        receiver = self.next
        if not self.training or receiver is None:
            return None
        following = receiver.next
        if any(layer.connectivity is not ALL_TO_ALL
               for layer in (self, receiver, following)
               if layer is not None):
            return None
        return training_forward_share(
            len(receiver.machine_vertices),
            0 if following is None else len(following.machine_vertices))

    # The toolchain cannot say who sends to a vertex, so the vertex notes it.
    def add_incoming_edge(self, edge: ApplicationEdge,
                          partition: ApplicationEdgePartition) -> None:
        if partition.identifier == FORWARD_PARTITION:
            self._forward_sources.append(edge.pre_vertex)
        elif partition.identifier == LABELS_PARTITION:
            self._label_sources.append(edge.pre_vertex)

    @property
    def forward_sources(self) -> List[ApplicationVertex]:
        return list(self._forward_sources)

    @property
    def label_sources(self) -> List[ApplicationVertex]:
        return list(self._label_sources)

    def n_source_slices(self) -> int:
        """Machine vertices that send this layer its inputs."""
        return sum(len(source.splitter.get_out_going_slices())
                   for source in self._forward_sources)

    # --- slices and links ------------------------------------------------------
    def slices(self) -> List[Slice]:
        return self.splitter.get_in_coming_slices()

    def machine_vertices_in_slice_order(self) -> List[MachineVertex]:
        return self.splitter.machine_vertices_in_slice_order()

    def slice_index(self, machine_vertex: MachineVertex) -> int:
        """The position of a core's slice among the layer's (known from
        the packing, before every machine vertex exists)."""
        return [s.lo_atom for s in self.slices()].index(
            machine_vertex.vertex_slice.lo_atom)

    def source_cores(self) -> List[Tuple[MachineVertex, Slice]]:
        """Every core that sends this layer its inputs, in the order the
        links number them, with its slice in values (a live source has
        examples_in_flight atoms, keys, per value)."""
        cores = []
        for source in self._forward_sources:
            for machine_vertex in sorted(
                    source.splitter.get_out_going_vertices(
                        FORWARD_PARTITION),
                    key=lambda v: v.vertex_slice.lo_atom):
                vertex_slice = machine_vertex.vertex_slice
                if isinstance(source, LayerVertex):
                    cores.append((machine_vertex,
                                  source.value_slice(vertex_slice)))
                    continue
                if isinstance(source, DataSourceVertex):
                    # its keys past the singles carry pairs of values
                    cores.append((machine_vertex,
                                  Slice(0, source.n_values - 1)))
                    continue
                cores.append((machine_vertex, Slice(
                    vertex_slice.lo_atom // self.examples_in_flight,
                    (vertex_slice.hi_atom + 1) // self.examples_in_flight
                    - 1)))
        return cores

    def links(self) -> List[Link]:
        """The connectivity's links from the source cores to this layer's
        slices."""
        return self._indexed_links(
            [vertex_slice for _, vertex_slice in self.source_cores()],
            self.slices())[0]

    def _indexed_links(self, sources: Sequence[Slice],
                       targets: Sequence[Slice]):
        key = (tuple((s.lo_atom, s.n_atoms) for s in sources),
               tuple((t.lo_atom, t.n_atoms) for t in targets))
        cached = self._link_cache.get(key)
        if cached is None:
            links = self.connectivity.links(sources, targets)
            by_target: dict = {}
            by_source: dict = {}
            for link in links:
                by_target.setdefault(link.target, []).append(link)
                by_source.setdefault(link.source, []).append(link)
            cached = self._link_cache[key] = (links, by_target, by_source)
        return cached

    def links_into(self, sources: Sequence[Slice], targets: Sequence[Slice],
                   target: int) -> List[Link]:
        """The connectivity's links into target slice ``target``."""
        return list(self._indexed_links(sources, targets)[1].get(target, []))

    def links_from(self, sources: Sequence[Slice], targets: Sequence[Slice],
                   source: int) -> List[Link]:
        """The connectivity's links out of source slice ``source``."""
        return list(self._indexed_links(sources, targets)[2].get(source, []))

    # --- what the live output reports ----------------------------------------
    def get_atom_key_map(self, pre_vertex: MachineVertex, partition_id: str,
                         routing_info: RoutingInfo
                         ) -> Iterable[Tuple[int, int]]:
        """Atoms the live output reports for our keys: output atom a of an
        example in slot p is atom a + p * layer_atoms (its key is
        key + p * slice atoms + i); a core's acks are atom
        examples_in_flight * layer_atoms + its slice index, beyond every
        output,
        so the host never mistakes one for the other."""
        key = routing_info.get_info_from(pre_vertex, partition_id).key
        if partition_id == ACK_PARTITION:
            return [(self.examples_in_flight * self.n_values
                     + self.slice_index(pre_vertex), key)]
        values = self.value_slice(pre_vertex.vertex_slice)
        lo, n = values.lo_atom, values.n_atoms
        return [(parity * self.n_values + lo + i, key + parity * n + i)
                for parity in range(self.examples_in_flight)
                for i in range(n)]

    # --- reading back ------------------------------------------------------------
    def read_weights(self, read_region, optimizer_slots: int):
        """(Keras-layout weights, optimizer slots) from every core's
        WEIGHTS and OPTIMIZER regions; read_region(machine_vertex, region)
        gives a region's bytes as the core left it."""
        current = [w.copy() for w in self.layer.get_weights()]
        if not current:     # a pooling: no WEIGHTS region to read
            return [], []
        cores = self.machine_vertices_in_slice_order()
        numerics = self.numerics
        weights = self.arrays_from_cores(
            [(mv.vertex_slice, numerics.float_weight_words(
                read_region(mv, Region.WEIGHTS),
                self.parameter_count(mv.vertex_slice)))
             for mv in cores], current)
        slots = []
        if optimizer_slots:
            states = [(mv.vertex_slice, self._optimizer_state(
                read_region, position, mv)) for position, mv in
                enumerate(cores)]
            for index in range(optimizer_slots):
                blocks = []
                for vertex_slice, state in states:
                    size = BYTES_PER_WORD * self.parameter_count(
                        vertex_slice)
                    blocks.append((vertex_slice, numerics.float_optimizer_slot(
                        state[index * size:(index + 1) * size], size // 4,
                        self.training_config.optimizer.code, index)))
                slots.append(self.arrays_from_cores(
                    blocks, [np.zeros_like(w) for w in current]))
        return weights, slots

    def _optimizer_state(self, read_region, position: int,
                         core: MachineVertex) -> bytes:
        """The OPTIMIZER region of the core at ``position``; with replicas
        each segment's slots as its owner left them (a replica updates
        only its own segment, docs/training.md "Replicas")."""
        peers = self.replica_peers
        if len(peers) < 2:
            return read_region(core, Region.OPTIMIZER)
        n = self.parameter_count(core.vertex_slice)
        segments = []
        for index, peer in enumerate(peers):
            first, count = shard_bounds(n, len(peers), index)
            theirs = np.frombuffer(read_region(
                peer.machine_vertices_in_slice_order()[position],
                Region.OPTIMIZER), dtype="<u4").reshape(-1, n)
            segments.append(theirs[:, first:first + count])
        return np.concatenate(segments, axis=1).tobytes()
