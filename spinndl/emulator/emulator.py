"""The emulator: a mapped SpiNNaker application run on the host.

``Emulator.from_toolchain()`` (inside an open, mapped toolchain session)
builds an engine with the machine's chips and links, the generated routing
tables, one core per placed application core with its data-spec regions,
and native models for live input and output. ``start()`` runs every c_main,
``run()`` processes events; failures of a core raise :class:`CoreError`.
"""

import re
import os
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .engine import (
    ChipCounters, CoreCounters, CoreKind, CoreWork, Drop, Engine,
    FaultCounters, FaultKind, RunStatus, program_path)
from .. import host_link
from .live_io import (
    CONFIG_REGION, LiveInputConfig, LiveInputModel, LiveOutputConfig,
    LiveOutputModel)
from .snapshot import CoreSnapshot, MappingSnapshot, Role, take_snapshot
from .transport import EmulatorTransport

Location = Tuple[int, int, int]

#: The engine's log levels (as FEC's log_* levels).
LOG_WARNING = 20
LOG_INFO = 30

#: Wall seconds one callback may run before the engine fails the run.
DEFAULT_CALLBACK_LIMIT_S = 5.0
#: Simulated time between two packets a live input core sends: a RIPTMCS
#: forwards events that reach it in SDP messages over Ethernet, at most
#: about a million a second.
DEFAULT_INJECT_INTERVAL_NS = 1000
#: Default wall-clock limit of run() without an end.
DEFAULT_WALL_LIMIT_S = 120.0
#: Simulated time per engine call when run() has no end: Python checks its
#: wall-clock limit between calls, so a program that never idles fails
#: instead of hanging.
_RUN_SLICE_NS = 1_000_000
#: How the engine's error messages start ("core (x, y, p) running name: ").
_ENGINE_CORE_PREFIX = re.compile(r"^core \(\d+, \d+, \d+\) running [^:]*: ")


class EmulatorError(RuntimeError):
    """The emulator as a whole failed."""


class CoreError(EmulatorError):
    """A core failed: rt_error, a callback past its time limit, or an
    abnormal exit."""

    def __init__(self, location: Optional[Location], label: str,
                 program: str, reason: str):
        self.location = location
        self.label = label
        self.program = program
        self.reason = reason
        where = "core (?)" if location is None else \
            "core ({}, {}, {})".format(*location)
        super().__init__(f"{where} [{label}] running {program}: {reason}")


class WallClockLimitError(EmulatorError):
    """run() without an end took longer than its wall-clock limit."""


@dataclass(frozen=True)
class EmulatedCore:
    index: int            # the engine's core number
    snapshot: CoreSnapshot

    @property
    def location(self) -> Location:
        return self.snapshot.location

    @property
    def label(self) -> str:
        return self.snapshot.label


