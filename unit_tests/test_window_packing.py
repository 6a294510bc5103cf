"""The packing maths of window layers (spinndl.window_packing and the band
arithmetic of spinndl.window_geometry): property tests against brute
force, and the packings of the thesis' Listing 3 and a LeNet."""

import dataclasses

from hypothesis import given, settings, strategies as st

from spinndl.packing import SPINN5_BUDGET, max_atoms_per_core, pack
from spinndl.window_geometry import WindowGeometry
from spinndl.window_packing import (
    conv_cost, kernel_reduction_packets, pool_cost)

PROPERTY = settings(deadline=None, max_examples=200)


@st.composite
def geometries(draw):
    rank = draw(st.sampled_from([1, 2]))
    rows = draw(st.integers(1, 40))
    cols = draw(st.integers(1, 40)) if rank == 2 else 1
    kernel = (draw(st.integers(1, 6)),
              draw(st.integers(1, 6)) if rank == 2 else 1)
    strides = (draw(st.integers(1, 4)),
               draw(st.integers(1, 4)) if rank == 2 else 1)
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding == "valid" and (kernel[0] > rows or kernel[1] > cols):
        padding = "same"
    return WindowGeometry(rows, cols, draw(st.integers(1, 32)), kernel[0],
                          kernel[1], strides[0], strides[1], padding,
                          draw(st.integers(1, 32)))


def rows_read(geometry, first, count):
    """Brute force: the input rows (not padding) any of the positions
    first .. first+count-1 reads, from each position's own window."""
    rows = set()
    for position in range(first, first + count):
        top = (position // geometry.out_cols) * geometry.stride_rows \
            - geometry.pad_top
        rows.update(r for r in range(top, top + geometry.kernel_rows)
                    if 0 <= r < geometry.in_rows)
    return rows


@PROPERTY
@given(geometries(), st.data())
def test_the_window_holds_every_row_a_band_reads(geometry, data):
    count = data.draw(st.integers(1, geometry.positions))
    first = data.draw(st.integers(0, geometry.positions - count))
    lo, hi = geometry.input_rows_of(first, first + count - 1)
    read = rows_read(geometry, first, count)
    assert read <= set(range(lo, hi))
    assert hi - lo <= geometry.band_input_rows(count)
    if read:
        assert (lo, hi) == (min(read), max(read) + 1) or \
            geometry.stride_rows > geometry.kernel_rows


@PROPERTY
@given(geometries(), st.data())
def test_band_rows_are_tight_without_padding(geometry, data):
    """With "valid" padding some band of k positions reads exactly the
    rows the window is sized for: the reserve is not wasteful."""
    if geometry.padding != "valid":
        geometry = dataclasses.replace(geometry, padding="valid")
        if geometry.out_rows < 1 or geometry.out_cols < 1:
            return
    count = data.draw(st.integers(1, geometry.positions))
    widest = max(geometry.input_rows_of(first, first + count - 1)[1]
                 - geometry.input_rows_of(first, first + count - 1)[0]
                 for first in range(geometry.positions - count + 1))
    assert widest == geometry.band_input_rows(count)


@PROPERTY
@given(geometries(), st.integers(1, 300), st.booleans(), st.integers(0, 2),
       st.data())
def test_costs_grow_with_the_band(geometry, n_sources, training, slots,
                                  data):
    k = data.draw(st.integers(1, geometry.positions))
    for cost in (conv_cost, pool_cost):
        smaller = cost(k - 1, geometry, n_sources, training, slots)
        larger = cost(k, geometry, n_sources, training, slots)
        assert smaller.dtcm_bytes <= larger.dtcm_bytes
        assert smaller.sdram_bytes <= larger.sdram_bytes


@PROPERTY
@given(geometries(), st.integers(1, 300), st.booleans(), st.data())
def test_a_core_holds_the_kernel_once(geometry, n_sources, training, data):
    """More filters add kernel columns once per core, and output values
    per position: the extra bytes of k positions minus those of one
    position are the outputs of the other k - 1 positions only."""
    k = data.draw(st.integers(1, geometry.positions))
    wider = dataclasses.replace(geometry,
                                channels_out=geometry.channels_out + 1)

    def extra(n):
        return (conv_cost(n, wider, n_sources, training).dtcm_bytes
                - conv_cost(n, geometry, n_sources, training).dtcm_bytes)
    per_output = 4 * 2 * (2 if training else 1)   # words, examples in flight
    assert extra(k) - extra(1) == (k - 1) * per_output
    # SDRAM: the kernel and bias once, whatever the band.
    assert conv_cost(k, geometry, n_sources).sdram_bytes == \
        conv_cost(1, geometry, n_sources).sdram_bytes


@PROPERTY
@given(geometries(), st.integers(1, 50), st.booleans(),
       st.integers(2000, 66000))
def test_max_positions_per_core_is_the_largest_that_fits(
        geometry, n_sources, training, dtcm):
    budget = dataclasses.replace(SPINN5_BUDGET, dtcm_bytes=dtcm)

    def cost_of(k):
        return conv_cost(k, geometry, n_sources, training)
    if not cost_of(1).fits(budget):
        return
    best = max_atoms_per_core(geometry.positions, cost_of, budget)
    assert cost_of(best).fits(budget)
    assert best == geometry.positions or not cost_of(best + 1).fits(budget)


@given(st.integers(1, 5000), st.integers(1, 64))
def test_the_reduction_is_linear_in_the_cores(parameters, cores):
    packets = kernel_reduction_packets(parameters, cores)
    assert packets == (cores * parameters if cores > 1 else 0)
    assert packets <= 2 * cores * parameters   # never all-to-all


def lenet_packings(training):
    conv1 = WindowGeometry.of((28, 28, 1), (5, 5), (1, 1), "valid", 6)
    pool1 = WindowGeometry.of((24, 24, 6), (2, 2), (2, 2), "valid", 6)
    conv2 = WindowGeometry.of((12, 12, 6), (5, 5), (1, 1), "valid", 16)
    pool2 = WindowGeometry.of((8, 8, 16), (2, 2), (2, 2), "valid", 16)
    slots = 2 if training else 0
    result = []
    sources = 1
    for geometry, cost in ((conv1, conv_cost), (pool1, pool_cost),
                           (conv2, conv_cost), (pool2, pool_cost)):
        packing = pack(geometry.positions,
                       lambda k, g=geometry, c=cost, s=sources:
                       c(k, g, s, training, slots), SPINN5_BUDGET)
        result.append(packing)
        sources = packing.cores
    return result


def test_lenet_packs_many_positions_per_core():
    for training in (False, True):
        packings = lenet_packings(training)
        for packing in packings:
            assert packing.atoms_per_core > 1
            assert packing.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes
    # conv1 has 576 positions of 6 filters: a 28-column window of 1
    # channel is small, so they share few cores.
    assert lenet_packings(False)[0].cores <= 4
