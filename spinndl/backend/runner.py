"""Run a model's graph: in the emulator (the default, on the virtual board)
or on a configured SpiNNaker machine, with the same streaming job."""

import threading
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, TypeVar

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


def run_network(layers: Sequence[Layer], training: bool,
                job: Callable[[NetworkRun], Result]):
    """Map the layers, run ``job`` against the running network, stop.
    Returns (job's result, RunStats)."""
    with ToolchainSession(BINARY_FOLDER) as session:
        graph = NetworkGraph(session, layers, training)
        if session.virtual:
            return _run_in_emulator(session, graph, job)
        return _run_on_board(session, graph, job)


def _run_in_emulator(session, graph, job):
    session.map()
    with Emulator.from_toolchain() as emulator:
        emulator.start()
        result = job(NetworkRun(graph, emulator.transport,
                                lambda: emulator.run()))
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
            outcome["result"] = job(NetworkRun(graph, transport, advance))
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
    cores = sum(len(v.machine_vertices) for v in graph.layer_vertices) + 2
    return outcome["result"], RunStats(cores, None, None, None, None)


def _notify(condition: threading.Condition) -> None:
    with condition:
        condition.notify_all()
