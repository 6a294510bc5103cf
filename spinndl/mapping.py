"""What the toolchain placed: per layer cores, atoms and bytes, as data
(``Model.mapping()``) and as the table ``Model.summary()`` prints."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

Key = Tuple[int, int]          # (key, mask)
Core = Tuple[int, int, int]    # (x, y, p)


@dataclass(frozen=True)
class LayerMapping:
    """One layer (or the input source, or the output gatherer) as placed."""
    name: str
    kind: str
    output_shape: Tuple[int, ...]
    params: int
    atoms: int
    cores: int
    atoms_per_core: int
    #: None where the core runs a toolchain binary whose DTCM use spinndl
    #: does not model (the input source, the output gatherer).
    dtcm_bytes_per_core: Optional[int]
    sdram_bytes_per_core: int
    #: The forward routing key and mask of each core, in slice order.
    keys: List[Key] = field(default_factory=list)
    placements: List[Core] = field(default_factory=list)


@dataclass(frozen=True)
class Mapping:
    """A model as placed on the machine."""
    training: bool
    machine: str
    layers: List[LayerMapping]
    #: The live packet gatherer that returns the output layer's results.
    output: LayerMapping
    chips: int
    mapping_seconds: float
    #: Training only: the source that streams labels to the output layer.
    label_source: Optional[LayerMapping] = None
    #: Every chip of the machine as (x, y, number of cores).
    machine_chips: List[Tuple[int, int, int]] = field(default_factory=list)
    #: The cores the toolchain itself uses: each chip's monitor and any
    #: support core it placed, (x, y, p) → what runs there.
    toolchain_cores: Dict[Core, str] = field(default_factory=dict)
    #: The mapping objective ("cores" or "throughput") and the copies of
    #: the model it placed; ``layers`` and ``label_source`` describe copy
    #: 0, every other copy is laid out the same (docs/packing.md).
    objective: str = "cores"
    replicas: int = 1
    #: The work model's examples per second for this layout (all copies).
    predicted_examples_per_second: Optional[float] = None
    #: Examples each core holds at once, one buffer set per slot
    #: (docs/streaming.md, "How many in flight").
    examples_in_flight: int = 2

    @property
    def extra_rows(self) -> List[LayerMapping]:
        """The cores that are not layers: label source and gatherer."""
        return ([self.label_source] if self.label_source else []) + \
            [self.output]

    @property
    def replica_cores(self) -> int:
        """Cores of one copy of the model: its layers and sources."""
        return sum(layer.cores for layer in self.layers) + (
            self.label_source.cores if self.label_source else 0)

    @property
    def total_cores(self) -> int:
        return self.replicas * self.replica_cores + self.output.cores

    def table(self) -> str:
        header = ("Layer (type)", "Output shape", "Param #", "Atoms",
                  "Cores", "Atoms/core", "DTCM B/core", "SDRAM B/core",
                  "Keys (key/mask)")
        rows = [header]
        for layer in self.layers + self.extra_rows:
            rows.append((
                f"{layer.name} ({layer.kind})", str(layer.output_shape),
                str(layer.params), str(layer.atoms), str(layer.cores),
                str(layer.atoms_per_core),
                "-" if layer.dtcm_bytes_per_core is None
                else str(layer.dtcm_bytes_per_core),
                str(layer.sdram_bytes_per_core), _keys_text(layer.keys)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        rule = "  ".join("-" * w for w in widths)
        lines = [f"Mapping ({'training' if self.training else 'inference'}"
                 f" layout) on {self.machine}", rule]
        if self.objective != "cores" or self.replicas != 1:
            lines.insert(1, self.objective_text())
        for index, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(w)
                                   for cell, w in zip(row, widths)).rstrip())
            if index == 0:
                lines.append(rule)
        lines += [rule,
                  f"Total params: {sum(l.params for l in self.layers)}",
                  f"Total cores: {self.total_cores} on {self.chips} chip(s)",
                  f"Examples in flight: {self.examples_in_flight} per core",
                  f"Mapped in {self.mapping_seconds:.2f} s"]
        return "\n".join(lines)

    def objective_text(self) -> str:
        text = (f"Objective: {self.objective}; {self.replicas} "
                f"replica(s) of {self.replica_cores} cores, each laid out "
                f"as below")
        if self.predicted_examples_per_second is not None:
            text += (f"; work model: "
                     f"{self.predicted_examples_per_second:.0f} examples/s")
        return text

    __str__ = table


def _keys_text(keys: List[Key]) -> str:
    if not keys:
        return "-"
    shown = ", ".join(f"{key:#x}/{mask:#x}" for key, mask in keys[:2])
    return shown + (f", … ({len(keys)})" if len(keys) > 2 else "")
