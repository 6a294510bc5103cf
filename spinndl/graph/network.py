"""A model's layers as one application graph in one toolchain session."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

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
    CapacityError, CoreBudget, LayerSpec, NetworkPlan, check_fits_machine,
    plan_network)
from ..throughput import (
    Layout, ThroughputPlan, examples_per_second, plan_throughput,
    work_costs)
from ..wire_format import (
    ACK_PARTITION, FORWARD_PARTITION, GRADIENT_CHAIN_PARTITION,
    GRADIENT_READY_PARTITION,
    UPDATED_PARTITION,
    LABELS_PARTITION, REDUCE_PARTITION, REDUCE_TOTAL_PARTITION,
    SOFTMAX_PARTITION, backward_partition, label_keys)
from .data_source import (
    BoardExamples, DataSourceVertex, check_fits_chip)
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


#: Layer kinds that take no core: a Flatten renumbers values, and window
#: layers already send theirs in Flatten's order (docs/conv.md).
NO_CORE_KINDS = ("flatten",)


def core_layers(layers: Sequence[Layer]) -> List[Layer]:
    """The layers after the input that run on cores."""
    return [layer for layer in layers[1:] if layer.kind not in NO_CORE_KINDS]


def layer_specs(layers: Sequence[Layer]) -> List[LayerSpec]:
    """What packing needs of each layer after the input."""
    return [LayerSpec(layer.name, layer.kind, layer.n_atoms, layer.n_inputs,
                      vertex_class(layer.kind).cost_model(layer))
            for layer in core_layers(layers)]


def check_capacity(session, layers: Sequence[Layer],
                   training_config=None,
                   examples_in_flight: int = 2) -> NetworkPlan:
    """Every limit of the model on the session's machine, from the packing
    maths alone, with ``examples_in_flight`` slots per core: a
    CapacityError naming the layer, the numbers and what to change, before
    anything is mapped."""
    slots = training_config.optimizer_slots if training_config else 0
    plan = plan_network(layer_specs(layers), training_config is not None,
                        slots, machine_budget(),
                        examples_in_flight=examples_in_flight)
    capacity = session.capacity()
    if capacity is None:
        return plan             # a real machine: its placer checks
    available, boards, machine = capacity
    if plan.cores_on(boards) > available:
        check_fits_machine(plan, available, machine, boards,
                           session.boards_needed(plan.cores_on))
    return plan


def training_replicas_limit(n_examples: int, batch_size: int) -> int:
    """The most replicas fit can deal every batch to (each gets at least
    one example of every batch): the smallest batch of an epoch."""
    last = n_examples % batch_size
    return min(batch_size, n_examples, last or batch_size)


def check_numerics(layers: Sequence[Layer], numerics=None):
    """The resolved spinndl.numerics format for the layers, or a
    ValueError naming the layer that cannot run in it."""
    from ..numerics import FLOAT, resolve
    numerics = resolve(numerics or FLOAT)
    if numerics.binary_suffix:
        for layer in core_layers(layers):
            if not vertex_class(layer.kind).FIXED_POINT:
                raise ValueError(
                    f"layer {layer.name!r} ({type(layer).__name__}): "
                    f"numerics={numerics.name!r} is not available for this "
                    f"layer kind yet (docs/numerics.md); use "
                    f"numerics='float'")
        numerics.check_weights(core_layers(layers))
    return numerics

def choose_layout(session, layers: Sequence[Layer], training_config=None,
                  layout: Layout = Layout(),
                  numerics_name: str = "float") -> ThroughputPlan:
    """The plan of one replica, the replica count, the atoms-per-core caps
    the objective asks for and the examples in flight, every limit checked
    before mapping; the work model counts the cycles of ``numerics_name``'s
    kernels. Unless the layout names it, the examples in flight are the
    most that fit (docs/streaming.md, "How many in flight"): 4, else 2;
    under "cores" 4 only where they take no more cores than 2."""
    choices = layout.examples_in_flight_choices()
    if training_config is not None and layout.data_source == "host" \
            and layout.examples_in_flight is None:
        # The host's live input sends each message's packets a microsecond
        # apart, unpaced: a first-layer core that takes it is near its
        # limit while partial errors arrive. With four examples out, their
        # inputs met the first examples' partial errors and the router
        # dropped them (784-512-512-10 fixed point, 5 replicas); with two,
        # none did. The board's data source paces itself.
        choices = tuple(n for n in choices if n <= 2)
    fewest = None
    if layout.objective == "cores" and len(choices) > 1:
        # the fewest cores come first: the fewest slots' plan
        fewest = check_capacity(session, layers, training_config,
                                choices[-1])
        if fewest is None:      # a test bypassed the check: no comparison
            choices = choices[-1:]
    for index, examples_in_flight in enumerate(choices):
        last = index == len(choices) - 1
        try:
            chosen = _choose_layout(session, layers, training_config,
                                    layout, numerics_name,
                                    examples_in_flight)
        except CapacityError:
            if last:
                raise
            continue
        if last or fewest is None or chosen.network.cores <= fewest.cores:
            return chosen
    raise AssertionError("unreachable: the last choice returns or raises")


def _choose_layout(session, layers, training_config, layout, numerics_name,
                   examples_in_flight: int) -> ThroughputPlan:
    costs = work_costs(numerics_name)
    plan = check_capacity(session, layers, training_config,
                          examples_in_flight)
    training = training_config is not None
    slots = training_config.optimizer_slots if training else 0
    batch = training_config.batch_size if training else 32
    replicas = layout.replicas
    most = None
    if training:
        most = training_replicas_limit(training_config.n_examples, batch)
        shared = [layer for layer in core_layers(layers)
                  if vertex_class(layer.kind).SHARES_PARAMETERS
                  and layer.count_params()]
        if shared:
            # the replicas' gradient exchange does not yet follow the
            # kernel reduction over a layer's cores (docs/conv.md)
            if replicas is not None and replicas > 1:
                raise CapacityError(
                    f"replicas={replicas}: layer {shared[0].name!r} "
                    f"({type(shared[0]).__name__}) shares its kernel over "
                    f"its cores, and fit cannot yet combine such layers' "
                    f"gradients across replicas; use replicas=1 to train "
                    f"(predict and evaluate can use replicas)")
            most = 1
        if replicas is not None and replicas > most:
            raise CapacityError(
                f"replicas={replicas}: fit deals every batch's examples "
                f"round the replicas, and each needs at least one; with "
                f"{training_config.n_examples} examples in batches of "
                f"{batch} the smallest batch has {most}; use at most "
                f"{most} replicas or larger batches")
    if layout.objective == "cores":
        # check_capacity's plan is the densest (None only when a test
        # bypasses the check to reach the splitters' own)
        chosen = ThroughputPlan(
            "cores", plan, replicas or 1, (None,) * len(core_layers(layers)),
            None if plan is None else examples_per_second(
                plan, replicas or 1, batch, slots, costs),
            examples_in_flight)
    else:
        # a real machine: its nominal size (its placer checks the rest)
        available, boards, machine_name = \
            session.capacity() or session.nominal_capacity()
        chosen = plan_throughput(
            layer_specs(layers), available, boards, training, slots, batch,
            machine_budget(), replicas, machine=machine_name,
            max_replicas=most, host_streamed=layout.data_source == "host",
            costs=costs, examples_in_flight=examples_in_flight)
    capacity = session.capacity()
    if capacity is not None and chosen.replicas > 1:
        available, boards, machine_name = capacity
        if chosen.cores_on(boards) > available:
            raise CapacityError(
                f"{chosen.replicas} replicas of {chosen.replica_cores} "
                f"application cores each ({plan.breakdown(boards)}) need "
                f"{chosen.cores_on(boards)} cores but {machine_name} has "
                f"{available}; ask for fewer replicas")
    return chosen


@dataclass
class Replica:
    """One copy of the network: its input source, layer vertices and
    (training) label source. Replica 0's vertices carry the layers' names,
    replica r's add ".replica<r>"."""
    index: int
    training: bool
    input_vertex: ReverseIpTagMultiCastSource
    layer_vertices: List[LayerVertex] = field(default_factory=list)
    labels_vertex: Optional[ReverseIpTagMultiCastSource] = None

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
        return [self.input_vertex] + (
            [self.labels_vertex] if self.labels_vertex is not None else [])


