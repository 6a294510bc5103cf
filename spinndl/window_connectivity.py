"""Which values of the previous layer a window core reads, and so which
source cores feed it and which window index each incoming value fills.
Pure; the graph builds its key tables, source-specific edges and backward
targets from it (docs/conv.md).

The previous layer's values are numbered flat, in Keras' C order of its
(rows, cols, channels) map: position-major, channel last. A band of output
positions reads whole input rows, so its window is one contiguous range of
that numbering, and each source core's overlap with it is one range too:
one key-table entry per source core, and in the backward direction one
range of partial errors per source core.
"""

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .window_geometry import WindowGeometry


@dataclass(frozen=True)
class WindowSource:
    """Values [first_value, first_value + count) of a source core (its own
    value numbering starts at ``source_first``) fill the window from
    ``window_index``."""
    source: int
    first_value: int
    count: int
    window_index: int


def window_values_range(geometry: WindowGeometry, lo: int, hi: int
                        ) -> Tuple[int, int]:
    """The flat previous-layer values [start, end) that positions lo..hi-1
    read: whole rows, every column and channel."""
    first_row, end_row = geometry.input_rows_of(lo, hi - 1)
    row_values = geometry.in_cols * geometry.channels_in
    return first_row * row_values, end_row * row_values


def window_sources(geometry: WindowGeometry, lo: int, hi: int,
                   source_values: Sequence[Tuple[int, int]]
                   ) -> List[WindowSource]:
    """For the band lo..hi-1 and the source cores' flat value ranges
    [(start, end), ...] (a partition of the previous layer's values), the
    sources that feed it and where their values go in the window."""
    start, end = window_values_range(geometry, lo, hi)
    sources = []
    for index, (value_lo, value_hi) in enumerate(source_values):
        first, last = max(value_lo, start), min(value_hi, end)
        if first < last:
            sources.append(WindowSource(index, first, last - first,
                                        first - start))
    return sources


def partials_per_value(geometry: WindowGeometry,
                       bands: Sequence[Tuple[int, int]]) -> List[int]:
    """How many partial errors each previous-layer value receives in the
    backward pass: one from every band whose window holds it (a value no
    window holds, e.g. skipped by a stride, receives none and its error is
    zero)."""
    total = geometry.in_rows * geometry.in_cols * geometry.channels_in
    counts = [0] * total
    for lo, hi in bands:
        start, end = window_values_range(geometry, lo, hi)
        for value in range(start, end):
            counts[value] += 1
    return counts


def values_per_example(geometry: WindowGeometry,
                       bands: Sequence[Tuple[int, int]]) -> Tuple[int, int]:
    """(values the previous layer multicasts into the layer, partial
    errors the layer's cores send back) per example: each value is sent
    once forward whatever the cores that read it; backward, every core
    sends its whole window, so overlapping windows send some twice."""
    forward = geometry.in_rows * geometry.in_cols * geometry.channels_in
    backward = sum(end - start for start, end in (
        window_values_range(geometry, lo, hi) for lo, hi in bands))
    return forward, backward


@dataclass(frozen=True)
class BandInputs:
    """What a band's core keeps as its input vector: the whole values of
    every source core that overlaps its window (a source core's packets
    reach all of its targets, so the core files all of them rather than
    discarding some), from flat value ``first_value`` on, ``count`` of
    them; its window starts ``window_offset`` values in."""
    sources: Tuple[int, ...]
    first_value: int
    count: int
    window_offset: int


def band_inputs(geometry: WindowGeometry, lo: int, hi: int,
                source_values: Sequence[Tuple[int, int]]) -> BandInputs:
    """The input vector of band lo..hi-1 given the source cores' flat
    value ranges (a partition of the previous layer's values, in order)."""
    start, end = window_values_range(geometry, lo, hi)
    linked = [index for index, (value_lo, value_hi) in
              enumerate(source_values) if value_lo < end and value_hi > start]
    first = source_values[linked[0]][0]
    last = source_values[linked[-1]][1]
    return BandInputs(tuple(linked), first, last - first, start - first)


def band_inputs_bound(geometry: WindowGeometry, n_positions: int,
                      n_values: int, n_sources: int) -> int:
    """The most values a band of ``n_positions`` keeps as inputs when the
    previous layer's ``n_values`` are cut into ``n_sources`` near-equal
    slices of whole positions: the window plus at most one source slice
    sticking out at each end, and never more than every value."""
    per_source = -(-n_values // n_sources) + geometry.channels_in
    return min(n_values,
               geometry.window_values(n_positions) + 2 * per_source)
