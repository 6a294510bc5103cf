"""The application vertex of a layer."""

from typing import List, Optional

from pacman.model.graphs.application import (
    ApplicationEdge, ApplicationEdgePartition, ApplicationVertex)
from pacman.model.graphs.common import Slice

from ..layers import Layer
from ..packing import CoreBudget, CoreCost
from ..wire_format import FORWARD_PARTITION, LABELS_PARTITION
from .layer_splitter import LayerSplitter


class LayerVertex(ApplicationVertex):
    """One layer on the machine. Its atoms are the layer's; its splitter
    (the only place that decides machine vertices) packs them onto cores.

    Subclasses, one per layer kind, say what a core costs and which machine
    vertex holds a slice.
    """

    def __init__(self, layer: Layer, budget: CoreBudget,
                 training_config=None):
        super().__init__(label=layer.name, splitter=LayerSplitter())
        self.layer = layer
        self.budget = budget
        #: spinndl.training.config.TrainingConfig, or None for inference
        self.training_config = training_config
        #: the neighbouring layer vertices (None at the ends), set by the
        #: graph: training sends errors back to the previous layer
        self.previous: Optional["LayerVertex"] = None
        self.next: Optional["LayerVertex"] = None
        self._forward_sources: List[ApplicationVertex] = []
        self._label_sources: List[ApplicationVertex] = []

    @property
    def training(self) -> bool:
        return self.training_config is not None

    @property
    def n_atoms(self) -> int:
        return self.layer.n_atoms

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
        """Machine vertices that send this layer its inputs: one key table
        row each."""
        return sum(len(source.splitter.get_out_going_slices())
                   for source in self._forward_sources)

    def cost_of(self, n_atoms: int) -> CoreCost:
        """DTCM and SDRAM a core needs to hold n_atoms of this layer."""
        raise NotImplementedError

    def create_machine_vertex(self, vertex_slice: Slice, cost: CoreCost):
        raise NotImplementedError
