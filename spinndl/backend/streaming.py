"""Examples through a running network, back to back, results in order.

Shared by the emulator and the board: the host sends each example's inputs
as (atom, float bits) events to the input source and collects the output
layer's (atom, float bits) events. At most ``window`` examples are
outstanding (sent, output not yet complete): every layer core has one
buffer per example slot, the network's examples_in_flight of them
(docs/streaming.md, "How many in flight"), so with a window of at most that
many no core ever receives an example it has no buffer for, and queues
cannot overflow.

Every value travels with one of examples_in_flight keys, by its example's
slot (the example's number modulo examples_in_flight; "parity" below, from
when there were two): input atom i of an example in slot p is sent as atom
p * width + i, and output atom a comes back as atom p * n_outputs + a. With
at most examples_in_flight examples outstanding the slot names the example,
so values may arrive in any order (a board's monitors re-inject dropped
packets late).
"""

from typing import Callable, Optional

import numpy as np

from ..emulator.transport import Transport


class MachineError(RuntimeError):
    """The machine lost, dropped or stalled something: the message names
    the example, the cores that did not finish it (chip, core, layer) and
    the packets lost with their keys and chips."""


class ExampleSlots:
    """Which of the n_slots values of each example have arrived, when a
    value says only its example's slot ("parity") and its place (output
    atom, or first-layer core for acks). The example of a value is the
    outstanding one in that slot; anything else is recorded as an error (callbacks
    may run on a connection's thread: the streaming loop raises it)."""

    def __init__(self, n_examples: int, n_slots: int, what: str,
                 examples_in_flight: int):
        self.what = what
        self.examples_in_flight = examples_in_flight
        self.have = np.zeros((n_examples, n_slots), dtype=bool)
        self._missing = np.full(n_examples, n_slots, dtype=np.int64)
        #: examples 0 .. complete - 1 have every value
        self.complete = 0
        #: examples sent so far (set by the streaming loop)
        self.sent = 0
        #: values filed so far
        self.received = 0
        self.error: Optional[str] = None

    def file(self, parity: int, slot: int) -> Optional[int]:
        """The example this value belongs to, or None (error recorded)."""
        in_flight = self.examples_in_flight
        example = self.complete + (parity - self.complete) % in_flight
        if not 0 <= parity < in_flight or example >= self.sent:
            self.error = (f"{self.what} {slot} of an example of parity "
                          f"{parity} arrived with no such example "
                          f"outstanding ({self.sent} sent, {self.complete} "
                          f"complete)")
            return None
        if self.have[example, slot]:
            self.error = (f"{self.what} {slot} of example {example} arrived "
                          f"twice")
            return None
        self.have[example, slot] = True
        self.received += 1
        self._missing[example] -= 1
        while self.complete < len(self._missing) and \
                self._missing[self.complete] == 0:
            self.complete += 1
        return example

    def check(self) -> None:
        if self.error is not None:
            raise MachineError(self.error)


class OutputCollector(ExampleSlots):
    """Receives the output layer's events (atom p * n_outputs + a: output
    atom a of the outstanding example of parity p)."""

    def __init__(self, n_examples: int, n_outputs: int,
                 examples_in_flight: int):
        super().__init__(n_examples, n_outputs, "output atom",
                         examples_in_flight)
        self.values = np.zeros((n_examples, n_outputs), dtype=np.float32)
        self._n_outputs = n_outputs

    def __call__(self, _label: str, atom: int, payload) -> None:
        parity, output = divmod(atom, self._n_outputs)
        if parity >= self.examples_in_flight:
            self.error = f"output atom {atom} is not an output of the layer"
            return
        example = self.file(parity, output)
        if example is not None:
            self.values.view(np.uint32)[example, output] = payload


def word_events(words: np.ndarray, index: int, examples_in_flight: int):
    """(atom, payload word) per word of example number ``index``: word i
    goes as atom parity * len(words) + i (examples_in_flight keys per
    value)."""
    words = np.asarray(words, dtype=np.uint32).ravel()
    base = (index % examples_in_flight) * len(words)
    return list(zip(range(base, base + len(words)), words.tolist()))


def input_events(example: np.ndarray, index: int, examples_in_flight: int):
    """(atom, float bits) per input value of example number ``index``:
    value i goes as atom parity * width + i."""
    return word_events(np.ascontiguousarray(
        example, dtype=np.float32).ravel().view(np.uint32), index,
        examples_in_flight)


def stalled(what: str, example: int, sent: int, done: int,
            diagnose: Optional[Callable[[int, int], str]]) -> MachineError:
    """The error of a run whose machine went quiet before example
    ``example`` was done, with the machine's own account of why."""
    reason = diagnose(example, sent) if diagnose is not None else \
        "the machine went quiet"
    return MachineError(f"example {example} {what} ({sent} sent, {done} "
                        f"done): {reason}")


