"""How the Emulator feeds a snapshot to the engine and turns engine
failures into CoreError, with a stand-in engine that records calls."""

import struct

import pytest

from spinndl.emulator import emulator as emulator_module
from spinndl.emulator import CoreError, Emulator, RunStatus
from spinndl.emulator.engine import CoreKind
from spinndl.emulator.snapshot import (
    CoreSnapshot, MappingSnapshot, Region, Role, Route)

RIPTMCS_CONFIG = struct.pack("<7I", 1, 0x200, 1, 0, 1, 0x200, 0xFFFFFFF0)
LPG_CONFIG = struct.pack("<15I", 0, 0, 0, 3, 0, 0, 0, 0, 0, 3, 0, 0,
                         0xFFFFFFFF, 0, 0)


class FakeEngine:
    def __init__(self, width, height):
        self.calls = []
        self.cores = []
        self.status = RunStatus.IDLE
        self.drained = {}
        self.now_ns = 0

    def __getattr__(self, name):
        def record(*args):
            self.calls.append((name,) + args)
        return record

    def add_core(self, x, y, p, kind, so_path=None):
        self.cores.append((x, y, p, kind, so_path))
        return len(self.cores) - 1

    def start(self):
        return RunStatus.IDLE

    def run(self, until_ns=0):
        return self.status

    def error_message(self):
        return "rt_error RTE_SWERR"

    def error_core(self):
        return 1

    def drain(self, core):
        keys, payloads = self.drained.pop(core, ([], []))
        return keys, payloads, [0] * len(keys)


def snapshot():
    cores = [
        CoreSnapshot(0, 0, 1, "lpg", "lpg", "live_packet_gather.aplx",
                     Role.LIVE_OUTPUT, (Region(1, 0, LPG_CONFIG),)),
        CoreSnapshot(1, 0, 3, "a(0:0)", "a", "ring.aplx", Role.PROGRAM,
                     (Region(0, 0, b"\x01\0\0\0"), Region(1, 0, bytes(8)))),
        CoreSnapshot(0, 0, 4, "in(0:15)", "in",
                     "reverse_iptag_multicast_source.aplx", Role.LIVE_INPUT,
                     (Region(1, 0, RIPTMCS_CONFIG),)),
    ]
    return MappingSnapshot(
        8, 8, [(0, 0), (1, 0)], [(0, 0, 0, 1, 0), (1, 0, 3, 0, 0)],
        {(0, 0): [Route(0x200, 0xFFFFFFF0, 0, 1)],
         (1, 0): [Route(0x200, 0xFFFFFFF0, 1 << 3, 0)]},
        cores, {"in": {atom: 0x200 + atom for atom in range(16)}},
        {"a": {0x300: 0}})


@pytest.fixture
def emulator(monkeypatch):
    monkeypatch.setattr(emulator_module, "Engine", FakeEngine)
    monkeypatch.setattr(emulator_module, "program_path",
                        lambda binary: f"/host/{binary[:-5]}.so")
    return Emulator(snapshot())


def test_machine_cores_and_regions_reach_the_engine(emulator):
    engine = emulator._engine   # pylint: disable=protected-access
    names = [call[0] for call in engine.calls]
    assert names.count("add_chip") == 2
    assert ("add_link", 0, 0, 0, 1, 0) in engine.calls
    assert ("add_route", 1, 0, 0x200, 0xFFFFFFF0, 1 << 3, 0) in engine.calls
    assert engine.cores == [
        (0, 0, 1, CoreKind.SINK, None),
        (1, 0, 3, CoreKind.PROGRAM, "/host/ring.so"),
        (0, 0, 4, CoreKind.SOURCE, None)]
    assert ("add_region", 1, 1, 0, bytes(8)) in engine.calls


def test_transport_send_injects_full_keys_at_the_source_core(emulator):
    emulator.start()
    emulator.transport.send("in", [(2, 10), (15, 11)])
    injects = [c for c in emulator._engine.calls if c[0] == "inject"]
    assert len(injects) == 1
    _, core, keys, payloads, _start, _interval = injects[0]
    assert core == 2
    assert list(keys) == [0x202, 0x20F] and list(payloads) == [10, 11]


def test_live_output_packets_reach_callbacks_after_run(emulator):
    seen = []
    emulator.transport.add_receive_callback(
        "a", lambda *event: seen.append(event))
    emulator._engine.drained[0] = ([0x300, 0x300], [5, 6])
    emulator.run(until_ns=1000)
    assert seen == [("a", 0, 5), ("a", 0, 6)]


def test_engine_error_becomes_core_error_naming_the_core(emulator):
    emulator._engine.status = RunStatus.ERROR
    with pytest.raises(CoreError) as failure:
        emulator.run()
    assert failure.value.location == (1, 0, 3)
    assert failure.value.program == "ring.aplx"
    assert "core (1, 0, 3)" in str(failure.value)
    assert "rt_error" in str(failure.value)
