"""ctypes binding of the emulator engine (neural_modelling/emulator/engine.h).

One :class:`Engine` owns one ``emu_engine_t``. The methods are thin: they
convert Python values to C ones and C failures to exceptions. Everything the
toolchain knows (placements, tables, regions) is fed in by the caller.
"""

import ctypes
import enum
import glob
import logging
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy

#: Where ``make -C neural_modelling host`` puts the engine and the programs.
HOST_BINARY_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "model_binaries", "host")
ENGINE_LIBRARY = "libspinndl_emulator.so"
BUILD_COMMAND = "make -C neural_modelling host"

N_LINKS = 6
#: The C sources, when spinndl runs from a source checkout.
_SOURCE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "neural_modelling")

logger = logging.getLogger(__name__)


class EngineBuildError(RuntimeError):
    """The engine or a program has no host build (or it is older than its
    sources)."""


class RunStatus(enum.IntEnum):
    IDLE = 0
    TIME_REACHED = 1
    ALL_EXITED = 2
    ERROR = 3


class CoreKind(enum.IntEnum):
    PROGRAM = 0
    SOURCE = 1
    SINK = 2


class CoreState(enum.IntEnum):
    NOT_STARTED = 0
    RUNNING = 1
    PAUSED = 2
    EXITED = 3
    ERROR = 4
    STOPPED = 5     # an injected stop fault


class DropReason(enum.IntEnum):
    ROUTER = 0      # nowhere to go, or waited too long for a busy core
    FAULT = 1       # an injected drop
    PARITY = 2      # an injected bit flip, caught by the parity check


class FaultKind(enum.IntEnum):
    DROP = 0
    PARITY = 1
    DELAY = 2
    STOP = 3
    HANG = 4
    CRASH = 5


class _CoreCounters(ctypes.Structure):
    _fields_ = [("sent", ctypes.c_uint64), ("received", ctypes.c_uint64),
                ("callbacks", ctypes.c_uint64),
                ("queue_overflows", ctypes.c_uint64),
                ("state", ctypes.c_uint32)]


class _ChipCounters(ctypes.Structure):
    _fields_ = [("routed", ctypes.c_uint64),
                ("default_routed", ctypes.c_uint64),
                ("dropped", ctypes.c_uint64),
                ("link_sent", ctypes.c_uint64 * N_LINKS)]


class _Drop(ctypes.Structure):
    _fields_ = [("key", ctypes.c_uint32), ("x", ctypes.c_uint32),
                ("y", ctypes.c_uint32), ("reason", ctypes.c_uint32),
                ("reinjected", ctypes.c_uint32), ("sender", ctypes.c_int32),
                ("time_ns", ctypes.c_uint64)]


class _Fault(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_uint32), ("core", ctypes.c_int32),
                ("key", ctypes.c_uint32), ("mask", ctypes.c_uint32),
                ("first", ctypes.c_uint64), ("count", ctypes.c_uint64),
                ("rate", ctypes.c_double), ("delay_ns", ctypes.c_uint64),
                ("after_packets", ctypes.c_uint64)]


class _FaultCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "dropped", "fault_drops", "parity_errors", "reinjected", "delayed",
        "core_faults")]


@dataclass(frozen=True)
class CoreCounters:
    sent: int
    received: int
    callbacks: int
    queue_overflows: int
    state: CoreState


@dataclass(frozen=True)
class CoreWork:
    """What a core's kernels did (src/common/work.h kinds, 64-bit totals)
    and the simulated time its callbacks took, of which delay_ns waiting
    in spin1_delay_us (pacing)."""
    counts: Dict[str, int]
    busy_ns: int
    delay_ns: int = 0

    def macs(self) -> int:
        """Multiply-accumulates of every kind."""
        return sum(n for kind, n in self.counts.items()
                   if kind.endswith("_MAC"))


@dataclass(frozen=True)
class ChipCounters:
    routed: int
    default_routed: int
    dropped: int
    link_sent: Tuple[int, ...]


@dataclass(frozen=True)
class Drop:
    key: int
    x: int
    y: int
    time_ns: int
    reason: DropReason = DropReason.ROUTER
    #: the chip's monitor sent the packet again (reinjection)
    reinjected: bool = False
    #: the engine's index of the sending core, None if not known
    sender: Optional[int] = None


@dataclass(frozen=True)
class FaultCounters:
    dropped: int          # packets dropped, every reason
    fault_drops: int      # of those, by injected drops
    parity_errors: int    # of those, by injected bit flips
    reinjected: int       # of those, sent again by a monitor
    delayed: int          # packets held back by injected delays
    core_faults: int      # stop / hang / crash faults that fired

    @property
    def lost(self) -> int:
        """Dropped packets nobody sent again."""
        return self.dropped - self.reinjected


