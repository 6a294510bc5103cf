"""Run a model's graph: in the emulator (the default, on the virtual board)
or on a configured SpiNNaker machine, with the same streaming job."""

from collections import Counter
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, TypeVar

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase

from ..emulator import Emulator
from ..emulator.engine import RunStatus
from ..emulator.transport import BoardTransport, Transport
from ..faults import Faults, apply_to_emulator, resolve
from ..graph.data_source import DataSourceVertex
from ..graph.network import BINARY_FOLDER, OUTPUT_LABEL, NetworkGraph
from ..layers import Layer
from ..saturation import read_saturations, warn_saturated
from .diagnosis import (
    busy_cores, describe_drops, diagnose_emulator,
    read_board_router_provenance)
from .streaming import MachineError
from .toolchain import ToolchainSession

Result = TypeVar("Result")


@dataclass(frozen=True)
class Timeouts:
    """How long a run may wait before it fails with a named error.

    callback_s: wall seconds one callback of an emulated core may run (a
    core stuck in a loop); advance_s: wall seconds the emulator may stay
    busy without going quiet (a machine that never idles); board_s: seconds
    a board run waits for the next output."""
    callback_s: float = 5.0
    advance_s: float = 120.0
    board_s: float = 30.0

    def __post_init__(self):
        for name in ("callback_s", "advance_s", "board_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(
                    value, bool) or not value > 0:
                raise ValueError(f"Timeouts.{name} must be a positive "
                                 f"number of seconds, got {value!r}")


#: Simulated time the emulator runs between looks for new outputs: the
#: host sends the next examples as soon as outputs come back.
ADVANCE_SLICE_NS = 100_000

#: Seconds a board run may wait for the next output before giving up.
BOARD_OUTPUT_TIMEOUT_S = Timeouts().board_s


@dataclass
class RunStats:
    """What a run cost and what it lost. In the emulator: the engine's
    counters; on a board: the toolchain's router provenance (drops,
    reinjection) in ``router_provenance`` and None elsewhere."""
    cores: int
    packets_sent: Optional[int]
    packets_delivered: Optional[int]
    drops: Optional[int]
    simulated_ns: Optional[int]
    #: dropped packets a monitor sent again (all of drops when survived)
    reinjected: Optional[int] = None
    #: of the drops: injected drops and parity errors (emulator faults)
    fault_drops: Optional[int] = None
    parity_errors: Optional[int] = None
    delayed: Optional[int] = None
    router_provenance: Dict[str, object] = field(default_factory=dict)
    #: emulator: the layer cores' work (src/common/work.h): cores that
    #: count it, their multiply-accumulates, and the fraction of those
    #: cores' cycles over the run spent on multiply-accumulates (their MAC
    #: peak: a core doing nothing but MACs scores 1)
    working_cores: Optional[int] = None
    macs: Optional[int] = None
    mac_utilisation: Optional[float] = None
    #: the fraction of those cores' time over the run spent busy-waiting
    #: (spin1_delay_us: send pacing)
    busy_wait_fraction: Optional[float] = None
    #: the most simulated ns any one core spent busy-waiting
    max_busy_wait_ns: Optional[int] = None
    #: emulator: every kind of work (src/common/work.h, e.g.
    #: "WORK_WEIGHT_PAIR_APPLIED") summed over the counting cores
    work_totals: Dict[str, int] = field(default_factory=dict)
    #: fixed point: results the cores clipped to the format's range, by
    #: layer name (spinndl.saturation.Saturations; None for float cores,
    #: which do not saturate), and every core's counts
    saturations: Optional[Dict[str, object]] = None
    saturated_cores: List[object] = field(default_factory=list)


@dataclass
class NetworkRun:
    """A running network as a streaming job sees it."""
    graph: NetworkGraph
    transport: Transport
    #: let the machine work until more outputs may have arrived
    advance: Callable[[], None]
    #: read_region(machine_vertex, region) -> bytes, as the core left it
    read_region: Callable[[object, int], bytes]
    #: diagnose(example, examples sent, replica=0) -> why the example
    #: (numbered within its replica) did not finish (cores, drops)
    diagnose: Optional[Callable[..., str]] = None


