"""The splitter of every layer vertex: packs atoms onto cores."""

from typing import List, Optional

from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.partitioner_splitters import AbstractSplitterCommon
from pacman.utilities.utility_objs import ChipCounter

from ..packing import LayerPacking, pack
from ..wire_format import (
    BACKWARD_PARTITION_PREFIX, FORWARD_PARTITION, GRADIENT_PARTITIONS,
    backward_target_slice)


class LayerSplitter(AbstractSplitterCommon):
    """Slices a layer into the fewest contiguous, near-equal slices whose
    cores fit the budget (``spinndl.packing``), one machine vertex each.
    Which machine vertices of the neighbours each one exchanges packets
    with is the layer kind's connectivity (graph/connectivity.py)."""

    def __init__(self) -> None:
        super().__init__()
        self._packing: Optional[LayerPacking] = None

    @property
    def packing(self) -> LayerPacking:
        if self._packing is None:
            vertex = self.governed_app_vertex
            self._packing = pack(vertex.n_atoms, vertex.cost_of,
                                 vertex.budget, vertex.label,
                                 vertex.max_atoms_per_core)
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
        """A backward:s partition leaves only the cores the layer's
        connectivity links to slice s of the previous layer."""
        vertices = list(self.governed_app_vertex.machine_vertices)
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            vertex = self.governed_app_vertex
            in_order = self.machine_vertices_in_slice_order()
            linked = {in_order[link.target] for link in
                      vertex.links_from(
                          vertex.previous.slices(), vertex.slices(),
                          backward_target_slice(partition_id))}
            return [v for v in vertices if v in linked]
        return vertices

    def get_in_coming_vertices(self, partition_id: str
                               ) -> List[MachineVertex]:
        vertices = self.machine_vertices_in_slice_order()
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            return [vertices[backward_target_slice(partition_id)]]
        return vertices

    def get_source_specific_in_coming_vertices(self, source_vertex,
                                               partition_id: str):
        """Each core gets the packets of the cores the connectivity links
        it with: forward, this layer's connectivity (sources: the previous
        layer's cores); a backward:s partition reaches slice s only, from
        the next layer's cores linked with it (the next layer's
        connectivity), so no core receives values it would discard."""
        vertex = self.governed_app_vertex
        if partition_id in GRADIENT_PARTITIONS:
            # replicas: each core with the same slice of the peer replica
            sources = source_vertex.splitter.machine_vertices_in_slice_order()
            return [(target, [source]) for target, source in zip(
                self.machine_vertices_in_slice_order(), sources)]
        if partition_id.startswith(BACKWARD_PARTITION_PREFIX):
            target = self.get_in_coming_vertices(partition_id)[0]
            return [(target, list(source_vertex.splitter
                                  .get_out_going_vertices(partition_id)))]
        if partition_id == FORWARD_PARTITION:
            cores = vertex.source_cores()
            sources = [s for _, s in cores]
            own = {id(core) for core, _ in cores
                   if core.app_vertex is source_vertex}
            targets = []
            for index, target in enumerate(
                    self.machine_vertices_in_slice_order()):
                linked = [cores[link.source][0] for link in
                          vertex.links_into(
                              sources, vertex.slices(), index)
                          if id(cores[link.source][0]) in own]
                # every core of the source: route it as the whole vertex
                targets.append((target, [source_vertex] if len(linked)
                                == len(own) else linked))
            return targets
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
