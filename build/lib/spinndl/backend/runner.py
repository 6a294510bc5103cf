"""Run a model's graph: in the emulator (the default, on the virtual board)
or on a configured SpiNNaker machine, with the same streaming job."""

import threading
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, TypeVar

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase

from ..emulator import Emulator
from ..emulator.transport import BoardTransport, Transport
from ..graph.network import BINARY_FOLDER, OUTPUT_LABEL, NetworkGraph
from ..layers import Layer
from .toolchain import ToolchainSession

Result = TypeVar("Result")

#: Seconds a board run may wait for the next output before giving up.
BOARD_OUTPUT_TIMEOUT_S = 30.0


@dataclass
class RunStats:
    """What a run cost, as the emulator counted it (None on a board)."""
    cores: int
    packets_sent: Optional[int]
    packets_delivered: Optional[int]
    drops: Optional[int]
    simulated_ns: Optional[int]


@dataclass
class NetworkRun:
    """A running network as a streaming job sees it."""
    graph: NetworkGraph
    transport: Transport
    #: let the machine work until more outputs may have arrived
    advance: Callable[[], None]
    #: read_region(machine_vertex, region) -> bytes, as the core left it
    read_region: Callable[[object, int], bytes]


def run_network(layers: Sequence[Layer], training_config,
                job: Callable[[NetworkRun], Result]):
    """Map the layers (the training layout with a TrainingConfig), run
    ``job`` against the running network, stop. Returns (job's result,
    RunStats)."""
    with ToolchainSession(BINARY_FOLDER) as session:
        graph = NetworkGraph(session, layers, training_config)
        if session.virtual:
            return _run_in_emulator(session, graph, job)
        return _run_on_board(session, graph, job)


def _run_in_emulator(session, graph, job):
    session.map()
    with Emulator.from_toolchain() as emulator:
        emulator.start()
        def read_region(machine_vertex, region):
            placement = FecDataView.get_placement_of_vertex(machine_vertex)
            return emulator.read_region(placement.x, placement.y,
                                        placement.p, region)

        result = job(NetworkRun(graph, emulator.transport,
                                lambda: emulator.run(), read_region))
        counters = emulator.counters_by_core().values()
        drops, _ = emulator.drops(0)
        stats = RunStats(
            cores=len(emulator.cores),
            packets_sent=sum(c.sent for c in counters),
            packets_delivered=emulator.deliveries, drops=drops,
            simulated_ns=emulator.now_ns)
    return result, stats


def _run_on_board(session: ToolchainSession, graph: NetworkGraph, job):
    """The toolchain loads the graph and runs it until the job is done; the
    job streams from a thread started when the cores start."""
    transport = BoardTransport(
        OUTPUT_LABEL, receive_labels=[graph.output_layer_label],
        send_labels=[graph.input_label])
    arrived = threading.Condition()
    transport.add_receive_callback(graph.output_layer_label,
                                   lambda *_: _notify(arrived))
    outcome = {}

    def advance():
        with arrived:
            if not arrived.wait(BOARD_OUTPUT_TIMEOUT_S):
                raise RuntimeError(f"no output from the board for "
                                   f"{BOARD_OUTPUT_TIMEOUT_S} s")

    def stream():
        try:
            outcome["result"] = job(NetworkRun(graph, transport, advance,
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
    if "error" in outcome:
        raise outcome["error"]
    gatherer_cores = 1
    cores = sum(len(vertex.machine_vertices) for vertex in
                graph.source_vertices + graph.layer_vertices) + gatherer_cores
    return outcome["result"], RunStats(cores, None, None, None, None)


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


def _notify(condition: threading.Condition) -> None:
    with condition:
        condition.notify_all()
