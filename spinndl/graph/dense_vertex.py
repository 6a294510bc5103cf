"""A Dense layer on the machine: its application and machine vertices."""

from typing import Iterable, List, Tuple

from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.placements import Placement
from pacman.model.resources import ConstantSDRAM
from pacman.model.routing_info import RoutingInfo
from spinn_front_end_common.abstract_models import (
    AbstractGeneratesDataSpecification, AbstractHasAssociatedBinary,
    HasCustomAtomKeyMap)
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DataSpecificationGenerator
from spinn_front_end_common.interface.simulation.simulation_utilities import (
    get_simulation_header_array)
from spinn_front_end_common.utilities.utility_objs import ExecutableType

import numpy as np

from .. import activations
from ..packing import (
    SYSTEM_REGION_BYTES, TRAINING_NEIGHBOUR_TABLES_BYTES, CoreCost,
    dense_cost, training_neighbour_tables_bytes)
from ..wire_format import (
    ACK_PARTITION, BACKWARD_PARTITION_PREFIX, FORWARD_PARTITION,
    LABELS_PARTITION, SOFTMAX_KEYS_PER_CORE, SOFTMAX_PARTITION,
    BYTES_PER_WORD, PARAMS_REGION_BYTES, BackwardTarget, KeyTableEntry,
    LayerParams, Loss, Region,
    backward_targets_bytes, key_table_bytes, weights_bytes,
    TrainingParams, backward_partition, backward_target_slice,
    encode_backward_targets, encode_key_table, encode_weights, send_gap_us,
    backward_gap_us, send_phase_us, KEYS_PER_VALUE)
from .layer_vertex import LayerVertex

#: The programs a Dense core runs (neural_modelling/src/dense, dense_train).
DENSE_BINARY = "dense.aplx"
DENSE_TRAIN_BINARY = "dense_train.aplx"


class DenseVertex(LayerVertex, HasCustomAtomKeyMap):
    """A Dense layer: one atom per unit."""

    def cost_of(self, n_atoms: int) -> CoreCost:
        slots = self.training_config.optimizer_slots if self.training else 0
        return dense_cost(n_atoms, self.layer.n_inputs,
                          self.n_source_slices(), self.training, slots)

    def create_machine_vertex(self, vertex_slice: Slice, cost: CoreCost
                              ) -> "DenseMachineVertex":
        return DenseMachineVertex(self, vertex_slice, cost)

    def get_atom_key_map(self, pre_vertex: MachineVertex, partition_id: str,
                         routing_info: RoutingInfo
                         ) -> Iterable[Tuple[int, int]]:
        """Atoms the live output reports for our keys: output atom a of an
        example of parity p is atom a + p * layer_atoms (its key is
        key + p * slice atoms + i); a core's acks are atom
        KEYS_PER_VALUE * layer_atoms + its slice index, beyond every output,
        so the host never mistakes one for the other."""
        key = routing_info.get_info_from(pre_vertex, partition_id).key
        if partition_id == ACK_PARTITION:
            return [(KEYS_PER_VALUE * self.n_atoms
                     + self.slice_index(pre_vertex), key)]
        lo_atom = pre_vertex.vertex_slice.lo_atom
        n_atoms = pre_vertex.vertex_slice.n_atoms
        return [(parity * self.n_atoms + lo_atom + i,
                 key + parity * n_atoms + i)
                for parity in range(KEYS_PER_VALUE) for i in range(n_atoms)]

    def slice_index(self, machine_vertex: MachineVertex) -> int:
        return self.splitter.machine_vertices_in_slice_order().index(
            machine_vertex)


