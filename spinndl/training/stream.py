"""Examples and labels through the training layout, batch by batch.

Within a batch the network's examples in flight are outstanding at most
(as in inference); an
example is finished when every first-layer core has acked it, which happens
only after every layer has done its backward pass and any update for it
(docs/training.md). A batch end is a barrier: the next batch starts once the
whole batch is acked, so no example meets half-updated weights. Outputs and
acks say their example's slot (outputs by key, acks by payload), so they
may arrive in any order.
"""

from bisect import bisect_left
from typing import Callable, Iterable, Optional, Tuple

import numpy as np

from ..backend.streaming import (
    ExampleSlots, MachineError, OutputCollector, input_events, stalled,
    word_events)
from ..graph.data_source import deal_batches


class TrainingCollector:
    """The output layer's forward outputs (for loss and metrics on the host)
    and the first layer's acks (atom examples_in_flight * layer_atoms +
    core index, payload the example's slot)."""

    def __init__(self, n_examples: int, n_outputs: int, output_label: str,
                 first_label: str, first_atoms: int, first_cores: int,
                 examples_in_flight: int,
                 decode: Callable[[np.ndarray], np.ndarray] = lambda v: v):
        """examples_in_flight: the network's slots; decode: the outputs
        from the payloads' bits (the graph's numerics.decode_outputs)."""
        self.forward = OutputCollector(n_examples, n_outputs,
                                       examples_in_flight)
        self._decode = decode
        self.acks = ExampleSlots(n_examples, first_cores, "ack of core",
                                 examples_in_flight)
        self._output_label, self._first_label = output_label, first_label
        self._first_ack_atom = examples_in_flight * first_atoms
        self.examples_in_flight = examples_in_flight

    @property
    def outputs(self) -> np.ndarray:
        return self._decode(self.forward.values)

    def __call__(self, label: str, atom: int, payload) -> None:
        if label == self._first_label and atom >= self._first_ack_atom:
            if not 0 <= payload < self.examples_in_flight:
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
    if len(graph.replicas) > 1:
        return _stream_batches_to_replicas(run, x, label_words, batches,
                                           on_batch, diagnose)
    first = graph.layer_vertices[0]
    collector = TrainingCollector(
        len(x), graph.layer_vertices[-1].n_values, graph.output_layer_label,
        graph.first_layer_label, first.n_values,
        len(first.splitter.get_out_going_slices()),
        graph.examples_in_flight, graph.numerics.decode_outputs)
    in_flight = graph.examples_in_flight
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
            while sent < end and sent - collector.acked < in_flight:
                # counted before it is sent: a board may answer at once
                collector.sent(sent + 1)
                run.transport.send(graph.input_label,
                                   input_events(x[sent], sent, in_flight))
                run.transport.send(labels_label, word_events(
                    label_words[sent], sent, in_flight))
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


class ReplicaCollectors:
    """The collectors of every replica, seen as one: ``outputs`` in the
    run's example order (example j was replica owner[j]'s number
    local[j])."""

    def __init__(self, collectors, n_examples: int):
        self.collectors = collectors
        self.owner = np.zeros(n_examples, dtype=np.int64)
        self.local = np.zeros(n_examples, dtype=np.int64)

    @property
    def outputs(self) -> np.ndarray:
        rows = np.zeros((len(self.owner),) +
                        self.collectors[0].outputs.shape[1:], np.float32)
        for index, collector in enumerate(self.collectors):
            mine = self.owner == index
            rows[mine] = collector.outputs[self.local[mine]]
        return rows


def _replica_collectors(run, order) -> ReplicaCollectors:
    """A TrainingCollector per replica, listening to its output and first
    layers; order[r]: the run's examples replica r gets, in its order."""
    graph = run.graph
    collectors = []
    for replica, examples in zip(graph.replicas, order):
        first = replica.layer_vertices[0]
        collector = TrainingCollector(
            len(examples), replica.layer_vertices[-1].n_values,
            replica.output_layer_label, replica.first_layer_label,
            first.n_values, len(first.splitter.get_out_going_slices()),
            graph.examples_in_flight, graph.numerics.decode_outputs)
        run.transport.add_receive_callback(replica.output_layer_label,
                                           collector)
        if replica.first_layer_label != replica.output_layer_label:
            run.transport.add_receive_callback(replica.first_layer_label,
                                               collector)
        collectors.append(collector)
    n_examples = sum(len(examples) for examples in order)
    combined = ReplicaCollectors(collectors, n_examples)
    for replica, examples in enumerate(order):
        combined.owner[examples] = replica
        combined.local[examples] = np.arange(len(examples))
    return combined


