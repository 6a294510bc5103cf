"""Which cores of a layer feed which cores of the next: the connectivity a
layer kind provides (docs/architecture.md).

A layer's inputs are the previous layer's outputs (its atoms, or the input
source's values), cut into that layer's slices (the *sources*); the layer
itself is cut into its own slices (the *targets*). A ``Link`` says that a
source slice's outputs are inputs of a target slice, and where in the
target core's input vector the source's first value lands. Everything that
wires cores together asks the kind's connectivity and nothing else: the key
tables (KEY_TABLE rows, one per linked source), the toolchain's routing
(``LayerSplitter.get_source_specific_in_coming_vertices``), and the
training's backward partitions (a target core sends partial errors to the
source slices it is linked with, and only those).

A source core's packets go to every core of its partition's targets, so a
linked target receives all of that source slice's values: a link carries
the whole source slice, value i landing at the target's input
``first_input + i``. The target keeps those of its values it reads
(``kept_first`` .. ``kept_first + kept_count - 1``; all of them for an
all-to-all layer) and drops the others on arrival (their inputs fall
outside its input vector), and in training it sends back the partial
errors of the kept values only.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence

from pacman.model.graphs.common import Slice


@dataclass(frozen=True)
class Link:
    """Source slice ``source`` feeds target slice ``target`` (indices in
    slice order); its value i is the target core's input first_input + i
    (first_input may be negative: values before the target's inputs are
    dropped). The target keeps values kept_first .. kept_first + kept_count
    - 1 (None: all of them) and in training sends back their partial
    errors."""
    source: int
    target: int
    first_input: int
    kept_first: int = 0
    kept_count: Optional[int] = None

    def kept(self, source_values: int) -> int:
        """How many of the source slice's ``source_values`` values the
        target keeps."""
        return source_values if self.kept_count is None else self.kept_count


class Connectivity:
    """The links between a layer's source slices and its own slices."""

    def links(self, sources: Sequence[Slice], targets: Sequence[Slice]
              ) -> List[Link]:
        """Every link, targets in order, each target's sources in order.
        ``sources`` are in values (atoms of the previous layer), not keys."""
        raise NotImplementedError

    def sources_of(self, sources: Sequence[Slice], targets: Sequence[Slice],
                   target: int) -> List[Link]:
        """The links into target slice ``target``."""
        return [link for link in self.links(sources, targets)
                if link.target == target]

    def targets_of(self, sources: Sequence[Slice], targets: Sequence[Slice],
                   source: int) -> List[Link]:
        """The links out of source slice ``source``."""
        return [link for link in self.links(sources, targets)
                if link.source == source]


class AllToAll(Connectivity):
    """Every target sees every input (Dense): every source slice feeds
    every target slice, value i of the previous layer being input i."""

    def links(self, sources: Sequence[Slice], targets: Sequence[Slice]
              ) -> List[Link]:
        return [Link(source=index, target=target,
                     first_input=source_slice.lo_atom)
                for target in range(len(targets))
                for index, source_slice in enumerate(sources)]


ALL_TO_ALL = AllToAll()
