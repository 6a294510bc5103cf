"""A slice of a layer on one core, for every layer kind: the regions the
shared layer program reads (docs/wire_format.md), written from what the
kind's application vertex says (its connectivity, codec and binaries)."""

from typing import Dict, List, Optional, Tuple

import numpy as np

from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.placements import Placement
from pacman.model.resources import ConstantSDRAM
from spinn_front_end_common.abstract_models import (
    AbstractGeneratesDataSpecification, AbstractHasAssociatedBinary)
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DataSpecificationGenerator
from spinn_front_end_common.interface.simulation.simulation_utilities import (
    get_simulation_header_array)
from spinn_front_end_common.utilities.utility_objs import ExecutableType

from .. import activations
from ..packing import (
    SYSTEM_REGION_BYTES, TRAINING_NEIGHBOUR_TABLES_BYTES, CoreCost,
    training_neighbour_tables_bytes)
from ..wire_format import (
    ACK_PARTITION, BACKWARD_PARTITION_PREFIX, BYTES_PER_WORD,
    FORWARD_PARTITION, GRADIENT_CHAIN_PARTITION,
    GRADIENT_READY_PARTITION, UPDATED_PARTITION,
    ReplicaParams, LABELS_PARTITION, forward_keys, gradient_chain_keys,
    REDUCE_PARTITION, REDUCE_TOTAL_PARTITION, REDUCTION_PARAMS_WORDS,
    PARAMS_REGION_BYTES, SATURATION_COUNTERS, SOFTMAX_KEYS_PER_CORE,
    SOFTMAX_PARTITION,
    BackwardTarget, KeyTableEntry, LayerParams, Loss, Region, TrainingParams,
    backward_partition, backward_target_slice, backward_targets_bytes,
    encode_backward_targets, encode_key_table, key_table_bytes,
    backward_period_ns, gradient_periods_ns, send_period_ns, send_phase_us,
    shard_bounds)
from .connectivity import Link


