"""Fixed-point saturation, reported (docs/numerics.md, "Saturation").

A fixed-point core (``numerics="fixed"``) clips a result that leaves its
format's range (values: ±65,536, weights: ±128) and counts it in its
SATURATION region, by where it happened (wire_format.SaturationKind). After
every run the host reads every core's counters: they go on
``model.last_run.saturations`` (by layer) and ``saturated_cores`` (by
core), and any count above zero is a :class:`SaturationWarning` naming the
layer, the cores (chip x, y, p and atom range) and the counts. Float cores
do not saturate and have no counters.
"""

import os
import sys
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .numerics import VALUE_LIMIT, WEIGHT_LIMIT
from .wire_format import SATURATION_COUNTERS, Region, SaturationKind

#: What a count of each kind means, for the warning.
MEANINGS = {
    SaturationKind.FORWARD: (f"forward values (z, activations, softmax) "
                             f"clipped to ±{VALUE_LIMIT:,.0f}"),
    SaturationKind.BACKWARD: (f"backward values (loss gradients, deltas, "
                              f"partial errors clipped to "
                              f"±{VALUE_LIMIT:,.0f}; gradient sums to "
                              f"±{WEIGHT_LIMIT:g})"),
    SaturationKind.UPDATE: (f"updated weights, biases or optimizer state "
                            f"clipped to ±{WEIGHT_LIMIT:g}"),
}


class SaturationWarning(UserWarning):
    """A fixed-point run clipped numbers to the format's range: its results
    were computed from clipped values (docs/numerics.md, "Saturation")."""


@dataclass(frozen=True)
class Saturations:
    """Results a layer's cores clipped, by where (SaturationKind). A count
    of 4,294,967,295 means at least that many (the counter stops there)."""
    forward: int = 0
    backward: int = 0
    update: int = 0

    @classmethod
    def from_words(cls, words) -> "Saturations":
        return cls(*(int(w) for w in words[:SATURATION_COUNTERS]))

    def __add__(self, other: "Saturations") -> "Saturations":
        return Saturations(self.forward + other.forward,
                           self.backward + other.backward,
                           self.update + other.update)

    @property
    def total(self) -> int:
        return self.forward + self.backward + self.update

    def as_dict(self) -> Dict[str, int]:
        return {kind.name.lower(): getattr(self, kind.name.lower())
                for kind in SaturationKind}


@dataclass(frozen=True)
class CoreSaturations:
    """One core's counts: its layer, its label (a replica's own), where
    it ran and which atoms it holds (lo_atom .. hi_atom)."""
    layer: str
    label: str
    chip: Tuple[int, int]
    core: int
    lo_atom: int
    hi_atom: int
    counts: Saturations

    @property
    def location(self) -> str:
        return f"chip ({self.chip[0]}, {self.chip[1]}) core {self.core}"


def decode(data: bytes) -> Saturations:
    """A SATURATION region's counters."""
    if len(data) < SATURATION_COUNTERS * 4:
        raise ValueError(f"a SATURATION region holds {SATURATION_COUNTERS} "
                         f"words, got {len(data)} bytes")
    return Saturations.from_words(np.frombuffer(
        data, dtype="<u4", count=SATURATION_COUNTERS))


def read_saturations(graph, read_region: Callable[[object, int], bytes],
                     place: Callable[[object], Tuple[int, int, int]]
                     ) -> Optional[Tuple[Dict[str, Saturations],
                                         List[CoreSaturations]]]:
    """(counts by layer name, every core's counts) of a run of ``graph``;
    None when its cores do not count (float). read_region(machine vertex,
    region) as the run's; place(machine vertex) -> (x, y, p)."""
    if not graph.numerics.counts_saturations:
        return None
    by_layer: Dict[str, Saturations] = {}
    cores: List[CoreSaturations] = []
    for vertex in graph.all_layer_vertices:
        name = vertex.layer.name
        total = by_layer.get(name, Saturations())
        for machine_vertex in vertex.machine_vertices_in_slice_order():
            counts = decode(read_region(machine_vertex, Region.SATURATION))
            x, y, p = place(machine_vertex)
            vertex_slice = machine_vertex.vertex_slice
            cores.append(CoreSaturations(
                name, vertex.label, (x, y), p, vertex_slice.lo_atom,
                vertex_slice.hi_atom, counts))
            total = total + counts
        by_layer[name] = total
    return by_layer, cores


def describe(layer: str, cores: List[CoreSaturations]) -> str:
    """The warning's text for one layer's saturated cores."""
    lines = [f"layer {layer!r}: fixed-point saturation on "
             f"{len(cores)} core{'s' if len(cores) != 1 else ''}; the "
             f"run's results were computed from clipped numbers (scale the "
             f"inputs or weights down, lower the learning rate, or use "
             f"numerics='float')"]
    for core in cores:
        counts = ", ".join(f"{kind.name.lower()} {n}" for kind, n in zip(
            SaturationKind, core.counts.as_dict().values()) if n)
        lines.append(f"  {core.location} ({core.label}, atoms "
                     f"{core.lo_atom}..{core.hi_atom}): {counts}")
    kinds = [kind for kind in SaturationKind if any(
        getattr(core.counts, kind.name.lower()) for core in cores)]
    lines += [f"  {kind.name.lower()}: {MEANINGS[kind]}" for kind in kinds]
    return "\n".join(lines)


def _caller_outside_spinndl() -> int:
    """The stacklevel of warnings.warn, called here, that names the first
    caller outside the spinndl package (the user's predict or fit)."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1  # pylint: disable=protected-access
    while frame is not None and os.path.abspath(
            frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def warn_saturated(cores: List[CoreSaturations]) -> None:
    """One SaturationWarning per layer with a saturated core, shown at the
    user's call; none if nothing saturated."""
    layers: Dict[str, List[CoreSaturations]] = {}
    for core in cores:
        if core.counts.total:
            layers.setdefault(core.layer, []).append(core)
    for layer, saturated in layers.items():
        warnings.warn(SaturationWarning(describe(layer, saturated)),
                      stacklevel=_caller_outside_spinndl())