def replica_label(name: str, replica: int) -> str:
    """The label of a layer's vertex in replica ``replica``."""
    return name if replica == 0 else f"{name}.replica{replica}"


class NetworkGraph:
    """The input source, one vertex per layer, forward edges between them,
    and a live packet gatherer on the output layer."""

    def __init__(self, session, layers: Sequence[Layer],
                 training_config=None, output_port: int = OUTPUT_PORT,
                 numerics=None, layout: Optional[Layout] = None,
                 board_inputs=None):
        """session: a spinndl.backend.toolchain.ToolchainSession;
        training_config: a spinndl.training.config.TrainingConfig for
        the training layout (docs/training.md), None for inference;
        numerics: spinndl.numerics' FLOAT (default) or FIXED, the number
        format of the cores; a kind without fixed-point programs, or
        weights outside the fixed range, are errors here, before mapping;
        layout: the mapping objective and replicas (default: "cores", one
        copy); board_inputs: with layout.data_source "board", the
        examples (n, *input shape), dealt round the replicas' data source
        cores (example i to replica i % R). Checks the model's capacity
        first (choose_layout)."""
        self.layers = list(layers)
        self.numerics = check_numerics(self.layers, numerics)
        self.training = training_config is not None
        self.virtual = session.virtual
        self.session = session
        self.layout = layout or Layout()
        #: what the objective chose: replicas, caps, predicted rate
        self.choice = choose_layout(session, self.layers, training_config,
                                    self.layout, self.numerics.name)
        #: every layer's packing (of one replica), as planned before mapping
        self.plan = self.choice.network
        #: example slots per core: keys per value, buffers, the host's
        #: window (docs/streaming.md, "How many in flight")
        self.examples_in_flight = self.choice.examples_in_flight
        #: wall time of the toolchain's mapping (set by mapped_network)
        self.mapping_seconds = 0.0
        budget = machine_budget()
        self.gatherer = LivePacketGatherParameters(
            port=output_port, hostname="localhost",
            message_type=EIEIOType.KEY_PAYLOAD_32_BIT,
            use_payload_prefix=False, payload_as_time_stamps=False,
            label=OUTPUT_LABEL)
        if isinstance(board_inputs, np.ndarray):
            board_inputs = BoardExamples(board_inputs)
        self.board_inputs = board_inputs
        if (board_inputs is None) != (self.layout.data_source == "host"):
            raise ValueError("board_inputs are needed exactly when "
                             "data_source is 'board'")
        #: each replica's data source's examples (and labels, in fit)
        self.board_data = None
        if board_inputs is not None:
            self.board_data = board_inputs.deal(self.choice.replicas)
            for index, data in enumerate(self.board_data):
                check_fits_chip(data, f"data source of replica {index}")
        self.replicas: List[Replica] = [
            self._add_replica(session, index, training_config, budget)
            for index in range(self.choice.replicas)]
        if self.training and len(self.replicas) > 1:
            self._add_gradient_exchange(session)
        first = self.replicas[0]
        self.input_vertex = first.input_vertex
        self.layer_vertices: List[LayerVertex] = first.layer_vertices
        self.labels_vertex = first.labels_vertex

    def _add_replica(self, session, index: int, training_config,
                     budget: CoreBudget) -> Replica:
        """One copy of the network: input source, layers, forward edges,
        the gatherer on its output layer (and its training parts)."""
        # The toolchain would give the sources this splitter while mapping;
        # setting it now lets the layers' packing count their slices.
        # A key per value and example slot (docs/streaming.md).
        label = replica_label(self.layers[0].name, index)
        if self.board_data is not None:
            source = DataSourceVertex(
                label, self.board_data[index], self._label_values(
                    training_config) if self.training else 0,
                self.examples_in_flight)
            source.forward_pairs = self.numerics.packs_forward_pairs
        else:
            source = ReverseIpTagMultiCastSource(
                n_keys=self.examples_in_flight * self.layers[0].n_atoms,
                label=label, splitter=SplitterFixedLegacy())
        replica = Replica(index, self.training, source)
        for layer, cap in zip(core_layers(self.layers),
                              self.choice.max_atoms):
            vertex = vertex_class(layer.kind)(layer, budget, training_config)
            vertex.numerics = self.numerics
            vertex.examples_in_flight = self.examples_in_flight
            if index:
                vertex.set_label(replica_label(layer.name, index))
            vertex.max_atoms_per_core = cap
            replica.layer_vertices.append(vertex)
        for before, after in zip(replica.layer_vertices,
                                 replica.layer_vertices[1:]):
            before.next, after.previous = after, before
        previous = replica.input_vertex
        session.add_vertex(previous)
        for vertex in replica.layer_vertices:
            session.add_vertex(vertex)
            session.add_edge(previous, vertex, FORWARD_PARTITION)
            if getattr(vertex.layer, "activation", None) == "softmax":
                # every core of the layer shares its statistics with all
                session.add_edge(vertex, vertex, SOFTMAX_PARTITION)
            previous = vertex
        FecDataView.add_live_packet_gatherer_parameters(
            self.gatherer, previous, [FORWARD_PARTITION])
        if self.board_data is not None and not self.training:
            # the source sends on as the outputs of its examples come out
            replica.input_vertex.output_vertex = previous
            session.add_edge(previous, replica.input_vertex,
                             FORWARD_PARTITION)
        if self.training:
            self._add_training_parts(session, replica)
        return replica

    def _label_values(self, training_config) -> int:
        """Label words per example the output layer takes."""
        return label_keys(training_config.loss_code,
                          self.layers[-1].n_values,
                          training_config.sample_weights)

    def _add_training_parts(self, session, replica: Replica) -> None:
        """The label source, the backward partitions (one per slice of the
        receiving layer) and the first layer's acks."""
        output = replica.layer_vertices[-1]
        first = replica.layer_vertices[0]
        if self.board_data is not None:
            # the data source sends the labels and paces itself by the acks
            source = replica.input_vertex
            source.first_vertex = first
            session.add_edge(source, output, LABELS_PARTITION)
            session.add_edge(first, source, ACK_PARTITION)
        else:
            replica.labels_vertex = self._label_source(replica, output)
        for vertex in replica.layer_vertices[1:]:
            target = vertex.previous
            for index in range(len(target.splitter.get_in_coming_slices())):
                session.add_edge(vertex, target, backward_partition(index))
        for vertex in replica.layer_vertices:
            if vertex.reduces():
                session.add_edge(vertex, vertex, REDUCE_PARTITION)
                session.add_edge(vertex, vertex, REDUCE_TOTAL_PARTITION)
        FecDataView.add_live_packet_gatherer_parameters(
            self.gatherer, first, [ACK_PARTITION])

    def _label_source(self, replica: Replica, output) -> \
            ReverseIpTagMultiCastSource:
        """The live label source of a host-streamed fit."""
        session = self.session
        labels_vertex = ReverseIpTagMultiCastSource(
            n_keys=self.examples_in_flight * label_keys(
                output.training_config.loss_code, output.n_values,
                output.training_config.sample_weights),
            label=replica_label(LABELS_LABEL, replica.index),
            splitter=SplitterFixedLegacy())
        session.add_vertex(labels_vertex)
        session.add_edge(labels_vertex, output, LABELS_PARTITION)
        return labels_vertex

    def _add_gradient_exchange(self, session) -> None:
        """Training replicas combine their gradient sums at every batch
        end round a ring: each layer's vertex of replica r sends sums and
        new weights on to replica r + 1 (mod R), and "ready" back to r - 1
        (r > 0; docs/training.md, "Replicas")."""
        for position in range(len(self.layer_vertices_of(0))):
            peers = [replica.layer_vertices[position]
                     for replica in self.replicas]
            for index, vertex in enumerate(peers):
                vertex.replica_index, vertex.replica_peers = index, peers
            for before, after in zip(peers, peers[1:] + peers[:1]):
                session.add_edge(before, after, GRADIENT_CHAIN_PARTITION)
            for before, after in zip(peers, peers[1:]):
                session.add_edge(after, before, GRADIENT_READY_PARTITION)
        for replica in self.replicas:
            for vertex in replica.layer_vertices[1:]:
                session.add_edge(vertex, vertex.previous, UPDATED_PARTITION)

    def layer_vertices_of(self, replica: int) -> List[LayerVertex]:
        return self.replicas[replica].layer_vertices

    def replica(self, index: int) -> Replica:
        return self.replicas[index]

    @property
    def all_layer_vertices(self) -> List[LayerVertex]:
        """Every replica's layer vertices."""
        return [vertex for replica in self.replicas
                for vertex in replica.layer_vertices]

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
        """The live sources of every replica: the input, and the labels
        when training."""
        return [vertex for replica in self.replicas
                for vertex in replica.source_vertices]

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
                       else app_vertex.n_values
                       if isinstance(app_vertex, DataSourceVertex)
                       else app_vertex.n_atoms // self.examples_in_flight
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

        source_kind = "data source" if isinstance(
            self.input_vertex, DataSourceVertex) else "input"
        layers = [placed(self.input_vertex, source_kind, self.layers[0],
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
        for replica in self.replicas[1:]:
            for vertex in replica.source_vertices + replica.layer_vertices:
                for machine_vertex in vertex.machine_vertices:
                    placement = FecDataView.get_placement_of_vertex(
                        machine_vertex)
                    chips.add((placement.x, placement.y))
        machine = self.session.describe_mapped_machine()
        ours = {id(vertex) for vertex in
                self.source_vertices + self.all_layer_vertices + [gatherer]}
        return Mapping(training=self.training, machine=machine,
                       layers=layers, output=output, chips=len(chips),
                       mapping_seconds=self.mapping_seconds,
                       label_source=labels[0] if labels else None,
                       machine_chips=[(chip.x, chip.y, chip.n_processors)
                                      for chip in FecDataView.get_machine(
                                          ).chips],
                       toolchain_cores=self._toolchain_cores(ours),
                       objective=self.choice.objective,
                       replicas=self.choice.replicas,
                       predicted_examples_per_second=(
                           self.choice.predicted_examples_per_second),
                       examples_in_flight=self.examples_in_flight)

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