def label_key_table(sources, examples_in_flight: int
                    ) -> List[KeyTableEntry]:
    """One row per label source core (a live label source, or an on-board
    data source): the keys the toolchain gave it and the output atoms they
    carry (examples_in_flight keys per value)."""
    routing_infos = FecDataView.get_routing_infos()
    rows = []
    for source in sources:
        for machine_vertex in source.splitter.get_out_going_vertices(
                LABELS_PARTITION):
            info = routing_infos.get_info_from(machine_vertex,
                                               LABELS_PARTITION)
            vertex_slice = machine_vertex.vertex_slice
            # an on-board data source's atoms are its input keys; its
            # labels partition carries its label values alone
            on_board = getattr(source, "n_label_values", None)
            rows.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=(0 if on_board else
                             vertex_slice.lo_atom // examples_in_flight),
                n_atoms=(on_board if on_board else
                         vertex_slice.n_atoms // examples_in_flight)))
    return rows


class LayerMachineVertex(MachineVertex, AbstractHasAssociatedBinary,
                         AbstractGeneratesDataSpecification):
    """A slice of a layer's atoms on one core."""

    def __init__(self, app_vertex, vertex_slice: Slice, cost: CoreCost):
        super().__init__(f"{app_vertex.label}{vertex_slice}", app_vertex,
                         vertex_slice)
        self.cost = cost
        #: previous-layer slice -> values of it this core keeps, computed
        #: once (the key allocator asks for every backward partition)
        self._kept_by_target: Optional[Dict[int, int]] = None

    # --- links ---------------------------------------------------------------------
    def _slice_position(self) -> int:
        return self.app_vertex.slice_index(self)

    def forward_links(self) -> List[Tuple[MachineVertex, Slice, Link]]:
        """(source core, its slice in values, link) of every core that
        sends this one its inputs."""
        vertex = self.app_vertex
        cores = vertex.source_cores()
        return [(cores[link.source][0], cores[link.source][1], link)
                for link in vertex.links_into(
                    [s for _, s in cores], vertex.slices(), self._slice_position())]

    def backward_links(self) -> List[Tuple[Slice, Link]]:
        """(previous-layer slice, link) of every slice this core sends
        partial errors to (training, not the first layer)."""
        vertex = self.app_vertex
        previous = vertex.previous.slices()
        return [(previous[link.source], link)
                for link in vertex.links_into(
                    vertex.previous.value_slices(), vertex.slices(),
                    self._slice_position())]

    def error_links(self) -> List[Link]:
        """The next layer's links from this slice: its linked cores send
        this core partial errors (the next layer's connectivity)."""
        following = self.app_vertex.next
        return following.links_from(
            self.app_vertex.value_slices(), following.slices(),
            self._slice_position())

    def error_senders(self) -> List[MachineVertex]:
        """The next layer's cores that send this core partial errors."""
        cores = self.app_vertex.next.machine_vertices_in_slice_order()
        return [cores[link.target] for link in self.error_links()]

    def neighbour_cores(self) -> Tuple[int, int, int]:
        """(next-layer cores, previous-layer cores, label source cores)
        linked with this core: the training tables are sized by them."""
        vertex = self.app_vertex
        next_cores = 0 if vertex.next is None else len(self.error_links())
        previous_cores = 0 if vertex.previous is None else len(
            self.backward_links())
        label_cores = sum(len(source.splitter.get_out_going_slices())
                          for source in vertex.label_sources)
        return next_cores, previous_cores, label_cores

    def neighbour_tables_bytes(self) -> int:
        return training_neighbour_tables_bytes(*self.neighbour_cores())

    # --- sizes ------------------------------------------------------------------------
    @property
    def sdram_required(self) -> ConstantSDRAM:
        return ConstantSDRAM(sum(self.region_sizes().values()))

    def region_sizes(self) -> Dict[Region, int]:
        """Bytes of each data region: the inference regions as packing
        counts them, plus the training regions, sized from the
        neighbouring layers' slicing."""
        vertex = self.app_vertex
        parameter_bytes = BYTES_PER_WORD * vertex.parameter_count(
            self.vertex_slice)
        sizes = {
            Region.SYSTEM: SYSTEM_REGION_BYTES,
            Region.PARAMS: PARAMS_REGION_BYTES,
            Region.KEY_TABLE: key_table_bytes(len(self.forward_links())),
            Region.WEIGHTS: parameter_bytes}
        if vertex.training:
            config = vertex.training_config
            next_cores, previous_cores, label_slices = self.neighbour_cores()
            sizes.update({
                Region.TRAINING: TrainingParams.N_WORDS * BYTES_PER_WORD,
                Region.BACKWARD_IN: key_table_bytes(next_cores),
                Region.BACKWARD_OUT: backward_targets_bytes(previous_cores),
                Region.LABEL_TABLE: key_table_bytes(label_slices),
                Region.OPTIMIZER: config.optimizer_slots * parameter_bytes})
            if vertex.reduces():
                sizes[Region.REDUCTION] = \
                    REDUCTION_PARAMS_WORDS * BYTES_PER_WORD
            if len(vertex.replica_peers) > 1:
                sizes[Region.REPLICAS] = ReplicaParams.N_WORDS * \
                    BYTES_PER_WORD
        if vertex.numerics.counts_saturations:
            sizes[Region.SATURATION] = SATURATION_COUNTERS * BYTES_PER_WORD
        sizes.update(vertex.kind_region_sizes(self))
        return sizes

    # --- binaries and keys -------------------------------------------------------
    def get_binary_file_name(self) -> str:
        return self.app_vertex.binary()

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.USES_SIMULATION_INTERFACE

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        if partition_id == SOFTMAX_PARTITION:
            return SOFTMAX_KEYS_PER_CORE
        if partition_id in (ACK_PARTITION, GRADIENT_READY_PARTITION,
                            UPDATED_PARTITION):
            return 1
        if partition_id in (REDUCE_PARTITION, REDUCE_TOTAL_PARTITION):
            # one key per parameter
            return self.app_vertex.parameter_count(self.vertex_slice)
        if partition_id == GRADIENT_CHAIN_PARTITION:
            return gradient_chain_keys(
                self.app_vertex.parameter_count(self.vertex_slice),
                self.app_vertex.numerics.exact_weight_deltas)
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            # partial errors for each value of the target slice this core
            # keeps, per example slot (a core not linked with the slice
            # sends it none: one value's keys, unused)
            if self._kept_by_target is None:
                previous = self.app_vertex.previous
                self._kept_by_target = {
                    link.source: link.kept(previous.value_slice(
                        atoms).n_atoms)
                    for atoms, link in self.backward_links()}
            return self.app_vertex.examples_in_flight * \
                self._kept_by_target.get(
                backward_target_slice(partition_id), 1)
        # forward: one key per value and example slot (and its pairs')
        return forward_keys(self.n_values, self.app_vertex.examples_in_flight,
                            self.app_vertex.forward_pairs)

    @property
    def n_values(self) -> int:
        """Values this core sends per example (the shared program's
        atoms)."""
        return self.vertex_slice.n_atoms * self.app_vertex.values_per_atom

    # --- regions ------------------------------------------------------------------------
    def key_table(self) -> List[KeyTableEntry]:
        """KEY_TABLE: a row per linked source core, its keys carrying
        inputs link.first_input onwards (a negative start wraps: the C
        drops every value whose input falls outside the core's
        n_inputs)."""
        routing_infos = FecDataView.get_routing_infos()
        rows = []
        for core, values, link in self.forward_links():
            info = routing_infos.get_info_from(core, FORWARD_PARTITION)
            rows.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=link.first_input & 0xFFFFFFFF,
                n_atoms=values.n_atoms))
        return rows

    def layer_params(self) -> LayerParams:
        vertex = self.app_vertex
        routing_infos = FecDataView.get_routing_infos()
        info = routing_infos.get_info_from(self, FORWARD_PARTITION)
        softmax = {}
        if vertex.layer.activation == "softmax":
            own = routing_infos.get_info_from(self, SOFTMAX_PARTITION)
            layer = routing_infos.get_info_from(vertex, SOFTMAX_PARTITION)
            softmax = dict(softmax_key=own.key, softmax_layer_key=layer.key,
                           softmax_layer_mask=layer.mask)
        return LayerParams(
            n_atoms=self.n_values,
            lo_atom=vertex.value_slice(self.vertex_slice).lo_atom,
            layer_atoms=vertex.n_values,
            n_inputs=vertex.core_inputs(self),
            activation=activations.CODES[vertex.layer.activation],
            forward_key=info.key, forward_mask=info.mask,
            training=int(vertex.training),
            layer_cores=len(vertex.machine_vertices),
            send_period_ns=send_period_ns(len(vertex.machine_vertices),
                                          training=bool(vertex.training),
                                          share=vertex.forward_share(),
                                          pairs=vertex.forward_pairs),
            send_phase_us=send_phase_us(self._slice_position(),
                                        len(vertex.machine_vertices),
                                        training=bool(vertex.training),
                                        share=vertex.forward_share(),
                                        pairs=vertex.forward_pairs),
            examples_in_flight=vertex.examples_in_flight,
            forward_pairs=int(vertex.forward_pairs),
            **softmax)

    def training_regions(self) -> List[Tuple[Region, np.ndarray]]:
        """(region, words) of the training layout (docs/training.md)."""
        vertex = self.app_vertex
        config = vertex.training_config
        routing_infos = FecDataView.get_routing_infos()
        is_output = vertex.next is None
        is_first = vertex.previous is None
        hyper = config.optimizer.hyper_parameters()
        training = TrainingParams(
            loss=config.loss_code if is_output else Loss.NONE,
            optimizer=config.optimizer.code,
            n_examples=config.n_examples, batch_size=config.batch_size,
            is_first_layer=int(is_first),
            ack_key=(routing_infos.get_info_from(self, ACK_PARTITION).key
                     if is_first else 0),
            # the next layer's cores linked with this one each send a
            # partial error for every value of it
            next_layer_cores=0 if is_output else len(self.error_links()),
            output_atoms=self._output_atoms(),
            initial_step=config.state.step,
            sample_weights=int(is_output and config.sample_weights),
            backward_period_ns=(0 if is_first else backward_period_ns(
                len(vertex.machine_vertices),
                len(vertex.previous.slices()))),
            **hyper)
        partition = backward_partition(self._slice_position())
        # each linked next-layer core sends the partial errors of the
        # values of this core it keeps
        backward_in = [] if is_output else [
            KeyTableEntry(
                key=routing_infos.get_info_from(sender, partition).key,
                mask=routing_infos.get_info_from(sender, partition).mask,
                first_index=link.kept_first,
                n_atoms=link.kept(self.n_values))
            for sender, link in zip(self.error_senders(),
                                    self.error_links())]
        backward_out = [] if is_first else [
            BackwardTarget(
                key=routing_infos.get_info_from(
                    self, backward_partition(link.source)).key,
                lo_atom=link.first_input + link.kept_first,
                n_atoms=link.kept(vertex.previous.value_slice(
                    target).n_atoms))
            for target, link in self.backward_links()]
        labels = label_key_table(vertex.label_sources,
                                 vertex.examples_in_flight) if is_output else []
        optimizer = [vertex.optimizer_words(index, slot, self.vertex_slice)
                     for index, slot in enumerate(
                         config.slot_arrays(vertex.layer))]
        reduction = [(Region.REDUCTION, self.reduction_params())] \
            if vertex.reduces() else []
        return reduction + [
            (Region.TRAINING, training.encode(vertex.numerics.weight_bits)),
            (Region.BACKWARD_IN, encode_key_table(backward_in)),
            (Region.BACKWARD_OUT, encode_backward_targets(backward_out)),
            (Region.LABEL_TABLE, encode_key_table(labels)),
            (Region.OPTIMIZER, np.concatenate(
                optimizer or [np.zeros(0, np.uint32)])),
        ]

    def reduction_params(self) -> np.ndarray:
        """reduction_params (common/kernel_reduction.h): this core's place
        in the chain, its keys and those it receives (docs/conv.md)."""
        vertex = self.app_vertex
        routing_infos = FecDataView.get_routing_infos()
        cores = vertex.machine_vertices_in_slice_order()
        position = cores.index(self)

        def info(core, partition):
            return routing_infos.get_info_from(core, partition)
        chain = info(self, REDUCE_PARTITION) \
            if position + 1 < len(cores) else None
        chain_in = info(cores[position - 1], REDUCE_PARTITION) \
            if position > 0 else None
        total = info(cores[-1], REDUCE_TOTAL_PARTITION)
        words = [len(cores), position,
                 chain.key if chain else 0,
                 chain_in.key if chain_in else 0,
                 chain_in.mask if chain_in else 0,
                 total.key if position + 1 == len(cores) else 0,
                 total.key, total.mask,
                 send_period_ns(len(cores))]
        assert len(words) == REDUCTION_PARAMS_WORDS
        return np.array(words, dtype="<u4")

    def replica_params(self) -> ReplicaParams:
        """REPLICAS: the keys of this core's gradient exchange with the
        cores of its slice in the other replicas (a ring), and the segments
        of its parameters it deals with."""
        vertex = self.app_vertex
        peers = vertex.replica_peers
        replica, count = vertex.replica_index, len(peers)
        position = self._slice_position()
        routing_infos = FecDataView.get_routing_infos()
        n_values = vertex.parameter_count(self.vertex_slice)

        def own(partition):
            return routing_infos.get_info_from(self, partition).key

        def peer(index, partition):
            core = peers[index % count].machine_vertices_in_slice_order()[
                position]
            info = routing_infos.get_info_from(core, partition)
            return info.key, info.mask

        def segment(index):
            return shard_bounds(n_values, count, index % count)

        chain_in = peer(replica - 1, GRADIENT_CHAIN_PARTITION)
        # "ready" goes from the last replica towards replica 0
        ready_in = peer(replica + 1, GRADIENT_READY_PARTITION) \
            if replica + 1 < count else (0, 0)
        # tokens from every core of the next layer: its app-level key
        updated_in = (0, 0)
        if vertex.next is not None:
            info = routing_infos.get_info_from(vertex.next,
                                               UPDATED_PARTITION)
            updated_in = (info.key, info.mask)
        sums_period, weights_period = gradient_periods_ns(
            count, fixed_point=vertex.numerics.exact_weight_deltas)
        return ReplicaParams(
            n_replicas=count, replica=replica, n_values=n_values,
            chain_key=own(GRADIENT_CHAIN_PARTITION),
            ready_key=own(GRADIENT_READY_PARTITION) if replica else 0,
            chain_in_key=chain_in[0], chain_in_mask=chain_in[1],
            ready_in_key=ready_in[0], ready_in_mask=ready_in[1],
            own_first=segment(replica)[0], own_count=segment(replica)[1],
            start_first=segment(replica - 1)[0],
            start_count=segment(replica - 1)[1],
            next_first=segment(replica + 1)[0],
            next_count=segment(replica + 1)[1],
            sums_period_ns=sums_period, weights_period_ns=weights_period,
            updated_key=(0 if vertex.previous is None
                         else own(UPDATED_PARTITION)),
            updated_in_key=updated_in[0], updated_in_mask=updated_in[1])

    def _check_neighbour_tables(self) -> None:
        """The DTCM the neighbour tables take must fit the allowance
        packing reserved for them. packing.plan_network checks this before
        mapping, so failing here means the plan and the splitters differ."""
        needed = self.neighbour_tables_bytes()
        if needed > TRAINING_NEIGHBOUR_TABLES_BYTES:
            raise AssertionError(
                f"layer {self.app_vertex.label!r}: neighbour tables need "
                f"{needed} B of DTCM per core, over the "
                f"{TRAINING_NEIGHBOUR_TABLES_BYTES} B reserved, although "
                f"the packing plan said they fit")

    def _output_atoms(self) -> int:
        vertex = self.app_vertex
        while vertex.next is not None:
            vertex = vertex.next
        return vertex.n_values

    def generate_data_specification(self, spec: DataSpecificationGenerator,
                                    placement: Placement) -> None:
        vertex = self.app_vertex
        binary = self.get_binary_file_name()
        regions = [
            (Region.SYSTEM, get_simulation_header_array(binary)),
            (Region.PARAMS, self.layer_params().encode()),
            (Region.KEY_TABLE, encode_key_table(self.key_table())),
            (Region.WEIGHTS, vertex.weight_words(
                vertex.layer.get_weights(), self.vertex_slice)),
        ]
        if vertex.training:
            regions += self.training_regions()
            self._check_neighbour_tables()
            if len(vertex.replica_peers) > 1:
                regions.append((Region.REPLICAS,
                                self.replica_params().encode()))
        if vertex.numerics.counts_saturations:
            regions.append((Region.SATURATION,
                            np.zeros(SATURATION_COUNTERS, dtype="<u4")))
        regions += vertex.kind_regions(self)
        sizes = self.region_sizes()
        for region, words in regions:
            if len(words) * BYTES_PER_WORD != sizes[region]:
                raise AssertionError(
                    f"{self.label}: region {region.name} has "
                    f"{len(words) * BYTES_PER_WORD} bytes, sized "
                    f"{sizes[region]}")
            if not len(words):
                continue   # an empty region (no optimizer state) is absent
            spec.reserve_memory_region(region, sizes[region],
                                       label=region.name)
            spec.switch_write_focus(region)
            spec.write_array(words)
        spec.end_specification()