_U32 = ctypes.c_uint32
_U64 = ctypes.c_uint64
_INT = ctypes.c_int
_PTR = ctypes.c_void_p
_U32P = ctypes.POINTER(ctypes.c_uint32)
_U64P = ctypes.POINTER(ctypes.c_uint64)

#: name: (restype, argtypes), exactly as engine.h declares them.
_SIGNATURES = {
    "emu_create": (_PTR, [_U32, _U32]),
    "emu_destroy": (None, [_PTR]),
    "emu_add_chip": (_INT, [_PTR, _U32, _U32]),
    "emu_add_link": (_INT, [_PTR, _U32, _U32, _U32, _U32, _U32]),
    "emu_add_route": (_INT, [_PTR, _U32, _U32, _U32, _U32, _U32, _U32]),
    "emu_add_core": (_INT, [_PTR, _U32, _U32, _U32, _INT, ctypes.c_char_p]),
    "emu_add_region": (_INT, [_PTR, _INT, _U32, _U32, ctypes.c_char_p,
                              _U32]),
    "emu_start": (_INT, [_PTR]),
    "emu_run": (_INT, [_PTR, _U64]),
    "emu_now": (_U64, [_PTR]),
    "emu_inject": (_INT, [_PTR, _INT, _U64, _U64, _U32P, _U32P, _INT,
                          _U32]),
    "emu_drain": (_U32, [_PTR, _INT, _U32P, _U32P, _U64P, _U32]),
    "emu_core_region": (_PTR, [_PTR, _INT, _U32, _U32P]),
    "emu_error_message": (ctypes.c_char_p, [_PTR]),
    "emu_error_core": (_INT, [_PTR]),
    "emu_set_callback_limit": (None, [_PTR, ctypes.c_double]),
    "emu_set_log_level": (None, [_PTR, _INT]),
    "emu_core_counters": (_INT, [_PTR, _INT, ctypes.POINTER(_CoreCounters)]),
    "emu_work_kinds": (_U32, []),
    "emu_work_kind": (ctypes.c_char_p, [_U32, _U32P]),
    "emu_core_work": (_INT, [_PTR, _INT, _U64P, _U32, _U64P, _U64P]),
    "emu_chip_counters": (_INT, [_PTR, _U32, _U32,
                                 ctypes.POINTER(_ChipCounters)]),
    "emu_drops": (_U64, [_PTR, ctypes.POINTER(_Drop), _U32]),
    "emu_deliveries": (_U64, [_PTR]),
    "emu_add_fault": (_INT, [_PTR, ctypes.POINTER(_Fault)]),
    "emu_set_fault_seed": (None, [_PTR, _U64]),
    "emu_set_reinjection": (None, [_PTR, _INT, _U64, _U64]),
    "emu_fault_counters": (None, [_PTR, ctypes.POINTER(_FaultCounters)]),
}

_library: Optional[ctypes.CDLL] = None


def host_binary_dir() -> str:
    """The folder of host builds; ``SPINNDL_HOST_BINARIES`` overrides it."""
    return os.environ.get("SPINNDL_HOST_BINARIES", HOST_BINARY_DIR)


def _missing(path: str, what: str) -> EngineBuildError:
    return EngineBuildError(
        f"no host build of {what} at {path}: run `{BUILD_COMMAND}` "
        f"from the spinndl repository")


def program_path(binary_name: str) -> str:
    """The host shared object of a core's program: ``ring.aplx`` is run from
    ``<host binaries>/ring.so``."""
    stem = os.path.splitext(os.path.basename(binary_name))[0]
    path = os.path.join(host_binary_dir(), stem + ".so")
    if not os.path.isfile(path):
        raise _missing(path, f"program {binary_name}")
    return path


def _warn_if_stale(path: str) -> None:
    """In a source checkout, say so when the engine is older than its C."""
    sources = glob.glob(os.path.join(_SOURCE_DIR, "emulator", "*.[ch]")) + \
        glob.glob(os.path.join(_SOURCE_DIR, "host", "*.[ch]"))
    built = os.path.getmtime(path)
    newer = [source for source in sources if os.path.getmtime(source) > built]
    if newer:
        logger.warning("%s is older than %s: run `%s`", path,
                       os.path.relpath(newer[0], _SOURCE_DIR), BUILD_COMMAND)


