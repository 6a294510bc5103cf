"""Examples through a running network, back to back, results in order.

Shared by the emulator and the board: the host sends each example's inputs
as (atom, float bits) events to the input source and collects the output
layer's (atom, float bits) events. At most ``window`` examples are
outstanding (sent, output not yet complete): every layer core double
buffers, so with a window of EXAMPLES_IN_FLIGHT no core ever receives an
example it has no buffer for, and queues cannot overflow
(docs/streaming.md).
"""

from typing import Callable

import numpy as np

from ..packing import EXAMPLES_IN_FLIGHT
from ..emulator.transport import Transport


class OutputCollector:
    """Receives the output layer's events; example e of atom a is the
    a-th atom's e-th value (each core sends its examples in order)."""

    def __init__(self, n_examples: int, n_outputs: int):
        self.values = np.zeros((n_examples, n_outputs), dtype=np.float32)
        self._counts = np.zeros(n_outputs, dtype=np.int64)

    def __call__(self, _label: str, atom: int, payload) -> None:
        example = self._counts[atom]
        if example >= len(self.values):
            raise RuntimeError(f"output atom {atom} sent more values than "
                               f"the {len(self.values)} examples sent")
        self.values.view(np.uint32)[example, atom] = payload
        self._counts[atom] = example + 1

    @property
    def complete(self) -> int:
        """Examples whose every output has arrived."""
        return int(self._counts.min())


def input_events(example: np.ndarray):
    """(atom, float bits) per input value of one example."""
    bits = np.ascontiguousarray(example, dtype=np.float32).ravel().view(
        np.uint32)
    return list(zip(range(len(bits)), bits.tolist()))


def stream_examples(transport: Transport, input_label: str,
                    output_label: str, examples: np.ndarray,
                    n_outputs: int, advance: Callable[[], None],
                    window: int = EXAMPLES_IN_FLIGHT,
                    progress: Callable[[int], None] = lambda done: None
                    ) -> np.ndarray:
    """Outputs (n_examples, n_outputs) for the examples, in order.

    ``advance`` lets the machine work until more outputs may have arrived
    (the emulator runs until idle; a board waits for packets); if it returns
    with nothing new, the network is stuck and a RuntimeError says so.
    """
    if not 1 <= window <= EXAMPLES_IN_FLIGHT:
        raise ValueError(f"window must be 1..{EXAMPLES_IN_FLIGHT}, "
                         f"got {window}")
    collector = OutputCollector(len(examples), n_outputs)
    transport.add_receive_callback(output_label, collector)
    sent = 0
    while collector.complete < len(examples):
        while sent < len(examples) and sent - collector.complete < window:
            transport.send(input_label, input_events(examples[sent]))
            sent += 1
        before = collector.complete
        advance()
        if collector.complete == before:
            raise RuntimeError(
                f"no output for example {before} after the machine went "
                f"idle ({sent} sent, {collector.complete} complete)")
        progress(collector.complete)
    return collector.values
