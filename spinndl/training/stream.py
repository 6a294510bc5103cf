"""Examples and labels through the training layout, batch by batch.

Within a batch EXAMPLES_IN_FLIGHT examples are outstanding at most (as in inference); an
example is finished when every first-layer core has acked it, which happens
only after every layer has done its backward pass and any update for it
(docs/training.md). A batch end is a barrier: the next batch starts once the
whole batch is acked, so no example meets half-updated weights. Outputs and
acks say their example's slot (outputs by key, acks by payload), so they
may arrive in any order.
"""

from typing import Callable, Iterable, Optional, Tuple

import numpy as np

from ..backend.streaming import (
    ExampleSlots, OutputCollector, input_events, stalled, word_events)
from ..packing import EXAMPLES_IN_FLIGHT
from ..wire_format import KEYS_PER_VALUE


class TrainingCollector:
    """The output layer's forward outputs (for loss and metrics on the host)
    and the first layer's acks (atom KEYS_PER_VALUE * layer_atoms + core
    index, payload the example's slot)."""

    def __init__(self, n_examples: int, n_outputs: int, output_label: str,
                 first_label: str, first_atoms: int, first_cores: int,
                 decode: Callable[[np.ndarray], np.ndarray] = lambda v: v):
        """decode: the outputs from the payloads' bits (the graph's
        numerics.decode_outputs)."""
        self.forward = OutputCollector(n_examples, n_outputs)
        self._decode = decode
        self.acks = ExampleSlots(n_examples, first_cores, "ack of core")
        self._output_label, self._first_label = output_label, first_label
        self._first_ack_atom = KEYS_PER_VALUE * first_atoms

    @property
    def outputs(self) -> np.ndarray:
        return self._decode(self.forward.values)

    def __call__(self, label: str, atom: int, payload) -> None:
        if label == self._first_label and atom >= self._first_ack_atom:
            if not 0 <= payload < KEYS_PER_VALUE:
                self.acks.error = f"ack with payload {payload}, not a slot"
                return
            self.acks.file(int(payload), atom - self._first_ack_atom)
        elif label == self._output_label:
            self.forward(label, atom, payload)

    @property
    def acked(self) -> int:
        """Examples every first-layer core has finished."""
        return self.acks.complete

    def sent(self, count: int) -> None:
        self.forward.sent = self.acks.sent = count

    def check(self) -> None:
        self.forward.check()
        self.acks.check()


def stream_batches(run, x: np.ndarray, label_words: np.ndarray,
                   batches: Iterable[Tuple[int, int]], labels_label: str,
                   on_batch: Callable[[int, "TrainingCollector"], bool]
                   = lambda end, collector: False,
                   diagnose: Optional[Callable[[int, int], str]] = None
                   ) -> np.ndarray:
    """Train on x[i] with the label source's payloads label_words[i]
    (wire_format.encode_labels) in order, in the given (start, end) batches
    of that order; stop early when on_batch returns True. Returns the
    forward outputs, one row per example (zeros for examples not run)."""
    graph = run.graph
    first = graph.layer_vertices[0]
    collector = TrainingCollector(
        len(x), graph.layer_vertices[-1].n_atoms, graph.output_layer_label,
        graph.first_layer_label, first.n_atoms,
        len(first.splitter.get_out_going_slices()),
        graph.numerics.decode_outputs)
    run.transport.add_receive_callback(graph.output_layer_label, collector)
    if graph.first_layer_label != graph.output_layer_label:
        run.transport.add_receive_callback(graph.first_layer_label,
                                           collector)
    sent = 0
    for start, end in batches:
        assert start == sent
        while collector.acked < end:
            # progress counts from before the sends: a board may answer
            before = collector.acks.received + collector.forward.received
            while sent < end and sent - collector.acked < EXAMPLES_IN_FLIGHT:
                # counted before it is sent: a board may answer at once
                collector.sent(sent + 1)
                run.transport.send(graph.input_label,
                                   input_events(x[sent], sent))
                run.transport.send(labels_label,
                                   word_events(label_words[sent], sent))
                sent += 1
            run.advance()
            collector.check()
            if collector.acks.received + collector.forward.received \
                    == before:
                raise stalled("was never acked after the machine went quiet",
                              collector.acked, sent, collector.acked,
                              diagnose)
        if on_batch(end, collector):
            break
    return collector.outputs
