"""The splitter of every layer vertex: packs atoms onto cores."""

from typing import List, Optional

from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.partitioner_splitters import AbstractSplitterCommon
from pacman.utilities.utility_objs import ChipCounter

from ..packing import LayerPacking, pack
from ..wire_format import BACKWARD_PARTITION_PREFIX, backward_target_slice


class LayerSplitter(AbstractSplitterCommon):
    """Slices a layer into the fewest contiguous, near-equal slices whose
    cores fit the budget (``spinndl.packing``), one machine vertex each.
    Every machine vertex of a layer sends to and receives from every
    machine vertex of its neighbours (dense connectivity)."""

    def __init__(self) -> None:
        super().__init__()
        self._packing: Optional[LayerPacking] = None

    @property
    def packing(self) -> LayerPacking:
        if self._packing is None:
            vertex = self.governed_app_vertex
            self._packing = pack(vertex.n_atoms, vertex.cost_of,
                                 vertex.budget, vertex.label)
        return self._packing

    def _slices(self) -> List[Slice]:
        return [Slice(lo, hi - 1) for lo, hi in self.packing.slices]

    def create_machine_vertices(self, chip_counter: ChipCounter) -> None:
        vertex = self.governed_app_vertex
        for vertex_slice in self._slices():
            cost = vertex.cost_of(vertex_slice.n_atoms)
            machine_vertex = vertex.create_machine_vertex(vertex_slice, cost)
            chip_counter.add_core(machine_vertex.sdram_required)
            vertex.remember_machine_vertex(machine_vertex)

    def get_out_going_slices(self) -> List[Slice]:
        return self._slices()

    def get_in_coming_slices(self) -> List[Slice]:
        return self._slices()

    def get_out_going_vertices(self, partition_id: str
                               ) -> List[MachineVertex]:
        return list(self.governed_app_vertex.machine_vertices)

    def get_in_coming_vertices(self, partition_id: str
                               ) -> List[MachineVertex]:
        vertices = self.machine_vertices_in_slice_order()
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            return [vertices[backward_target_slice(partition_id)]]
        return vertices

    def get_source_specific_in_coming_vertices(self, source_vertex,
                                               partition_id: str):
        """A backward:s partition reaches slice s only, from every core of
        the source layer (so no core receives errors it would discard)."""
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            target = self.get_in_coming_vertices(partition_id)[0]
            return [(target, list(source_vertex.splitter
                                  .get_out_going_vertices(partition_id)))]
        return super().get_source_specific_in_coming_vertices(
            source_vertex, partition_id)

    def machine_vertices_in_slice_order(self) -> List[MachineVertex]:
        return sorted(self.governed_app_vertex.machine_vertices,
                      key=lambda vertex: vertex.vertex_slice.lo_atom)

    def machine_vertices_for_recording(self, variable_to_record: str
                                       ) -> List[MachineVertex]:
        return []

    def reset_called(self) -> None:
        self._packing = None
