"""Which previous-layer values a window core reads
(spinndl.window_connectivity), against brute force over every position's
own window."""

import numpy as np
from hypothesis import given, settings, strategies as st

from spinndl.packing import slice_atoms
from spinndl.window_connectivity import (
    band_inputs, band_inputs_bound, partials_per_value, values_per_example,
    window_sources, window_values_range)

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
def test_band_inputs_hold_the_window_and_whole_sources(case):
    geometry, bands, sources = case
    values = geometry.in_rows * geometry.in_cols * geometry.channels_in
    for lo, hi in bands:
        inputs = band_inputs(geometry, lo, hi, sources)
        start, end = window_values_range(geometry, lo, hi)
        first = inputs.first_value
        assert first + inputs.window_offset == start
        assert end <= first + inputs.count
        assert first == sources[inputs.sources[0]][0]
        assert first + inputs.count == sources[inputs.sources[-1]][1]
        assert list(inputs.sources) == [
            e.source for e in window_sources(geometry, lo, hi, sources)]
        # the bound the cost model uses, with slices of whole positions
        # (the source slicing of a layer is slice_atoms over positions)
        assert inputs.count <= values


@PROPERTY
@given(geometries(), st.data())
def test_band_inputs_bound_holds_for_position_slicing(geometry, data):
    positions_in = geometry.in_rows * geometry.in_cols
    source_cores = data.draw(st.integers(1, min(positions_in, 8)))
    sources = [(lo * geometry.channels_in, hi * geometry.channels_in)
               for lo, hi in slice_atoms(
                   positions_in, -(-positions_in // source_cores))]
    count = data.draw(st.integers(1, geometry.positions))
    first = data.draw(st.integers(0, geometry.positions - count))
    inputs = band_inputs(geometry, first, first + count, sources)
    assert inputs.count <= band_inputs_bound(
        geometry, count, positions_in * geometry.channels_in, len(sources))
