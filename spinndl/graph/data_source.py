"""The on-board data source (docs/streaming.md, "Inputs from the board's
SDRAM"): a core that holds one replica's examples in its DATA region and
streams them to the first layer (neural_modelling/src/data_source), in
place of the live input fed over Ethernet. One application vertex, one
machine vertex; the host writes the examples once, at load time."""

from typing import List

import numpy as np

from pacman.model.graphs.application import ApplicationVertex
from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.partitioner_splitters import AbstractSplitterCommon
from pacman.model.resources import ConstantSDRAM
from spinn_front_end_common.abstract_models import (
    AbstractGeneratesDataSpecification, AbstractHasAssociatedBinary)
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.simulation.simulation_utilities import (
    get_simulation_header_array)
from spinn_front_end_common.utilities.utility_objs import ExecutableType

from ..packing import SYSTEM_REGION_BYTES, CapacityError
from ..wire_format import (
    BYTES_PER_WORD, FORWARD_PARTITION, KEYS_PER_VALUE, KeyTableEntry,
    encode_key_table, key_table_bytes, send_gap_us)

BINARY = "data_source.aplx"
#: Regions (data_source.c): SYSTEM, PARAMS, the output layer's key table,
#: the examples.
SYSTEM, PARAMS, OUTPUT_TABLE, DATA = range(4)
PARAMS_WORDS = 4
#: SDRAM a SpiN-5 chip offers applications (spinn_machine's Version5):
#: one data source's examples must fit one chip.
CHIP_SDRAM_BYTES = 123_469_792


def check_fits_chip(examples: np.ndarray, label: str) -> None:
    """A CapacityError naming the limit when a data source's examples do
    not fit one chip's SDRAM (before anything is mapped)."""
    needed = examples.size * BYTES_PER_WORD
    if needed > CHIP_SDRAM_BYTES - 4096:
        raise CapacityError(
            f"{label}: {len(examples)} examples of "
            f"{int(np.prod(examples.shape[1:]))} values "
            f"need {needed} B of SDRAM on the data source's chip, over the "
            f"{CHIP_SDRAM_BYTES - 4096} B a chip offers; predict fewer "
            f"examples per call, or use more replicas (each holds its "
            f"share)")


class DataSourceSplitter(AbstractSplitterCommon):
    """One core for the whole source."""

    def create_machine_vertices(self, chip_counter) -> None:
        vertex = self.governed_app_vertex
        machine_vertex = DataSourceMachineVertex(vertex)
        chip_counter.add_core(machine_vertex.sdram_required)
        vertex.remember_machine_vertex(machine_vertex)

    def _slices(self) -> List[Slice]:
        return [Slice(0, self.governed_app_vertex.n_atoms - 1)]

    def get_out_going_slices(self) -> List[Slice]:
        return self._slices()

    def get_in_coming_slices(self) -> List[Slice]:
        return self._slices()

    def get_out_going_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def get_in_coming_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def machine_vertices_for_recording(self, variable_to_record: str):
        return []

    def reset_called(self) -> None:
        pass


class DataSourceVertex(ApplicationVertex):
    """A replica's examples on the board. Atoms are keys, as the live
    input's: KEYS_PER_VALUE per input value."""

    def __init__(self, label: str, examples: np.ndarray):
        super().__init__(label=label, splitter=DataSourceSplitter())
        self.examples = np.ascontiguousarray(examples, dtype=np.float32)
        self.n_values = int(np.prod(self.examples.shape[1:]))
        #: the output layer whose packets say an example is out (set by
        #: the graph)
        self.output_vertex = None

    @property
    def n_atoms(self) -> int:
        return KEYS_PER_VALUE * self.n_values


class DataSourceMachineVertex(MachineVertex, AbstractHasAssociatedBinary,
                              AbstractGeneratesDataSpecification):
    """The data source's core."""

    def __init__(self, app_vertex: DataSourceVertex):
        super().__init__(app_vertex.label, app_vertex,
                         Slice(0, app_vertex.n_atoms - 1))

    def _output_cores(self):
        output = self.app_vertex.output_vertex
        return output.machine_vertices_in_slice_order()

    def region_sizes(self):
        return {SYSTEM: SYSTEM_REGION_BYTES,
                PARAMS: PARAMS_WORDS * BYTES_PER_WORD,
                OUTPUT_TABLE: key_table_bytes(len(
                    self.app_vertex.output_vertex.slices())),
                DATA: self.app_vertex.examples.size * BYTES_PER_WORD}

    @property
    def sdram_required(self) -> ConstantSDRAM:
        return ConstantSDRAM(sum(self.region_sizes().values()))

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        return self.app_vertex.n_atoms

    def get_binary_file_name(self) -> str:
        return BINARY

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.USES_SIMULATION_INTERFACE

    def generate_data_specification(self, spec, placement) -> None:
        vertex = self.app_vertex
        routing_infos = FecDataView.get_routing_infos()
        forward_key = routing_infos.get_info_from(
            self, FORWARD_PARTITION).key
        outputs = []
        for core in self._output_cores():
            info = routing_infos.get_info_from(core, FORWARD_PARTITION)
            outputs.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=core.vertex_slice.lo_atom,
                n_atoms=core.vertex_slice.n_atoms))
        params = np.array([len(vertex.examples), vertex.n_values,
                           forward_key, send_gap_us(1)], dtype=np.uint32)
        regions = [
            (SYSTEM, get_simulation_header_array(BINARY)),
            (PARAMS, params),
            (OUTPUT_TABLE, encode_key_table(outputs)),
            (DATA, vertex.examples.reshape(-1).view(np.uint32)),
        ]
        sizes = self.region_sizes()
        for region, words in regions:
            if not sizes[region]:
                continue        # no examples (a mapping report)
            spec.reserve_memory_region(region, sizes[region])
            spec.switch_write_focus(region)
            spec.write_array(words)
        spec.end_specification()