def key_table(sources, partition_id: str = FORWARD_PARTITION,
              receiver_atoms: int = 0) -> List[KeyTableEntry]:
    """One row per machine vertex that sends to a layer core on a
    partition: the keys the toolchain gave it and the indices they carry:
    the sender's atoms, or, with receiver_atoms (partial errors), one value
    per atom of the receiving core, counted from 0."""
    routing_infos = FecDataView.get_routing_infos()
    rows = []
    for source in sources:
        # A live source has KEYS_PER_VALUE atoms (keys) per value it sends.
        per_value = 1 if isinstance(source, LayerVertex) else KEYS_PER_VALUE
        for machine_vertex in source.splitter.get_out_going_vertices(
                partition_id):
            info = routing_infos.get_info_from(machine_vertex, partition_id)
            vertex_slice = machine_vertex.vertex_slice
            rows.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=0 if receiver_atoms
                else vertex_slice.lo_atom // per_value,
                n_atoms=receiver_atoms or vertex_slice.n_atoms // per_value))
    return rows


class DenseMachineVertex(MachineVertex, AbstractHasAssociatedBinary,
                         AbstractGeneratesDataSpecification):
    """A slice of a Dense layer's perceptrons on one core."""

    def __init__(self, app_vertex: DenseVertex, vertex_slice: Slice,
                 cost: CoreCost):
        super().__init__(f"{app_vertex.label}{vertex_slice}", app_vertex,
                         vertex_slice)
        self.cost = cost

    @property
    def sdram_required(self) -> ConstantSDRAM:
        return ConstantSDRAM(sum(self.region_sizes().values()))

    def region_sizes(self):
        """Bytes of each data region: the inference regions as packing
        counts them, plus the training regions, sized from the
        neighbouring layers' slicing."""
        vertex: DenseVertex = self.app_vertex
        n_atoms, n_inputs = self.vertex_slice.n_atoms, vertex.layer.n_inputs
        sizes = {
            Region.SYSTEM: SYSTEM_REGION_BYTES,
            Region.PARAMS: PARAMS_REGION_BYTES,
            Region.KEY_TABLE: key_table_bytes(vertex.n_source_slices()),
            Region.WEIGHTS: weights_bytes(n_atoms, n_inputs)}
        if vertex.training:
            config = vertex.training_config
            next_cores, previous_cores, label_slices = self.neighbour_cores()
            sizes.update({
                Region.TRAINING: TrainingParams.N_WORDS * BYTES_PER_WORD,
                Region.BACKWARD_IN: key_table_bytes(next_cores),
                Region.BACKWARD_OUT: backward_targets_bytes(previous_cores),
                Region.LABEL_TABLE: key_table_bytes(label_slices),
                Region.OPTIMIZER: config.optimizer_slots
                * weights_bytes(n_atoms, n_inputs)})
        return sizes

    def get_binary_file_name(self) -> str:
        return DENSE_TRAIN_BINARY if self.app_vertex.training \
            else DENSE_BINARY

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.USES_SIMULATION_INTERFACE

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        if partition_id == SOFTMAX_PARTITION:
            return SOFTMAX_KEYS_PER_CORE
        if partition_id == ACK_PARTITION:
            return 1
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            # partial errors for each input of the target slice, per parity
            previous = self.app_vertex.previous
            targets = previous.splitter.get_in_coming_slices()
            return KEYS_PER_VALUE * targets[
                backward_target_slice(partition_id)].n_atoms
        # forward: one key per atom and example parity
        return KEYS_PER_VALUE * self.vertex_slice.n_atoms

    def layer_params(self) -> LayerParams:
        vertex: DenseVertex = self.app_vertex
        routing_infos = FecDataView.get_routing_infos()
        info = routing_infos.get_info_from(self, FORWARD_PARTITION)
        softmax = {}
        if vertex.layer.activation == "softmax":
            own = routing_infos.get_info_from(self, SOFTMAX_PARTITION)
            layer = routing_infos.get_info_from(vertex, SOFTMAX_PARTITION)
            softmax = dict(softmax_key=own.key, softmax_layer_key=layer.key,
                           softmax_layer_mask=layer.mask)
        return LayerParams(
            n_atoms=self.vertex_slice.n_atoms,
            lo_atom=self.vertex_slice.lo_atom,
            layer_atoms=vertex.n_atoms,
            n_inputs=vertex.layer.n_inputs,
            activation=activations.CODES[vertex.layer.activation],
            forward_key=info.key, forward_mask=info.mask,
            training=int(vertex.training),
            layer_cores=len(vertex.machine_vertices),
            send_gap_us=send_gap_us(len(vertex.machine_vertices),
                                    training=bool(vertex.training)),
            send_phase_us=send_phase_us(vertex.slice_index(self),
                                        len(vertex.machine_vertices),
                                        training=bool(vertex.training)),
            **softmax)

    def training_regions(self):
        """(region, words) of the training layout (docs/training.md)."""
        vertex: DenseVertex = self.app_vertex
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
            next_layer_cores=(0 if is_output
                              else len(vertex.next.machine_vertices)),
            output_atoms=self._output_atoms(),
            initial_step=config.state.step,
            sample_weights=int(is_output and config.sample_weights),
            backward_gap_us=(1 if is_first else backward_gap_us(
                len(vertex.machine_vertices),
                len(vertex.previous.splitter.get_in_coming_slices()))),
            **hyper)
        slice_index = vertex.slice_index(self)
        backward_in = [] if is_output else key_table(
            [vertex.next], backward_partition(slice_index),
            receiver_atoms=self.vertex_slice.n_atoms)
        backward_out = [] if is_first else [
            BackwardTarget(
                key=routing_infos.get_info_from(
                    self, backward_partition(index)).key,
                lo_atom=target.lo_atom, n_atoms=target.n_atoms)
            for index, target in enumerate(
                vertex.previous.splitter.get_in_coming_slices())]
        labels = key_table(vertex.label_sources, LABELS_PARTITION) \
            if is_output else []
        lo, hi = self._atom_range()
        optimizer = [encode_weights(kernel[:, lo:hi], bias[lo:hi])
                     for kernel, bias in config.slot_arrays(vertex.layer)]
        return [
            (Region.TRAINING, training.encode()),
            (Region.BACKWARD_IN, encode_key_table(backward_in)),
            (Region.BACKWARD_OUT, encode_backward_targets(backward_out)),
            (Region.LABEL_TABLE, encode_key_table(labels)),
            (Region.OPTIMIZER, np.concatenate(
                optimizer or [np.zeros(0, np.uint32)])),
        ]

    def neighbour_cores(self) -> Tuple[int, int, int]:
        """(next-layer cores, previous-layer cores, label source cores):
        the slicing the training tables are sized by."""
        vertex: DenseVertex = self.app_vertex
        next_cores = 0 if vertex.next is None else len(
            vertex.next.splitter.get_out_going_slices())
        previous_cores = 0 if vertex.previous is None else len(
            vertex.previous.splitter.get_in_coming_slices())
        label_cores = sum(len(source.splitter.get_out_going_slices())
                          for source in vertex.label_sources)
        return next_cores, previous_cores, label_cores

    def neighbour_tables_bytes(self) -> int:
        return training_neighbour_tables_bytes(*self.neighbour_cores())

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

    def _atom_range(self) -> Tuple[int, int]:
        return self.vertex_slice.lo_atom, self.vertex_slice.hi_atom + 1

    def _output_atoms(self) -> int:
        vertex = self.app_vertex
        while vertex.next is not None:
            vertex = vertex.next
        return vertex.n_atoms

    def generate_data_specification(self, spec: DataSpecificationGenerator,
                                    placement: Placement) -> None:
        vertex: DenseVertex = self.app_vertex
        lo, hi = self._atom_range()
        binary = self.get_binary_file_name()
        regions = [
            (Region.SYSTEM, get_simulation_header_array(binary)),
            (Region.PARAMS, self.layer_params().encode()),
            (Region.KEY_TABLE,
             encode_key_table(key_table(vertex.forward_sources))),
            (Region.WEIGHTS, encode_weights(vertex.layer.kernel[:, lo:hi],
                                            vertex.layer.bias[lo:hi])),
        ]
        if vertex.training:
            regions += self.training_regions()
            self._check_neighbour_tables()
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
