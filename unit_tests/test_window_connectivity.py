"""Which previous-layer values a window core reads
(spinndl.window_connectivity), against brute force over every position's
own window."""

import numpy as np
from hypothesis import given, settings, strategies as st

from spinndl.packing import slice_atoms
from spinndl.window_connectivity import (
    links_of_band, partials_per_value, values_outside_windows,
    values_per_example, window_sources, window_values_range)

from test_window_packing import geometries

PROPERTY = settings(deadline=None, max_examples=150)


def values_read(geometry, lo, hi):
    """Flat indices of every input value positions lo..hi-1 multiply."""
    read = set()
    for position in range(lo, hi):
        top = (position // geometry.out_cols) * geometry.stride_rows \
            - geometry.pad_top
        left = (position % geometry.out_cols) * geometry.stride_cols \
            - geometry.pad_left
        for row in range(top, top + geometry.kernel_rows):
            for col in range(left, left + geometry.kernel_cols):
                if 0 <= row < geometry.in_rows and \
                        0 <= col < geometry.in_cols:
                    base = (row * geometry.in_cols + col) * \
                        geometry.channels_in
                    read.update(range(base, base + geometry.channels_in))
    return read


@st.composite
def layer_cut(draw):
    geometry = draw(geometries())
    cores = draw(st.integers(1, min(geometry.positions, 8)))
    bands = slice_atoms(geometry.positions,
                        -(-geometry.positions // cores))
    values = geometry.in_rows * geometry.in_cols * geometry.channels_in
    source_cores = draw(st.integers(1, min(values, 8)))
    sources = slice_atoms(values, -(-values // source_cores))
    return geometry, bands, sources


@PROPERTY
@given(layer_cut())
def test_sources_fill_the_window_once_and_hold_every_value_read(case):
    geometry, bands, sources = case
    for lo, hi in bands:
        start, end = window_values_range(geometry, lo, hi)
        assert values_read(geometry, lo, hi) <= set(range(start, end))
        assert end - start <= geometry.window_values(hi - lo)
        filled = []
        for entry in window_sources(geometry, lo, hi, sources):
            source_lo, source_hi = sources[entry.source]
            assert source_lo <= entry.first_value
            assert entry.first_value + entry.count <= source_hi
            assert entry.window_index == entry.first_value - start
            filled.extend(range(entry.window_index,
                                entry.window_index + entry.count))
        assert filled == list(range(end - start))


@PROPERTY
@given(layer_cut())
def test_partials_per_value_count_the_windows_holding_it(case):
    geometry, bands, _ = case
    expected = np.zeros(geometry.in_rows * geometry.in_cols
                        * geometry.channels_in, int)
    for lo, hi in bands:
        start, end = window_values_range(geometry, lo, hi)
        expected[start:end] += 1
    assert partials_per_value(geometry, bands) == expected.tolist()
    forward, backward = values_per_example(geometry, bands)
    assert backward == expected.sum()
    assert forward == len(expected)


@PROPERTY
@given(layer_cut())
def test_links_keep_exactly_the_window(case):
    """A band's input vector is its window: every linked source's value i
    lands at first_input + i; the kept ones (in the window) fill the
    window once, in order, and every other value of a linked source falls
    outside it (the core drops it on arrival)."""
    geometry, bands, sources = case
    outside = 0
    for lo, hi in bands:
        start, end = window_values_range(geometry, lo, hi)
        size = end - start
        filled = []
        for source, first_input, kept_first, kept_count in links_of_band(
                geometry, lo, hi, sources):
            source_lo, source_hi = sources[source]
            for value in range(source_hi - source_lo):
                index = first_input + value
                kept = kept_first <= value < kept_first + kept_count
                assert (0 <= index < size) == kept
                if kept:
                    assert index == source_lo + value - start
                    filled.append(index)
                else:
                    outside += 1
        assert filled == list(range(size))
        assert [link[0] for link in links_of_band(geometry, lo, hi, sources)
                ] == [e.source for e in window_sources(geometry, lo, hi,
                                                      sources)]
    assert values_outside_windows(geometry, bands, sources) == outside


@PROPERTY
@given(geometries(), st.data())
def test_a_window_fits_the_cost_model_s_window(geometry, data):
    """The cost model sizes a core's inputs by window_values(k), the most
    any band of k positions reads: every band's window fits it."""
    count = data.draw(st.integers(1, geometry.positions))
    first = data.draw(st.integers(0, geometry.positions - count))
    start, end = window_values_range(geometry, first, first + count)
    assert end - start <= geometry.window_values(count)