class Emulator:
    """One emulated run of a mapped application."""

    def __init__(self, snapshot: MappingSnapshot,
                 callback_limit_s: float = DEFAULT_CALLBACK_LIMIT_S,
                 inject_interval_ns: int = DEFAULT_INJECT_INTERVAL_NS):
        self.snapshot = snapshot
        self.inject_interval_ns = inject_interval_ns
        self._engine = Engine(snapshot.width, snapshot.height)
        self._engine.set_callback_limit(callback_limit_s)
        # The cores' log_info lines are for debugging; warnings and errors
        # always show.
        self._engine.set_log_level(
            LOG_INFO if os.environ.get("SPINNDL_VERBOSE", "") not in
            ("", "0") else LOG_WARNING)
        self._build_machine()
        self.cores: List[EmulatedCore] = []
        self._by_location: Dict[Location, EmulatedCore] = {}
        self._live_inputs: Dict[str, Tuple[EmulatedCore, LiveInputModel]] = {}
        self._live_outputs: List[Tuple[EmulatedCore, LiveOutputModel]] = []
        #: when the host link has carried every message sent so far
        self._link_busy_until = 0
        #: when each live input core has sent all it was given so far
        self._input_busy_until: Dict[int, int] = {}
        for core in snapshot.cores:
            self._add_core(core)
        self.transport = EmulatorTransport(
            self, snapshot.live_input_keys, snapshot.live_output_atoms)
        self._started = False

    @classmethod
    def from_toolchain(cls, **kwargs) -> "Emulator":
        """An emulator of the mapping of the open toolchain session."""
        return cls(take_snapshot(), **kwargs)

    # ---- building ----------------------------------------------------------
    def _build_machine(self) -> None:
        engine = self._engine
        for x, y in self.snapshot.chips:
            engine.add_chip(x, y)
        for x, y, link, to_x, to_y in self.snapshot.links:
            engine.add_link(x, y, link, to_x, to_y)
        for (x, y), routes in sorted(self.snapshot.routes.items()):
            for route in routes:
                engine.add_route(x, y, route.key, route.mask,
                                 route.processor_mask, route.link_mask)

    def _add_core(self, core: CoreSnapshot) -> None:
        if core.role == Role.PROGRAM:
            index = self._engine.add_core(core.x, core.y, core.p,
                                          CoreKind.PROGRAM,
                                          program_path(core.binary))
            for region in core.regions:
                self._engine.add_region(index, region.number, region.address,
                                        region.data)
        elif core.role == Role.LIVE_INPUT:
            index = self._engine.add_core(core.x, core.y, core.p,
                                          CoreKind.SOURCE)
        else:
            index = self._engine.add_core(core.x, core.y, core.p,
                                          CoreKind.SINK)
        emulated = EmulatedCore(index, core)
        self.cores.append(emulated)
        self._by_location[core.location] = emulated
        config = core.region(CONFIG_REGION)
        if core.role == Role.LIVE_INPUT:
            label = core.app_label or core.label
            if label in self._live_inputs:
                raise EmulatorError(
                    f"live input {label!r} is split over several cores; "
                    f"keep one core per live input label")
            self._live_inputs[label] = (emulated, LiveInputModel(
                label, LiveInputConfig.from_region(config or b"")))
        elif core.role == Role.LIVE_OUTPUT:
            self._live_outputs.append((emulated, LiveOutputModel(
                core.label, LiveOutputConfig.from_region(config or b""))))

    # ---- looking up cores -------------------------------------------------
    def core_at(self, x: int, y: int, p: int) -> EmulatedCore:
        try:
            return self._by_location[(x, y, p)]
        except KeyError:
            raise KeyError(f"no emulated core at ({x}, {y}, {p})") from None

    def cores_of(self, app_label: str) -> List[EmulatedCore]:
        """The cores of an application vertex, in placement order."""
        return [core for core in self.cores
                if core.snapshot.app_label == app_label]

    # ---- running -----------------------------------------------------------
    def start(self) -> None:
        """Run c_main on every program core."""
        if self._started:
            raise EmulatorError("the emulator has already been started")
        self._started = True
        self._check(self._engine.start())

    def run(self, until_ns: Optional[int] = None,
            wall_limit_s: Optional[float] = DEFAULT_WALL_LIMIT_S
            ) -> RunStatus:
        """Process events until simulated time until_ns, or (None) until no
        event is left or every program has exited; without an end, raise
        WallClockLimitError after wall_limit_s (None: no limit). Packets
        that reached live outputs are then handed to the transport's
        callbacks."""
        if not self._started:
            self.start()
        if until_ns is not None:
            status = self._check(self._engine.run(until_ns))
        else:
            deadline = None if wall_limit_s is None else \
                time.monotonic() + wall_limit_s
            while True:
                status = self._check(self._engine.run(
                    self._engine.now_ns + _RUN_SLICE_NS))
                if status != RunStatus.TIME_REACHED:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise WallClockLimitError(
                        f"still busy at {self.now_ns} ns simulated after "
                        f"{wall_limit_s} s of wall time")
        self._flush_live_outputs()
        return status

    def _check(self, status: int) -> RunStatus:
        status = RunStatus(status)
        if status == RunStatus.ERROR:
            raise self._core_error()
        return status

    def _core_error(self) -> CoreError:
        reason = self._engine.error_message() or "unknown failure"
        index = self._engine.error_core()
        if 0 <= index < len(self.cores):
            core = self.cores[index]
            # The engine names the core itself; keep only the reason.
            reason = _ENGINE_CORE_PREFIX.sub("", reason, count=1)
            return CoreError(core.location, core.label, core.snapshot.binary,
                             reason)
        return CoreError(None, "?", "?", reason)

    @property
    def now_ns(self) -> int:
        return self._engine.now_ns

    # ---- live I/O -----------------------------------------------------------
    def receive_live_input(self, label: str, message_bytes: bytes) -> None:
        """The host sends an EIEIO message to the live input (RIPTMCS) core
        of this application label, now. It crosses the host link (every
        live input shares one 100 Mbit/s Ethernet, spinndl.host_link): it
        reaches the core once the link has carried every earlier message
        and this one's frame."""
        core, model = self._live_inputs[label]
        keys, payloads, has_payload = model.packets_of(message_bytes)
        arrived = max(self._engine.now_ns, self._link_busy_until) + \
            host_link.frame_wire_ns(len(message_bytes))
        self._link_busy_until = arrived
        if len(keys):
            self._inject_in_turn(core, keys,
                                 payloads if has_payload else None,
                                 self.inject_interval_ns, arrived)

    def inject_keys(self, label: str, keys, payloads=None,
                    start_ns: Optional[int] = None,
                    interval_ns: Optional[int] = None) -> None:
        """Bulk path around EIEIO: the live input core of this label sends
        these full keys (with payloads unless None). For benchmarks and
        large host-side streams that already hold keys."""
        core, _model = self._live_inputs[label]
        interval = self.inject_interval_ns if interval_ns is None \
            else interval_ns
        if start_ns is None:
            self._inject_in_turn(core, keys, payloads, interval)
        else:
            self._engine.inject(core.index, keys, payloads, start_ns,
                                interval)

    def _inject_in_turn(self, core: EmulatedCore, keys, payloads,
                        interval_ns: int, arrived_ns: int = 0) -> None:
        """A live input core sends one message after another, as the real
        one does: a message starts once it has arrived and the previous
        one has been sent."""
        start = max(self._engine.now_ns, arrived_ns,
                    self._input_busy_until.get(core.index, 0))
        self._engine.inject(core.index, keys, payloads, start, interval_ns)
        self._input_busy_until[core.index] = start + len(keys) * interval_ns

    def _flush_live_outputs(self) -> None:
        for core, model in self._live_outputs:
            keys, payloads, _times = self._engine.drain(core.index)
            for message in model.messages_of(keys, payloads):
                self.transport.deliver(message)

    # ---- reading back -------------------------------------------------------
    def read_region(self, x: int, y: int, p: int, region: int) -> bytes:
        """A data region of a core as its program left it."""
        data = self._engine.core_region(self.core_at(x, y, p).index, region)
        if data is None:
            raise KeyError(f"core ({x}, {y}, {p}) has no region {region}")
        return data

    def core_counters(self, x: int, y: int, p: int) -> CoreCounters:
        return self._engine.core_counters(self.core_at(x, y, p).index)

    def counters_by_core(self) -> Dict[Location, CoreCounters]:
        return {core.location: self._engine.core_counters(core.index)
                for core in self.cores}

    def work_by_core(self) -> Dict[Location, CoreWork]:
        """The work each counting core's kernels did (src/common/work.h),
        with the simulated time its callbacks took."""
        works = {}
        for core in self.cores:
            work = self._engine.core_work(core.index)
            if work is not None:
                works[core.location] = work
        return works

    def work_costs(self) -> Dict[str, int]:
        """ARM968 cycles per unit of each kind of work (the cost table)."""
        return self._engine.work_costs()

    def chip_counters(self, x: int, y: int) -> ChipCounters:
        return self._engine.chip_counters(x, y)

    def counters_by_chip(self) -> Dict[Tuple[int, int], ChipCounters]:
        return {(x, y): self._engine.chip_counters(x, y)
                for x, y in self.snapshot.chips}

    def link_counters(self) -> Dict[Tuple[int, int, int], int]:
        """Packets sent out of each (x, y, link) that carried any."""
        return {(x, y, link): sent
                for (x, y), counters in self.counters_by_chip().items()
                for link, sent in enumerate(counters.link_sent) if sent}

    def drops(self, max_listed: int = 1024) -> Tuple[int, List[Drop]]:
        """(total dropped packets, the first drops with key and chip)."""
        return self._engine.drops(max_listed)

    @property
    def deliveries(self) -> int:
        """Packets delivered to cores so far."""
        return self._engine.deliveries

    # ---- faults (docs/reliability.md) ----------------------------------------
    def add_fault(self, kind: FaultKind, location: Optional[Location] = None,
                  **options) -> None:
        """A fault of the engine (``Engine.add_fault`` options); location
        is the sending core of a packet fault (None: any core) or the core
        of a stop, hang or crash."""
        core = -1 if location is None else self.core_at(*location).index
        self._engine.add_fault(kind, core, **options)

    def set_fault_seed(self, seed: int) -> None:
        self._engine.set_fault_seed(seed)

    def set_reinjection(self, enabled: bool, delay_ns: int = 0,
                        jitter_ns: int = 0) -> None:
        """Dropped packets are sent again by the chip's monitor after
        delay_ns plus up to jitter_ns (seeded), as a board's extra monitor
        cores do."""
        self._engine.set_reinjection(enabled, delay_ns, jitter_ns)

    def fault_counters(self) -> FaultCounters:
        return self._engine.fault_counters()

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