def load_library() -> ctypes.CDLL:
    """The engine library, loaded once per process."""
    global _library  # pylint: disable=global-statement
    if _library is None:
        path = os.path.join(host_binary_dir(), ENGINE_LIBRARY)
        if not os.path.isfile(path):
            raise _missing(path, "the emulator engine")
        _warn_if_stale(path)
        library = ctypes.CDLL(path)
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(library, name)
            function.restype = restype
            function.argtypes = argtypes
        _library = library
    return _library


def _as_u32_array(values: Sequence[int]) -> numpy.ndarray:
    return numpy.ascontiguousarray(numpy.asarray(values, dtype=numpy.uint64)
                                   .astype(numpy.uint32))


class Engine:
    """One engine instance: build the machine, add cores, run."""

    def __init__(self, width: int, height: int):
        self._lib = load_library()
        self._handle = self._lib.emu_create(width, height)
        if not self._handle:
            raise MemoryError("emu_create failed")

    def close(self) -> None:
        if self._handle:
            self._lib.emu_destroy(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.close()

    def _check(self, result: int, what: str) -> int:
        if result < 0:
            raise ValueError(f"{what} failed ({self.error_message() or result})")
        return result

    # ---- building ----------------------------------------------------------
    def add_chip(self, x: int, y: int) -> None:
        self._check(self._lib.emu_add_chip(self._handle, x, y),
                    f"adding chip ({x}, {y})")

    def add_link(self, x: int, y: int, link: int, to_x: int, to_y: int) -> None:
        self._check(self._lib.emu_add_link(self._handle, x, y, link, to_x, to_y),
                    f"adding link {link} of ({x}, {y})")

    def add_route(self, x: int, y: int, key: int, mask: int,
                  processor_mask: int, link_mask: int) -> None:
        self._check(self._lib.emu_add_route(
            self._handle, x, y, key, mask, processor_mask, link_mask),
            f"adding route {key:#x}/{mask:#x} on ({x}, {y})")

    def add_core(self, x: int, y: int, p: int, kind: CoreKind,
                 so_path: Optional[str] = None) -> int:
        encoded = so_path.encode() if so_path is not None else None
        return self._check(
            self._lib.emu_add_core(self._handle, x, y, p, int(kind), encoded),
            f"adding core ({x}, {y}, {p})")

    def add_region(self, core: int, region: int, address: int,
                   data: bytes) -> None:
        self._check(self._lib.emu_add_region(
            self._handle, core, region, address, data, len(data)),
            f"adding region {region} of core {core}")

    # ---- running -----------------------------------------------------------
    def start(self) -> RunStatus:
        return RunStatus(self._lib.emu_start(self._handle))

    def run(self, until_ns: int = 0) -> RunStatus:
        return RunStatus(self._lib.emu_run(self._handle, until_ns))

    @property
    def now_ns(self) -> int:
        return self._lib.emu_now(self._handle)

    def set_callback_limit(self, seconds: float) -> None:
        self._lib.emu_set_callback_limit(self._handle, seconds)

    def set_log_level(self, level: int) -> None:
        """Cores' log_* calls at or below level are printed (10 error,
        20 warning, 30 info, 40 debug)."""
        self._lib.emu_set_log_level(self._handle, level)

    def inject(self, core: int, keys: Sequence[int],
               payloads: Optional[Sequence[int]], start_ns: int,
               interval_ns: int) -> None:
        key_array = _as_u32_array(keys)
        n = len(key_array)
        if payloads is None:
            payload_array = numpy.zeros(n, dtype=numpy.uint32)
        else:
            payload_array = _as_u32_array(payloads)
            if len(payload_array) != n:
                raise ValueError(f"{n} keys but {len(payload_array)} payloads")
        self._check(self._lib.emu_inject(
            self._handle, core, start_ns, interval_ns,
            key_array.ctypes.data_as(_U32P),
            payload_array.ctypes.data_as(_U32P),
            0 if payloads is None else 1, n), f"injecting into core {core}")

    def drain(self, core: int, max_packets: int = 1 << 16
              ) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """Every packet the sink core got since the last drain:
        (keys, payloads, times_ns)."""
        parts: List[Tuple[numpy.ndarray, ...]] = []
        while True:
            keys = numpy.empty(max_packets, dtype=numpy.uint32)
            payloads = numpy.empty(max_packets, dtype=numpy.uint32)
            times = numpy.empty(max_packets, dtype=numpy.uint64)
            n = self._lib.emu_drain(
                self._handle, core, keys.ctypes.data_as(_U32P),
                payloads.ctypes.data_as(_U32P), times.ctypes.data_as(_U64P),
                max_packets)
            parts.append((keys[:n], payloads[:n], times[:n]))
            if n < max_packets:
                break
        return tuple(numpy.concatenate(column) for column in zip(*parts))

    def core_region(self, core: int, region: int) -> Optional[bytes]:
        size = ctypes.c_uint32(0)
        pointer = self._lib.emu_core_region(self._handle, core, region,
                                            ctypes.byref(size))
        if not pointer:
            return None
        return ctypes.string_at(pointer, size.value)

    # ---- errors and counters ----------------------------------------------
    def error_message(self) -> str:
        message = self._lib.emu_error_message(self._handle)
        return message.decode(errors="replace") if message else ""

    def error_core(self) -> int:
        return self._lib.emu_error_core(self._handle)

    def core_counters(self, core: int) -> CoreCounters:
        out = _CoreCounters()
        self._check(self._lib.emu_core_counters(self._handle, core,
                                                ctypes.byref(out)),
                    f"counters of core {core}")
        return CoreCounters(out.sent, out.received, out.callbacks,
                            out.queue_overflows, CoreState(out.state))

    def work_costs(self) -> Dict[str, int]:
        """The cost table of src/common/work.h: ARM968 cycles per unit of
        each kind of work, in the kernels' counter order."""
        costs = {}
        cycles = ctypes.c_uint32()
        for kind in range(self._lib.emu_work_kinds()):
            name = self._lib.emu_work_kind(kind, ctypes.byref(cycles))
            costs[name.decode()] = cycles.value
        return costs

    def core_work(self, core: int) -> Optional[CoreWork]:
        """The work a core's kernels counted and the engine charged (None:
        its program counts nothing)."""
        n = self._lib.emu_work_kinds()
        totals = numpy.zeros(n, dtype=numpy.uint64)
        busy, delay = ctypes.c_uint64(), ctypes.c_uint64()
        counted = self._lib.emu_core_work(
            self._handle, core,
            totals.ctypes.data_as(ctypes.POINTER(ctypes.c_uint64)), n,
            ctypes.byref(busy), ctypes.byref(delay))
        self._check(counted, f"work of core {core}")
        if counted == 0:
            return None
        return CoreWork(dict(zip(self.work_costs(), map(int, totals))),
                        busy.value, delay.value)

    def chip_counters(self, x: int, y: int) -> ChipCounters:
        out = _ChipCounters()
        self._check(self._lib.emu_chip_counters(self._handle, x, y,
                                                ctypes.byref(out)),
                    f"counters of chip ({x}, {y})")
        return ChipCounters(out.routed, out.default_routed, out.dropped,
                            tuple(out.link_sent))

    def drops(self, max_listed: int = 1024) -> Tuple[int, List[Drop]]:
        """(total packets dropped, the first up to max_listed drops)."""
        out = (_Drop * max_listed)()
        total = self._lib.emu_drops(self._handle, out, max_listed)
        return total, [Drop(d.key, d.x, d.y, d.time_ns,
                            DropReason(d.reason), bool(d.reinjected),
                            None if d.sender < 0 else d.sender)
                       for d in out[:min(total, max_listed)]]

    # ---- faults --------------------------------------------------------------
    def add_fault(self, kind: FaultKind, core: int = -1, key: int = 0,
                  mask: int = 0, first: int = 0, count: int = 0,
                  rate: float = 0.0, delay_ns: int = 0,
                  after_packets: int = 0) -> None:
        """One fault (engine.h, emu_fault_t)."""
        fault = _Fault(int(kind), core, key & 0xFFFFFFFF, mask & 0xFFFFFFFF,
                       first, count, rate, delay_ns, after_packets)
        self._check(self._lib.emu_add_fault(self._handle,
                                            ctypes.byref(fault)),
                    f"adding a {FaultKind(kind).name.lower()} fault")

    def set_fault_seed(self, seed: int) -> None:
        self._lib.emu_set_fault_seed(self._handle, seed & (2 ** 64 - 1))

    def set_reinjection(self, enabled: bool, delay_ns: int = 0,
                        jitter_ns: int = 0) -> None:
        self._lib.emu_set_reinjection(self._handle, int(enabled), delay_ns,
                                      jitter_ns)

    def fault_counters(self) -> FaultCounters:
        out = _FaultCounters()
        self._lib.emu_fault_counters(self._handle, ctypes.byref(out))
        return FaultCounters(*(getattr(out, name) for name, _ in
                               _FaultCounters._fields_))

    @property
    def deliveries(self) -> int:
        return self._lib.emu_deliveries(self._handle)
