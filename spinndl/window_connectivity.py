"""Which values of the previous layer a window core reads, and so which
source cores feed it and which window index each incoming value fills.
Pure; the graph builds its key tables, source-specific edges and backward
targets from it (docs/conv.md).

The previous layer's values are numbered flat, in Keras' C order of its
(rows, cols, channels) map: position-major, channel last. A band of output
positions reads whole input rows, so its window is one contiguous range of
that numbering, and each source core's overlap with it is one range too:
one key-table entry per source core, and in the backward direction one
range of partial errors per source core. A band's core keeps its window
only: the rest of a linked source core's values reach it too (the routers
deliver a source's whole key block) and are dropped on arrival.
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
    sends the partial errors of its window, so overlapping windows send
    some twice."""
    forward = geometry.in_rows * geometry.in_cols * geometry.channels_in
    backward = sum(end - start for start, end in (
        window_values_range(geometry, lo, hi) for lo, hi in bands))
    return forward, backward


def links_of_band(geometry: WindowGeometry, lo: int, hi: int,
                  source_values: Sequence[Tuple[int, int]]
                  ) -> List[Tuple[int, int, int, int]]:
    """(source, first_input, kept_first, kept_count) of every source core
    linked with band lo..hi-1, whose input vector is its window: the
    source's value i is window index first_input + i (negative before the
    window), and values kept_first .. kept_first + kept_count - 1 of the
    source are the window's (window_sources)."""
    return [(entry.source,
             entry.window_index - (entry.first_value
                                   - source_values[entry.source][0]),
             entry.first_value - source_values[entry.source][0],
             entry.count)
            for entry in window_sources(geometry, lo, hi, source_values)]


def values_outside_windows(geometry: WindowGeometry,
                           bands: Sequence[Tuple[int, int]],
                           source_values: Sequence[Tuple[int, int]]) -> int:
    """Values the routers deliver to the bands' cores per example that lie
    outside their windows: a source core's packets reach every core linked
    with it, which drops those it does not read."""
    delivered = 0
    for lo, hi in bands:
        start, end = window_values_range(geometry, lo, hi)
        for entry in window_sources(geometry, lo, hi, source_values):
            source_lo, source_hi = source_values[entry.source]
            delivered += source_hi - source_lo - entry.count
    return delivered
