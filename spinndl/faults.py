"""Fault injection for the emulator (docs/reliability.md).

A :class:`Faults` collects faults and the reinjection setting for one run::

    from spinndl.faults import Faults, drop, stop
    model.predict(x, faults=Faults(drop(rate=1e-3), reinjection=True))
    model.predict(x, faults=Faults(stop("dense", core=1, after_packets=50)))

or, for any script, the environment variable ``SPINNDL_FAULTS`` (used when
no ``faults=`` is given), e.g. ``SPINNDL_FAULTS="drop:rate=1e-3;reinject"``
or ``"stop:layer=dense,core=1,after_packets=50;seed=3"``: items separated by
``;``, each ``kind:option=value,...``, ``reinject`` / ``reinject=delay_us``,
or ``seed=N``.

Faults act in the emulator's C engine, where packets flow: a packet fault
(drop, parity, delay) hits packets sent by a layer (or one core of it),
chosen by index (``first``, ``count``) and/or a seeded ``rate``; a core
fault (stop, hang, crash) hits one core of a layer once it has received
``after_packets`` packets. A board ignores them (there is no fault
injection on hardware).
"""

import os
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

from .emulator.engine import FaultKind

ENVIRONMENT_VARIABLE = "SPINNDL_FAULTS"
#: A board's monitor re-injects a dropped packet after some microseconds.
DEFAULT_REINJECT_DELAY_US = 20.0
DEFAULT_REINJECT_JITTER_US = 20.0

_PACKET_KINDS = {"drop": FaultKind.DROP, "parity": FaultKind.PARITY,
                 "corrupt": FaultKind.PARITY, "delay": FaultKind.DELAY}
_CORE_KINDS = {"stop": FaultKind.STOP, "hang": FaultKind.HANG,
               "crash": FaultKind.CRASH}


@dataclass(frozen=True)
class PacketFault:
    """Packets hit: those sent by ``layer`` (a layer name, the input
    layer's name or "spinndl_labels" for the label source; None: every
    sender), by its core number ``core`` (slice order; None: every core of
    the layer, on the layer's ``partition``), whose key matches key/mask
    (mask 0: any); among them the ``first``-th .. ``first + count - 1``-th
    (0-based, in sending order), and each with probability ``rate``."""
    kind: FaultKind
    layer: Optional[str] = None
    core: Optional[int] = None
    partition: str = "forward"
    key: int = 0
    mask: int = 0
    first: int = 0
    count: int = 0
    rate: float = 0.0
    delay_us: float = 0.0


@dataclass(frozen=True)
class CoreFault:
    """Core ``core`` (slice order) of layer ``layer`` stops, hangs in a
    callback or crashes once it has received ``after_packets`` packets."""
    kind: FaultKind
    layer: str
    core: int = 0
    after_packets: int = 0


Fault = Union[PacketFault, CoreFault]


def drop(layer=None, core=None, first=0, count=None, rate=0.0, **options
         ) -> PacketFault:
    """Drop packets (by default the first matching one)."""
    return PacketFault(FaultKind.DROP, layer, core, first=first,
                       count=_count(count, rate), rate=rate, **options)


def corrupt(layer=None, core=None, first=0, count=None, rate=0.0,
            **options) -> PacketFault:
    """Flip a payload bit: the router's parity check drops the packet and
    counts a parity error (never re-injected: its data is wrong)."""
    return PacketFault(FaultKind.PARITY, layer, core, first=first,
                       count=_count(count, rate), rate=rate, **options)


def delay(delay_us: float, layer=None, core=None, first=0, count=None,
          rate=0.0, **options) -> PacketFault:
    """Hold packets back delay_us (they may arrive after later ones)."""
    return PacketFault(FaultKind.DELAY, layer, core, first=first,
                       count=_count(count, rate), rate=rate,
                       delay_us=delay_us, **options)


def stop(layer: str, core: int = 0, after_packets: int = 0) -> CoreFault:
    return CoreFault(FaultKind.STOP, layer, core, after_packets)


def hang(layer: str, core: int = 0, after_packets: int = 0) -> CoreFault:
    return CoreFault(FaultKind.HANG, layer, core, after_packets)


def crash(layer: str, core: int = 0, after_packets: int = 0) -> CoreFault:
    return CoreFault(FaultKind.CRASH, layer, core, after_packets)