def run_network(layers: Sequence[Layer], training_config,
                job: Callable[[NetworkRun], Result],
                faults: Optional[Faults] = None,
                timeouts: Optional[Timeouts] = None, machine=None,
                numerics=None, layout=None, board_inputs=None):
    """Map the layers (the training layout with a TrainingConfig) on
    ``machine`` (a spinndl.VirtualMachine, None for the configured one),
    run ``job`` against the running network, stop. Returns (job's result,
    RunStats). ``faults`` (else SPINNDL_FAULTS) are injected in the
    emulator (docs/reliability.md). ``numerics``: spinndl.numerics'
    format of the cores (float by default); ``layout``
    (throughput.Layout) the mapping objective and replicas;
    ``board_inputs`` the examples a data source on the board streams
    (layout.data_source "board")."""
    timeouts = timeouts or Timeouts()
    if not isinstance(timeouts, Timeouts):
        raise TypeError(f"timeouts must be a spinndl Timeouts, got "
                        f"{timeouts!r}")
    faults = resolve(faults)

    def job_then_saturations(run: NetworkRun):
        """The job, then (once it is done: every example's work, updates
        included, is over) the fixed-point cores' saturation counters."""
        result = job(run)
        return result, read_saturations(run.graph, run.read_region,
                                        _placement_of)

    with ToolchainSession(BINARY_FOLDER, machine) as session:
        graph = NetworkGraph(session, layers, training_config,
                             numerics=numerics, layout=layout,
                             board_inputs=board_inputs)
        if session.virtual:
            (result, saturations), stats = _run_in_emulator(
                session, graph, job_then_saturations, faults, timeouts)
        else:
            (result, saturations), stats = _run_on_board(
                session, graph, job_then_saturations, timeouts)
    if saturations is not None:
        stats.saturations, stats.saturated_cores = saturations
        warn_saturated(stats.saturated_cores)
    return result, stats


def _placement_of(machine_vertex):
    placement = FecDataView.get_placement_of_vertex(machine_vertex)
    return placement.x, placement.y, placement.p


def _core_locator(graph):
    """locate(layer label, core number) -> (x, y, p), slice order."""
    def locate(label, core):
        for vertex in graph.source_vertices + graph.all_layer_vertices:
            if vertex.label != label:
                continue
            splitter = vertex.splitter
            machine_vertices = (
                splitter.machine_vertices_in_slice_order()
                if hasattr(splitter, "machine_vertices_in_slice_order")
                else list(vertex.machine_vertices))
            if not 0 <= core < len(machine_vertices):
                raise ValueError(f"fault on core {core} of layer {label!r}, "
                                 f"which has {len(machine_vertices)} cores")
            placement = FecDataView.get_placement_of_vertex(
                machine_vertices[core])
            return placement.x, placement.y, placement.p
        raise ValueError(f"fault on layer {label!r}: no such layer; layers: "
                         f"{[v.label for v in graph.source_vertices + graph.all_layer_vertices]}")

    def layer_keys(label, partition):
        locate(label, 0)   # checks the name
        vertex = next(v for v in graph.source_vertices
                      + graph.all_layer_vertices if v.label == label)
        info = FecDataView.get_routing_infos().get_info_from(vertex,
                                                             partition)
        return info.key, info.mask
    return locate, layer_keys


def _run_in_emulator(session, graph, job, faults, timeouts):
    session.map()
    with Emulator.from_toolchain(
            callback_limit_s=timeouts.callback_s) as emulator:
        if faults is not None:
            apply_to_emulator(faults, emulator, *_core_locator(graph))
        emulator.start()

        def read_region(machine_vertex, region):
            return emulator.read_region(*_placement_of(machine_vertex),
                                        region)

        def diagnose(example, sent, replica=0):
            return diagnose_emulator(
                emulator, graph.replica(replica) if graph.replicas[1:]
                else graph, example, sent)

        # Inference: run until outputs reach the host (a host streams on
        # as results come back, it does not wait for a quiet machine).
        # Training waits for a quiet machine as before: streaming the next
        # example while the last is in its backward pass lets forward
        # inputs meet partial errors at a first-layer core faster than
        # the cores' pacing allows (784-512-512-10 in fixed point dropped
        # input packets), a core-level limit. An on-board data source
        # paces itself (by the acks, at the training send gap): the host
        # only collects, so it looks as outputs arrive.
        early = not graph.training or graph.board_data is not None

        def advance():
            """Run until outputs reach the host (inference) or the
            machine goes quiet."""
            deadline = time.monotonic() + timeouts.advance_s
            delivered = emulator.transport.delivered
            while emulator.run(until_ns=emulator.now_ns + ADVANCE_SLICE_NS
                               ) == RunStatus.TIME_REACHED:
                if early and emulator.transport.delivered != delivered:
                    return
                if time.monotonic() > deadline:
                    raise MachineError(
                        f"the machine did not go quiet within "
                        f"{timeouts.advance_s} s of wall time (still busy "
                        f"at {emulator.now_ns} ns simulated); "
                        f"{busy_cores(emulator, graph)}")

        result = job(NetworkRun(graph, emulator.transport, advance,
                                read_region, diagnose))
        counters = emulator.counters_by_core().values()
        lost = emulator.fault_counters()
        if lost.lost:
            # Every value an output needs arrived (outputs are complete),
            # so nothing the results use is missing; still, nothing lost
            # passes silently.
            _total, drops = emulator.drops(64)
            raise MachineError("the run finished but lost packets: " +
                               describe_drops(graph, drops, lost.lost,
                                              lost.reinjected))
        works = emulator.work_by_core().values()
        costs = emulator.work_costs()
        mac_cycles = sum(n * costs[kind] for work in works
                         for kind, n in work.counts.items()
                         if kind.endswith("_MAC"))
        run_cycles = emulator.now_ns / 5 * len(works)
        stats = RunStats(
            cores=len(emulator.cores),
            packets_sent=sum(c.sent for c in counters),
            packets_delivered=emulator.deliveries, drops=lost.dropped,
            simulated_ns=emulator.now_ns, reinjected=lost.reinjected,
            fault_drops=lost.fault_drops, parity_errors=lost.parity_errors,
            delayed=lost.delayed, working_cores=len(works),
            macs=sum(work.macs() for work in works),
            mac_utilisation=mac_cycles / run_cycles if run_cycles else 0.0,
            busy_wait_fraction=(sum(work.delay_ns for work in works)
                                / (emulator.now_ns * len(works))
                                if run_cycles else 0.0),
            max_busy_wait_ns=max((work.delay_ns for work in works),
                                 default=0),
            work_totals=dict(sum((Counter(work.counts) for work in works),
                                 Counter())))
    return result, stats


