"""Examples and labels through the training layout, batch by batch.

Within a batch two examples are outstanding at most (as in inference); an
example is finished when every first-layer core has acked it, which happens
only after every layer has done its backward pass and any update for it
(docs/training.md). A batch end is a barrier: the next batch starts once the
whole batch is acked, so no example meets half-updated weights.
"""

from typing import Callable, Iterable, Tuple

import numpy as np

from ..backend.streaming import input_events
from ..packing import EXAMPLES_IN_FLIGHT


class TrainingCollector:
    """The output layer's forward outputs (for loss and metrics on the host)
    and the first layer's acks (atoms layer_atoms + core index)."""

    def __init__(self, n_examples: int, n_outputs: int, output_label: str,
                 first_label: str, first_atoms: int, first_cores: int):
        self.outputs = np.zeros((n_examples, n_outputs), dtype=np.float32)
        self._output_counts = np.zeros(n_outputs, dtype=np.int64)
        self._ack_counts = np.zeros(first_cores, dtype=np.int64)
        self._output_label, self._first_label = output_label, first_label
        self._first_atoms = first_atoms

    def __call__(self, label: str, atom: int, payload) -> None:
        if label == self._first_label and atom >= self._first_atoms:
            self._ack_counts[atom - self._first_atoms] += 1
        elif label == self._output_label:
            example = self._output_counts[atom]
            self.outputs.view(np.uint32)[example, atom] = payload
            self._output_counts[atom] = example + 1

    @property
    def acked(self) -> int:
        """Examples every first-layer core has finished."""
        return int(self._ack_counts.min())


def stream_batches(run, x: np.ndarray, y: np.ndarray,
                   batches: Iterable[Tuple[int, int]], labels_label: str,
                   on_batch: Callable[[int, "TrainingCollector"], None]
                   = lambda end, collector: None) -> np.ndarray:
    """Train on x[i], y[i] in order, in the given (start, end) batches of
    that order. Returns the forward outputs, one row per example."""
    graph = run.graph
    first = graph.layer_vertices[0]
    collector = TrainingCollector(
        len(x), graph.layer_vertices[-1].n_atoms, graph.output_layer_label,
        graph.first_layer_label, first.n_atoms,
        len(first.splitter.get_out_going_slices()))
    run.transport.add_receive_callback(graph.output_layer_label, collector)
    if graph.first_layer_label != graph.output_layer_label:
        run.transport.add_receive_callback(graph.first_layer_label,
                                           collector)
    sent = 0
    for start, end in batches:
        assert start == sent
        while collector.acked < end:
            while sent < end and sent - collector.acked < EXAMPLES_IN_FLIGHT:
                run.transport.send(graph.input_label, input_events(x[sent]))
                run.transport.send(labels_label, input_events(y[sent]))
                sent += 1
            before = collector.acked
            run.advance()
            if collector.acked == before:
                raise RuntimeError(
                    f"training stalled: example {before} was never acked "
                    f"({sent} sent)")
        on_batch(end, collector)
    return collector.outputs