def _count(count: Optional[int], rate: float) -> int:
    if count is not None:
        return int(count)
    return 0 if rate else 1


@dataclass
class Faults:
    """The faults of one run and how the machine copes: ``reinjection``
    re-sends packets a router dropped (not parity errors) after
    reinject_delay_us plus up to reinject_jitter_us (seeded), as a board's
    extra monitor cores do, possibly out of order."""
    faults: List[Fault] = field(default_factory=list)
    seed: int = 1
    reinjection: bool = False
    reinject_delay_us: float = DEFAULT_REINJECT_DELAY_US
    reinject_jitter_us: float = DEFAULT_REINJECT_JITTER_US

    def __init__(self, *faults: Fault, seed: int = 1,
                 reinjection: bool = False,
                 reinject_delay_us: float = DEFAULT_REINJECT_DELAY_US,
                 reinject_jitter_us: float = DEFAULT_REINJECT_JITTER_US):
        for fault in faults:
            if not isinstance(fault, (PacketFault, CoreFault)):
                raise TypeError(f"not a fault: {fault!r}; use "
                                f"spinndl.faults.drop(...) etc.")
            if isinstance(fault, PacketFault) and not 0 <= fault.rate <= 1:
                raise ValueError(f"fault rate {fault.rate} is not in 0..1")
        self.faults = list(faults)
        self.seed = seed
        self.reinjection = reinjection
        self.reinject_delay_us = reinject_delay_us
        self.reinject_jitter_us = reinject_jitter_us

    @classmethod
    def parse(cls, text: str) -> "Faults":
        """Faults from the SPINNDL_FAULTS syntax (module docstring)."""
        faults: List[Fault] = []
        settings: dict = {}
        for item in filter(None, (part.strip() for part in text.split(";"))):
            name, _, rest = item.partition(":")
            name, _, value = name.partition("=")
            name = name.strip().lower()
            if name == "reinject":
                settings["reinjection"] = True
                if value:
                    settings["reinject_delay_us"] = float(value)
                continue
            if name == "seed":
                settings["seed"] = int(value)
                continue
            options = {}
            for pair in filter(None, rest.split(",")):
                key, _, raw = pair.partition("=")
                options[key.strip()] = _number(raw.strip())
            if name in _PACKET_KINDS:
                faults.append(PacketFault(_PACKET_KINDS[name], **{
                    "count": _count(options.pop("count", None),
                                    options.get("rate", 0.0)), **options}))
            elif name in _CORE_KINDS:
                faults.append(CoreFault(_CORE_KINDS[name], **options))
            else:
                raise ValueError(
                    f"{ENVIRONMENT_VARIABLE}: unknown fault {name!r} in "
                    f"{item!r}; kinds: {sorted(_PACKET_KINDS)} "
                    f"{sorted(_CORE_KINDS)}, or reinject, seed")
        return cls(*faults, **settings)

    @classmethod
    def from_environment(cls) -> Optional["Faults"]:
        text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        return cls.parse(text) if text else None


def _number(raw: str):
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def resolve(faults: Optional[Faults]) -> Optional[Faults]:
    """The faults of a run: those given, else SPINNDL_FAULTS."""
    return faults if faults is not None else Faults.from_environment()


def apply_to_emulator(faults: Faults, emulator, locate, layer_keys) -> None:
    """Set the faults in an emulator. locate(layer, core) -> (x, y, p);
    layer_keys(layer, partition) -> (key, mask) of the layer's partition."""
    emulator.set_fault_seed(faults.seed)
    emulator.set_reinjection(faults.reinjection,
                             int(faults.reinject_delay_us * 1000),
                             int(faults.reinject_jitter_us * 1000))
    for fault in faults.faults:
        if isinstance(fault, CoreFault):
            emulator.add_fault(fault.kind, locate(fault.layer, fault.core),
                               after_packets=fault.after_packets)
            continue
        location: Optional[Tuple[int, int, int]] = None
        key, mask = fault.key, fault.mask
        if fault.layer is not None and fault.core is not None:
            location = locate(fault.layer, fault.core)
        elif fault.layer is not None and not mask:
            key, mask = layer_keys(fault.layer, fault.partition)
        emulator.add_fault(fault.kind, location, key=key, mask=mask,
                           first=fault.first, count=fault.count,
                           rate=fault.rate,
                           delay_ns=int(fault.delay_us * 1000))