def _stream_batches_to_replicas(run, x, label_words, batches, on_batch,
                                diagnose) -> np.ndarray:
    """stream_batches for R replicas: example i of every batch goes to
    replica i % R (each replica's cores count their share of the batch the
    same way, gradient_exchange.h); a batch is done when every replica has
    acked all of its share (their gradient exchange, and so every update,
    is done by then)."""
    graph = run.graph
    count = len(graph.replicas)
    batches = list(batches)
    order = deal_batches(batches, count)
    combined = _replica_collectors(run, order)
    collectors = combined.collectors
    in_flight = graph.examples_in_flight
    sent = [0] * count
    for start, end in batches:
        targets = _acked_by(order, end)
        while any(c.acked < t for c, t in zip(collectors, targets)):
            before = _progress(collectors)
            for r, (replica, collector) in enumerate(
                    zip(graph.replicas, collectors)):
                while sent[r] < targets[r] and \
                        sent[r] - collector.acked < in_flight:
                    j = order[r][sent[r]]
                    collector.sent(sent[r] + 1)
                    run.transport.send(replica.input_label, input_events(
                        x[j], sent[r], in_flight))
                    run.transport.send(replica.labels_vertex.label,
                                       word_events(label_words[j], sent[r],
                                                   in_flight))
                    sent[r] += 1
            run.advance()
            _check_progress(collectors, before, targets, order, sent,
                            diagnose, "")
        if on_batch(end, combined):
            break
    return combined.outputs


def collect_batches(run, batches: Iterable[Tuple[int, int]],
                    on_batch: Callable[[int, "ReplicaCollectors"], bool],
                    diagnose: Optional[Callable[..., str]] = None
                    ) -> np.ndarray:
    """fit with on-board data sources (docs/training.md, "Examples from
    the board's SDRAM"): each replica's source holds its examples and
    labels of the run, dealt as stream_batches deals them, and streams
    them itself, batch barrier included; the host only collects the
    outputs and acks, and calls on_batch as each batch is acked by every
    replica. Returns the forward outputs, one row per example."""
    count = len(run.graph.replicas)
    batches = list(batches)
    order = deal_batches(batches, count)
    combined = _replica_collectors(run, order)
    collectors = combined.collectors
    for collector, examples in zip(collectors, order):
        collector.sent(len(examples))   # the sources send on their own
    for start, end in batches:
        targets = _acked_by(order, end)
        while any(c.acked < t for c, t in zip(collectors, targets)):
            before = _progress(collectors)
            run.advance()
            _check_progress(collectors, before, targets, order,
                            [len(examples) for examples in order], diagnose,
                            ", from its on-board data source")
        if on_batch(end, combined):
            break
    return combined.outputs


def _acked_by(order, end: int):
    """How many of each replica's examples come before the run's example
    ``end``."""
    return [bisect_left(examples, end) for examples in order]


def _progress(collectors) -> int:
    return sum(c.acks.received + c.forward.received for c in collectors)


def _check_progress(collectors, before, targets, order, sent, diagnose,
                    source: str) -> None:
    """The collectors' errors, or a MachineError naming the first example
    still unacked when nothing arrived since ``before``."""
    for collector in collectors:
        collector.check()
    if _progress(collectors) != before:
        return
    count = len(collectors)
    r = min((r for r in range(count) if collectors[r].acked < targets[r]),
            key=lambda r: order[r][collectors[r].acked])
    stuck = collectors[r]
    reason = diagnose(stuck.acked, sent[r], r) \
        if diagnose is not None else "the machine went quiet"
    raise MachineError(
        f"example {order[r][stuck.acked]} (replica {r}'s example "
        f"{stuck.acked}{source}) was never acked after the machine went "
        f"quiet ({sent[r]} sent to replica {r}, {stuck.acked} acked): "
        f"{reason}")
