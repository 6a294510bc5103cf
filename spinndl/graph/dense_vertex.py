"""A Dense layer on the machine: its application and machine vertices."""

from typing import List

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
from ..packing import CoreCost, dense_cost
from ..wire_format import (
    FORWARD_PARTITION, SOFTMAX_KEYS_PER_CORE, SOFTMAX_PARTITION,
    KeyTableEntry, LayerParams, Region, encode_key_table, encode_weights,
    send_gap_us)
from .layer_vertex import LayerVertex

#: The program every Dense core runs (neural_modelling/src/dense).
DENSE_BINARY = "dense.aplx"


class DenseVertex(LayerVertex):
    """A Dense layer: one atom per unit."""

    def cost_of(self, n_atoms: int) -> CoreCost:
        return dense_cost(n_atoms, self.layer.n_inputs,
                          self.n_source_slices(), self.training)

    def create_machine_vertex(self, vertex_slice: Slice, cost: CoreCost
                              ) -> "DenseMachineVertex":
        return DenseMachineVertex(self, vertex_slice, cost)


def key_table(sources) -> List[KeyTableEntry]:
    """One row per machine vertex that sends to a layer core: the keys the
    toolchain gave it and the input indices its atoms carry."""
    routing_infos = FecDataView.get_routing_infos()
    rows = []
    for source in sources:
        for machine_vertex in source.splitter.get_out_going_vertices(
                FORWARD_PARTITION):
            info = routing_infos.get_info_from(machine_vertex,
                                               FORWARD_PARTITION)
            vertex_slice = machine_vertex.vertex_slice
            rows.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=vertex_slice.lo_atom,
                n_atoms=vertex_slice.n_atoms))
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
        return ConstantSDRAM(self.cost.sdram_bytes)

    def get_binary_file_name(self) -> str:
        return DENSE_BINARY

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.USES_SIMULATION_INTERFACE

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        if partition_id == SOFTMAX_PARTITION:
            return SOFTMAX_KEYS_PER_CORE
        return self.vertex_slice.n_atoms

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
            send_gap_us=send_gap_us(len(vertex.machine_vertices)),
            **softmax)

    def generate_data_specification(self, spec: DataSpecificationGenerator,
                                    placement: Placement) -> None:
        vertex: DenseVertex = self.app_vertex
        lo, hi = self.vertex_slice.lo_atom, self.vertex_slice.hi_atom + 1
        regions = [
            (Region.SYSTEM, get_simulation_header_array(DENSE_BINARY)),
            (Region.PARAMS, self.layer_params().encode()),
            (Region.KEY_TABLE,
             encode_key_table(key_table(vertex.forward_sources))),
            (Region.WEIGHTS, encode_weights(vertex.layer.kernel[:, lo:hi],
                                            vertex.layer.bias[lo:hi])),
        ]
        for region, words in regions:
            spec.reserve_memory_region(region, len(words) * 4,
                                       label=region.name)
            spec.switch_write_focus(region)
            spec.write_array(words)
        spec.end_specification()
