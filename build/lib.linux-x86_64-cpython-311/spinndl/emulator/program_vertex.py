"""A graph vertex for small C programs with a word-list CONFIG region and a
RESULT region: the emulator's own test programs
(neural_modelling/test_programs/<name>/) and its benchmark use it.

Region 0 CONFIG holds words from a per-core function (which may use the
toolchain's routing keys); region 1 RESULT is reserved zero-filled and
written by the program. One core per group of atoms_per_core atoms; the
"out" partition reaches every core of the target vertex.
"""

import struct
from typing import Callable, List, Optional, Sequence

from pacman.model.graphs.application import ApplicationVertex
from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.partitioner_splitters import AbstractSplitterCommon
from pacman.model.resources import ConstantSDRAM
from spinn_front_end_common.abstract_models import (
    AbstractGeneratesDataSpecification, AbstractHasAssociatedBinary)
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.utilities.utility_objs import ExecutableType

CONFIG_REGION = 0
RESULT_REGION = 1
#: Outgoing partition of every test program vertex.
PARTITION = "out"
# Room for the data-spec header and region table besides the regions.
_SDRAM_OVERHEAD = 1024

ConfigFunction = Callable[["ProgramMachineVertex"], Sequence[int]]


def own_key(vertex: "ProgramMachineVertex") -> int:
    """The routing key the toolchain allocated to this core's partition."""
    return FecDataView.get_routing_infos().get_info_from(
        vertex, PARTITION).key


class ProgramMachineVertex(
        MachineVertex, AbstractHasAssociatedBinary,
        AbstractGeneratesDataSpecification):
    """One core running a test program."""

    @property
    def program_vertex(self) -> "ProgramVertex":
        vertex = self.app_vertex
        assert isinstance(vertex, ProgramVertex)
        return vertex

    @property
    def sdram_required(self) -> ConstantSDRAM:
        vertex = self.program_vertex
        return ConstantSDRAM(_SDRAM_OVERHEAD + 4 * (
            vertex.max_config_words + vertex.result_words))

    def get_binary_file_name(self) -> str:
        return self.program_vertex.binary

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.SYNC

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        return self.vertex_slice.n_atoms

    def generate_data_specification(self, spec, placement) -> None:
        vertex = self.program_vertex
        words = [int(word) & 0xFFFFFFFF for word in vertex.config(self)]
        if len(words) > vertex.max_config_words:
            raise ValueError(f"{len(words)} config words for {self.label}, "
                             f"{vertex.max_config_words} reserved")
        spec.reserve_memory_region(CONFIG_REGION, 4 * max(1, len(words)),
                                   label="config")
        spec.reserve_memory_region(RESULT_REGION, 4 * vertex.result_words,
                                   label="result")
        spec.switch_write_focus(CONFIG_REGION)
        spec.write_array(words or [0])
        spec.end_specification()


class _OneCorePerGroup(AbstractSplitterCommon):
    """Atoms split into groups of atoms_per_core, one core each; every
    source core reaches every target core."""

    def __init__(self, atoms_per_core: int):
        super().__init__()
        self._atoms_per_core = atoms_per_core

    def _slices(self) -> List[Slice]:
        n_atoms = self.governed_app_vertex.n_atoms
        return [Slice(lo, min(lo + self._atoms_per_core, n_atoms) - 1)
                for lo in range(0, n_atoms, self._atoms_per_core)]

    def create_machine_vertices(self, chip_counter) -> None:
        vertex = self.governed_app_vertex
        for vertex_slice in self._slices():
            machine_vertex = ProgramMachineVertex(
                f"{vertex.label}{vertex_slice}", vertex, vertex_slice)
            if vertex.chip is not None:
                machine_vertex.set_fixed_location(*vertex.chip)
            chip_counter.add_core(machine_vertex.sdram_required)
            vertex.remember_machine_vertex(machine_vertex)

    def get_out_going_slices(self) -> List[Slice]:
        return self._slices()

    def get_in_coming_slices(self) -> List[Slice]:
        return self._slices()

    def get_out_going_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def get_in_coming_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def machine_vertices_for_recording(self, variable_to_record):
        return []

    def reset_called(self) -> None:
        pass


class ProgramVertex(ApplicationVertex):
    """An application vertex whose cores run one test program."""

    def __init__(self, label: str, binary: str, config: ConfigFunction,
                 result_words: int, n_atoms: int = 1,
                 atoms_per_core: int = 1, max_config_words: int = 64,
                 chip: Optional[tuple] = None):
        super().__init__(label=label,
                         splitter=_OneCorePerGroup(atoms_per_core))
        self._n_atoms = n_atoms
        self.binary = binary
        self.config = config
        self.result_words = result_words
        self.max_config_words = max_config_words
        #: (x, y) the cores must be placed on, or None to let the placer
        self.chip = chip

    @property
    def n_atoms(self) -> int:
        return self._n_atoms


def result_words(data: bytes) -> List[int]:
    """A RESULT region as little-endian 32-bit words."""
    return list(struct.unpack(f"<{len(data) // 4}I", data[:len(data) // 4 * 4]))
