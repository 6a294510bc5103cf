"""A model's layers as one application graph in one toolchain session."""

import os
from typing import Dict, List, Sequence, Tuple

from pacman.model.partitioner_splitters import SplitterFixedLegacy
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.utility_models import (
    ReverseIpTagMultiCastSource)
from spinn_front_end_common.utilities.utility_objs import (
    LivePacketGatherParameters)
from spinnman.messages.eieio import EIEIOType

from ..layers import Layer
from ..mapping import LayerMapping, Mapping
from ..packing import (
    CoreBudget, LayerSpec, NetworkPlan, check_fits_machine, plan_network)
from ..wire_format import (
    ACK_PARTITION, FORWARD_PARTITION, KEYS_PER_VALUE, LABELS_PARTITION,
    SOFTMAX_PARTITION, backward_partition, label_keys)
from .kinds import vertex_class
from .layer_vertex import LayerVertex

#: Where the programs' binaries are (``make -C neural_modelling``).
BINARY_FOLDER = os.path.join(os.path.dirname(os.path.dirname(__file__)),
                             "model_binaries")
#: Label of the live packet gatherer that returns the outputs.
OUTPUT_LABEL = "spinndl_output"
#: Default UDP port the gatherer sends results to on the host.
OUTPUT_PORT = 17896
#: Label of the training label source.
LABELS_LABEL = "spinndl_labels"


def machine_budget() -> CoreBudget:
    version = FecDataView.get_machine_version()
    return CoreBudget.for_machine(
        dtcm_bytes=version.dtcm_bytes,
        max_sdram_per_chip=version.max_sdram_per_chip,
        max_cores_per_chip=version.max_cores_per_chip,
        monitor_cores_per_chip=version.n_scamp_cores)


def layer_specs(layers: Sequence[Layer]) -> List[LayerSpec]:
    """What packing needs of each layer after the input."""
    return [LayerSpec(layer.name, layer.kind, layer.n_atoms, layer.n_inputs,
                      vertex_class(layer.kind).cost_model(layer))
            for layer in layers[1:]]


def check_capacity(session, layers: Sequence[Layer],
                   training_config=None) -> NetworkPlan:
    """Every limit of the model on the session's machine, from the packing
    maths alone: a CapacityError naming the layer, the numbers and what to
    change, before anything is mapped."""
    slots = training_config.optimizer_slots if training_config else 0
    plan = plan_network(layer_specs(layers), training_config is not None,
                        slots, machine_budget())
    capacity = session.capacity()
    if capacity is None:
        return plan             # a real machine: its placer checks
    available, boards, machine = capacity
    if plan.cores_on(boards) > available:
        check_fits_machine(plan, available, machine, boards,
                           session.boards_needed(plan.cores_on))
    return plan


def check_numerics(layers: Sequence[Layer], numerics=None):
    """The resolved spinndl.numerics format for the layers, or a
    ValueError naming the layer that cannot run in it."""
    from ..numerics import FLOAT, resolve
    numerics = resolve(numerics or FLOAT)
    if numerics.binary_suffix:
        for layer in layers[1:]:
            if not vertex_class(layer.kind).FIXED_POINT:
                raise ValueError(
                    f"layer {layer.name!r} ({type(layer).__name__}): "
                    f"numerics={numerics.name!r} is not available for this "
                    f"layer kind yet (docs/numerics.md); use "
                    f"numerics='float'")
        numerics.check_weights(layers[1:])
    return numerics