class BoardOutputs:
    """Counts every event a board run receives, so ``advance`` returns at
    once when outputs arrived since the last call (results split over two
    messages must not look like a stuck machine) and otherwise waits up to
    timeout_s for the next one."""

    def __init__(self, timeout_s: float):
        self.timeout_s = timeout_s
        self._arrived = threading.Condition()
        self._count = 0
        self._seen = 0

    def __call__(self, *_event) -> None:
        with self._arrived:
            self._count += 1
            self._arrived.notify_all()

    def advance(self) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._count > self._seen,
                                          self.timeout_s):
                raise MachineError(f"no output from the board for "
                                   f"{self.timeout_s} s")
            self._seen = self._count


def _run_on_board(session: ToolchainSession, graph: NetworkGraph, job,
                  timeouts: Timeouts):
    """The toolchain loads the graph and runs it until the job is done; the
    job streams from a thread started when the cores start."""
    labels = []
    for replica in graph.replicas:
        labels.append(replica.output_layer_label)
        if graph.training and replica.first_layer_label not in labels:
            labels.append(replica.first_layer_label)   # the acks
    transport = BoardTransport(
        OUTPUT_LABEL, receive_labels=labels,
        send_labels=[vertex.label for vertex in graph.source_vertices
                     if not isinstance(vertex, DataSourceVertex)])
    outputs = BoardOutputs(timeouts.board_s)
    for label in labels:
        transport.add_receive_callback(label, outputs)
    outcome = {}

    def stream():
        try:
            outcome["result"] = job(NetworkRun(graph, transport,
                                               outputs.advance,
                                               _read_board_region))
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            session.stop_run()

    transport.on_start(lambda: threading.Thread(target=stream,
                                                daemon=True).start())
    try:
        session.run_forever()
    finally:
        transport.close()
    try:
        provenance = read_board_router_provenance()
    except Exception:  # pylint: disable=broad-except
        provenance = {}   # provenance off in the user's config
    if "error" in outcome:
        raise outcome["error"]
    gatherer_cores = 1
    cores = sum(len(vertex.machine_vertices) for vertex in
                graph.source_vertices + graph.all_layer_vertices
                ) + gatherer_cores
    return outcome["result"], RunStats(
        cores, None, None, provenance.get("dropped"), None,
        reinjected=provenance.get("reinjected"),
        router_provenance=provenance)


def _read_board_region(machine_vertex, region: int) -> bytes:
    """A core's region read from the board's SDRAM, at the address the
    toolchain's data-spec database recorded."""
    placement = FecDataView.get_placement_of_vertex(machine_vertex)
    with DsSqlliteDatabase() as database:
        for number, pointer, content in \
                database.get_region_pointers_and_content(
                    placement.x, placement.y, placement.p):
            if number == region:
                return FecDataView.get_transceiver().read_memory(
                    placement.x, placement.y, pointer, len(content or b""))
    raise KeyError(f"{machine_vertex.label} has no region {region}")
