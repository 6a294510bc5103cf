"""Host side of reliability: examples identified by parity whatever the
arrival order, the board's advance with results split over messages (a
fake transport), router provenance, fault and timeout settings."""

import threading

import numpy as np
import pytest

from spinndl.backend.diagnosis import summarise_router_provenance
from spinndl.backend.runner import BoardOutputs, Timeouts
from spinndl.backend.streaming import (
    MachineError, OutputCollector, stream_examples)
from spinndl.emulator.engine import FaultKind
from spinndl.faults import Faults, PacketFault, CoreFault


def test_outputs_of_two_examples_in_any_order_land_in_their_rows():
    collector = OutputCollector(n_examples=3, n_outputs=2,
                                examples_in_flight=2)
    collector.sent = 2
    # example 1 (parity 1: atoms 2, 3) completes before example 0
    collector("out", 3, 13)
    collector("out", 2, 12)
    collector("out", 1, 1)
    assert collector.complete == 0
    collector("out", 0, 0)
    assert collector.complete == 2
    assert collector.values.view(np.uint32).tolist()[:2] == [[0, 1],
                                                             [12, 13]]


def test_four_slots_name_four_outstanding_examples():
    """With four examples in flight, slot p is atoms p * n_outputs ...:
    example 3's outputs (slot 3) land in row 3, and the next example in
    slot 0 is example 4, once example 0 is complete."""
    collector = OutputCollector(n_examples=6, n_outputs=2,
                                examples_in_flight=4)
    collector.sent = 4
    for atom in (7, 6, 3, 2, 5, 4):      # examples 3, 1, 2
        collector("out", atom, 100 + atom)
    assert collector.complete == 0
    collector("out", 0, 0)
    collector("out", 1, 1)
    assert collector.complete == 4
    collector.sent = 5
    collector("out", 1, 21)           # slot 0 again: example 4
    collector.check()
    rows = collector.values.view(np.uint32).tolist()
    assert rows[3] == [106, 107] and rows[1] == [102, 103]
    assert rows[4] == [0, 21]
    collector("out", 2, 5)            # slot 1: example 5 was never sent
    with pytest.raises(MachineError, match="no such example outstanding"):
        collector.check()


def test_a_value_twice_or_for_no_outstanding_example_is_an_error():
    collector = OutputCollector(n_examples=3, n_outputs=2,
                                examples_in_flight=2)
    collector.sent = 1
    collector("out", 0, 5)
    collector("out", 0, 5)
    with pytest.raises(MachineError, match="arrived twice"):
        collector.check()
    collector = OutputCollector(n_examples=3, n_outputs=2,
                                examples_in_flight=2)
    collector.sent = 1
    collector("out", 3, 5)   # parity 1, but only example 0 was sent
    with pytest.raises(MachineError, match="no such example outstanding"):
        collector.check()


class _FakeBoard:
    """A transport whose 'board' answers each example in two messages,
    delivered from another thread, as a LiveEventConnection does."""

    def __init__(self, outputs: BoardOutputs, n_outputs: int):
        self.callbacks = []
        self.outputs = outputs
        self.n_outputs = n_outputs

    def add_receive_callback(self, label, callback):
        self.callbacks.append(callback)

    def send(self, label, events):
        parity = events[0][0] // len(events)

        def reply():
            for part in (range(0, 1), range(1, self.n_outputs)):
                for atom in part:
                    for callback in self.callbacks + [self.outputs]:
                        callback("out", parity * self.n_outputs + atom,
                                 np.float32(atom).view(np.uint32).item())
        thread = threading.Thread(target=reply)
        thread.start()
        thread.join()    # both messages are in before advance() is called


def test_board_results_split_over_messages_are_not_a_stall():
    outputs = BoardOutputs(timeout_s=2.0)
    board = _FakeBoard(outputs, n_outputs=3)
    values = stream_examples(board, "in", "out",
                             np.zeros((4, 2), np.float32), 3,
                             outputs.advance, examples_in_flight=2)
    assert values.tolist() == [[0, 1, 2]] * 4


def test_board_silence_is_a_named_timeout():
    outputs = BoardOutputs(timeout_s=0.05)
    with pytest.raises(MachineError, match="no output from the board for "
                                           "0.05 s"):
        outputs.advance()


def test_router_provenance_totals():
    rows = [(0, 0, "RunDropped_Multicast_Packets", 3),
            (1, 0, "RunDropped_Multicast_Packets", 0),
            (0, 0, "RunReinjected", 3),
            (0, 0, "LoadDropped_Multicast_Packets", 9)]
    summary = summarise_router_provenance(rows)
    assert summary["dropped"] == 3 and summary["reinjected"] == 3
    assert summary["dropped_by_chip"] == {(0, 0): 3}


def test_fault_text_parses():
    faults = Faults.parse("drop:layer=dense,core=1,first=3;"
                          "stop:layer=out,after_packets=7;reinject=5;seed=4")
    assert faults.faults == [
        PacketFault(FaultKind.DROP, layer="dense", core=1, first=3, count=1),
        CoreFault(FaultKind.STOP, layer="out", after_packets=7)]
    assert faults.reinjection and faults.reinject_delay_us == 5
    assert faults.seed == 4
    with pytest.raises(ValueError, match="unknown fault 'explode'"):
        Faults.parse("explode:layer=x")


def test_timeouts_must_be_positive():
    with pytest.raises(ValueError, match="Timeouts.callback_s"):
        Timeouts(callback_s=0)