class NetworkGraph:
    """The input source, one vertex per layer, forward edges between them,
    and a live packet gatherer on the output layer."""

    def __init__(self, session, layers: Sequence[Layer],
                 training_config=None, output_port: int = OUTPUT_PORT,
                 numerics=None):
        """session: a spinndl.backend.toolchain.ToolchainSession;
        training_config: a spinndl.training.config.TrainingConfig for
        the training layout (docs/training.md), None for inference.
        numerics: spinndl.numerics' FLOAT (default) or FIXED, the number
        format of the cores; a kind without fixed-point programs, or
        weights outside the fixed range, are errors here, before mapping.
        Checks the model's capacity first (check_capacity)."""
        self.layers = list(layers)
        self.numerics = check_numerics(self.layers, numerics)
        self.training = training_config is not None
        self.virtual = session.virtual
        self.session = session
        #: every layer's packing, as planned before mapping
        self.plan = check_capacity(session, self.layers, training_config)
        #: wall time of the toolchain's mapping (set by mapped_network)
        self.mapping_seconds = 0.0
        budget = machine_budget()
        # The toolchain would give the sources this splitter while mapping;
        # setting it now lets the layers' packing count their slices.
        # KEYS_PER_VALUE keys per value: one per example slot (docs/streaming.md).
        self.input_vertex = ReverseIpTagMultiCastSource(
            n_keys=KEYS_PER_VALUE * self.layers[0].n_atoms,
            label=self.layers[0].name,
            splitter=SplitterFixedLegacy())
        self.layer_vertices: List[LayerVertex] = [
            vertex_class(layer.kind)(layer, budget, training_config)
            for layer in self.layers[1:]]
        for vertex in self.layer_vertices:
            vertex.numerics = self.numerics
        for before, after in zip(self.layer_vertices,
                                 self.layer_vertices[1:]):
            before.next, after.previous = after, before
        previous = self.input_vertex
        session.add_vertex(previous)
        for vertex in self.layer_vertices:
            session.add_vertex(vertex)
            session.add_edge(previous, vertex, FORWARD_PARTITION)
            if getattr(vertex.layer, "activation", None) == "softmax":
                # every core of the layer shares its statistics with all
                session.add_edge(vertex, vertex, SOFTMAX_PARTITION)
            previous = vertex
        gatherer = LivePacketGatherParameters(
            port=output_port, hostname="localhost",
            message_type=EIEIOType.KEY_PAYLOAD_32_BIT,
            use_payload_prefix=False, payload_as_time_stamps=False,
            label=OUTPUT_LABEL)
        FecDataView.add_live_packet_gatherer_parameters(
            gatherer, previous, [FORWARD_PARTITION])
        self.labels_vertex = None
        if self.training:
            self._add_training_parts(session, gatherer)

    def _add_training_parts(self, session,
                            gatherer: LivePacketGatherParameters) -> None:
        """The label source, the backward partitions (one per slice of the
        receiving layer) and the first layer's acks."""
        output = self.layer_vertices[-1]
        self.labels_vertex = ReverseIpTagMultiCastSource(
            n_keys=KEYS_PER_VALUE * label_keys(
                output.training_config.loss_code, output.n_atoms,
                output.training_config.sample_weights),
            label=LABELS_LABEL,
            splitter=SplitterFixedLegacy())
        session.add_vertex(self.labels_vertex)
        session.add_edge(self.labels_vertex, output, LABELS_PARTITION)
        for vertex in self.layer_vertices[1:]:
            target = vertex.previous
            for index in range(len(target.splitter.get_in_coming_slices())):
                session.add_edge(vertex, target, backward_partition(index))
        FecDataView.add_live_packet_gatherer_parameters(
            gatherer, self.layer_vertices[0], [ACK_PARTITION])

    @property
    def input_label(self) -> str:
        return self.input_vertex.label

    @property
    def output_layer_label(self) -> str:
        return self.layer_vertices[-1].label

    @property
    def first_layer_label(self) -> str:
        return self.layer_vertices[0].label

    @property
    def source_vertices(self):
        """The live sources: the input, and the labels when training."""
        return [self.input_vertex] + (
            [self.labels_vertex] if self.labels_vertex is not None else [])

    def report(self) -> Mapping:
        """The figures of what the toolchain placed (call after map)."""
        routing_infos = FecDataView.get_routing_infos()

        def placed(app_vertex, kind, layer, dtcm):
            machine_vertices = sorted(app_vertex.machine_vertices,
                                      key=lambda v: v.vertex_slice.lo_atom)
            infos = [routing_infos.get_info_from(v, FORWARD_PARTITION)
                     for v in machine_vertices
                     if routing_infos.has_info_from(v, FORWARD_PARTITION)]
            keys = [(info.key, info.mask) for info in infos]
            placements = [FecDataView.get_placement_of_vertex(v)
                          for v in machine_vertices]
            return LayerMapping(
                name=layer.name if layer else app_vertex.label, kind=kind,
                output_shape=layer.output_shape if layer else (),
                params=layer.count_params() if layer else 0,
                atoms=(app_vertex.n_atoms if isinstance(app_vertex,
                                                        LayerVertex)
                       else app_vertex.n_atoms // KEYS_PER_VALUE
                       if app_vertex in self.source_vertices
                       else app_vertex.n_atoms),
                cores=len(machine_vertices),
                atoms_per_core=max(v.vertex_slice.n_atoms
                                   for v in machine_vertices),
                dtcm_bytes_per_core=dtcm(machine_vertices),
                sdram_bytes_per_core=max(
                    v.sdram_required.get_total_sdram(
                        FecDataView.get_max_run_time_steps())
                    for v in machine_vertices),
                keys=keys,
                placements=[(p.x, p.y, p.p) for p in placements])

        layers = [placed(self.input_vertex, "input", self.layers[0],
                         lambda _: None)]
        for vertex in self.layer_vertices:
            layers.append(placed(
                vertex, vertex.layer.kind, vertex.layer,
                lambda mvs: max(v.cost.dtcm_bytes for v in mvs)))
        gatherer = self.output_gatherer()
        output = placed(gatherer, "live packet gatherer", None,
                        lambda _: None)
        labels = [] if self.labels_vertex is None else [
            placed(self.labels_vertex, "label source", None, lambda _: None)]
        chips = {(x, y) for layer in layers + [output] + labels
                 for x, y, _ in layer.placements}
        machine = self.session.describe_mapped_machine()
        ours = {id(vertex) for vertex in
                self.source_vertices + self.layer_vertices + [gatherer]}
        return Mapping(training=self.training, machine=machine,
                       layers=layers, output=output, chips=len(chips),
                       mapping_seconds=self.mapping_seconds,
                       label_source=labels[0] if labels else None,
                       machine_chips=[(chip.x, chip.y, chip.n_processors)
                                      for chip in FecDataView.get_machine(
                                          ).chips],
                       toolchain_cores=self._toolchain_cores(ours))

    @staticmethod
    def _toolchain_cores(ours) -> Dict[Tuple[int, int, int], str]:
        """Each chip's monitor cores and every placed vertex that is not
        one of this graph's (the toolchain's support cores)."""
        cores = {(chip.x, chip.y, p): "monitor"
                 for chip in FecDataView.get_machine().chips
                 for p in chip.scamp_processors_ids}
        for placement in FecDataView.iterate_placemements():
            app_vertex = placement.vertex.app_vertex
            if app_vertex is None or id(app_vertex) not in ours:
                cores[(placement.x, placement.y, placement.p)] = type(
                    placement.vertex).__name__
        return cores

    @staticmethod
    def output_gatherer():
        for placement in FecDataView.iterate_placemements():
            app_vertex = placement.vertex.app_vertex
            if app_vertex is not None and app_vertex.label and \
                    OUTPUT_LABEL in app_vertex.label:
                return app_vertex
        raise LookupError("the output live packet gatherer was not placed")