def stream_examples(transport: Transport, input_label: str,
                    output_label: str, examples: np.ndarray,
                    n_outputs: int, advance: Callable[[], None],
                    examples_in_flight: int,
                    window: Optional[int] = None,
                    progress: Callable[[int], None] = lambda done: None,
                    diagnose: Optional[Callable[[int, int], str]] = None
                    ) -> np.ndarray:
    """Outputs (n_examples, n_outputs) for the examples, in order.

    ``advance`` lets the machine work until more outputs may have arrived
    (the emulator runs until idle; a board waits for packets); if it returns
    with nothing new, the network is stuck and a MachineError says so, with
    ``diagnose(example, sent)`` naming the cores that did not finish it.
    ``examples_in_flight``: the network's slots; ``window`` (default:
    that many) keeps fewer outstanding.
    """
    if window is None:
        window = examples_in_flight
    if not 1 <= window <= examples_in_flight:
        raise ValueError(f"window must be 1..{examples_in_flight} (the "
                         f"network's examples in flight), got {window}")
    collector = OutputCollector(len(examples), n_outputs, examples_in_flight)
    transport.add_receive_callback(output_label, collector)
    while collector.complete < len(examples):
        # progress counts from before the sends: a board may answer at once
        before = collector.received
        while collector.sent < len(examples) and \
                collector.sent - collector.complete < window:
            # counted before it is sent: a board may answer at once
            collector.sent += 1
            transport.send(input_label, input_events(
                examples[collector.sent - 1], collector.sent - 1,
                examples_in_flight))
        advance()
        collector.check()
        if collector.received == before:
            raise stalled("has no output after the machine went quiet",
                          collector.complete, collector.sent,
                          collector.complete, diagnose)
        progress(collector.complete)
    return collector.values


def stream_replicas(transport: Transport, replicas, examples: np.ndarray,
                    n_outputs: int, advance: Callable[[], None],
                    examples_in_flight: int,
                    progress: Callable[[int], None] = lambda done: None,
                    diagnose: Optional[Callable[..., str]] = None
                    ) -> np.ndarray:
    """Outputs (n_examples, n_outputs) in order, the examples dealt round
    the copies of the network: example i goes to replica i % R (as its
    example i // R), at most examples_in_flight outstanding per replica.
    ``replicas``: objects with ``input_label`` and ``output_layer_label``
    (graph.network.Replica). A stall names the replica, the example's
    number in the whole set and the cores behind."""
    count = len(replicas)
    if count == 1:
        return stream_examples(transport, replicas[0].input_label,
                               replicas[0].output_layer_label, examples,
                               n_outputs, advance, examples_in_flight,
                               progress=progress, diagnose=diagnose)
    dealt = [examples[index::count] for index in range(count)]
    collectors = [OutputCollector(len(part), n_outputs, examples_in_flight)
                  for part in dealt]
    for replica, collector in zip(replicas, collectors):
        transport.add_receive_callback(replica.output_layer_label, collector)

    def done() -> int:
        """Examples complete in the whole set's order (the first one not
        complete is in the replica with the fewest)."""
        return min(count * c.complete + r if c.complete < len(part)
                   else len(examples)
                   for r, (c, part) in enumerate(zip(collectors, dealt)))

    while any(c.complete < len(part) for c, part in zip(collectors, dealt)):
        before = sum(c.received for c in collectors)
        for replica, collector, part in zip(replicas, collectors, dealt):
            while collector.sent < len(part) and \
                    collector.sent - collector.complete < examples_in_flight:
                collector.sent += 1
                transport.send(replica.input_label, input_events(
                    part[collector.sent - 1], collector.sent - 1,
                    examples_in_flight))
        advance()
        for collector in collectors:
            collector.check()
        if sum(c.received for c in collectors) == before:
            index = min(range(count), key=lambda r: (
                collectors[r].complete >= len(dealt[r]),
                count * collectors[r].complete + r))
            stuck = collectors[index]
            reason = diagnose(stuck.complete, stuck.sent, index) \
                if diagnose is not None else "the machine went quiet"
            raise MachineError(
                f"example {count * stuck.complete + index} (replica "
                f"{index}'s example {stuck.complete}) has no output after "
                f"the machine went quiet ({stuck.sent} sent to replica "
                f"{index}, {stuck.complete} done): {reason}")
        progress(done())
    outputs = np.zeros((len(examples), n_outputs), dtype=np.float32)
    for index, collector in enumerate(collectors):
        outputs[index::count] = collector.values
    return outputs


def collect_replicas(transport: Transport, replicas, n_examples: int,
                     n_outputs: int, advance: Callable[[], None],
                     examples_in_flight: int,
                     progress: Callable[[int], None] = lambda done: None,
                     diagnose: Optional[Callable[..., str]] = None
                     ) -> np.ndarray:
    """Outputs (n_examples, n_outputs) in order when the examples are on
    the board: replica r's data source holds examples r, r + R, ... and
    streams them itself, examples_in_flight outstanding; the host only
    collects."""
    count = len(replicas)
    shares = [len(range(index, n_examples, count)) for index in range(count)]
    collectors = [OutputCollector(share, n_outputs, examples_in_flight)
                  for share in shares]
    for replica, collector, share in zip(replicas, collectors, shares):
        # the source sends on its own: any outstanding example may answer
        collector.sent = share
        transport.add_receive_callback(replica.output_layer_label, collector)
    while any(c.complete < share for c, share in zip(collectors, shares)):
        before = sum(c.received for c in collectors)
        advance()
        for collector in collectors:
            collector.check()
        if sum(c.received for c in collectors) == before:
            index = min((r for r in range(count)
                         if collectors[r].complete < shares[r]),
                        key=lambda r: count * collectors[r].complete + r)
            stuck = collectors[index]
            reason = diagnose(stuck.complete,
                              stuck.complete + examples_in_flight, index) \
                if diagnose is not None else "the machine went quiet"
            raise MachineError(
                f"example {count * stuck.complete + index} (replica "
                f"{index}'s example {stuck.complete}, from its on-board "
                f"data source) has no output after the machine went quiet: "
                f"{reason}")
        progress(min(count * c.complete + r if c.complete < share
                     else n_examples for r, (c, share) in
                     enumerate(zip(collectors, shares))))
    outputs = np.zeros((n_examples, n_outputs), dtype=np.float32)
    for index, collector in enumerate(collectors):
        outputs[index::count] = collector.values
    return outputs
