"""The data-region wire format (spinndl.wire_format): encode/decode round
trips and the byte layout the C programs rely on."""

import dataclasses
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from spinndl.wire_format import (
    BYTES_PER_WORD, KEY_TABLE_ENTRY_WORDS, PARAMS_REGION_BYTES, KeyTableEntry,
    LayerParams, Region, decode_key_table, encode_key_table, key_table_bytes)
from spinndl.graph.kinds.dense import (
    decode_weights, encode_weights, weights_bytes)

#: Property tests: no deadline (the first call pays numpy/import warm-up).
PROPERTY = settings(deadline=None, max_examples=200)

word = st.integers(0, 2 ** 32 - 1)


def le_bytes(words: np.ndarray) -> bytes:
    """What the data-spec writer puts in SDRAM: little-endian words."""
    assert words.dtype.kind == "u" and words.dtype.itemsize == 4
    return words.astype("<u4").tobytes()


# --- LayerParams ------------------------------------------------------------------
PARAM_FIELDS = [field.name for field in dataclasses.fields(LayerParams)]


def test_layer_params_fields_are_the_region_words():
    assert LayerParams.N_WORDS == len(PARAM_FIELDS)
    assert PARAMS_REGION_BYTES == LayerParams.N_WORDS * BYTES_PER_WORD
    # The first eight words are the ones every layer core reads.
    assert PARAM_FIELDS[:8] == [
        "n_atoms", "lo_atom", "layer_atoms", "n_inputs", "activation",
        "forward_key", "forward_mask", "training"]


@PROPERTY
@given(st.lists(word, min_size=len(PARAM_FIELDS),
                max_size=len(PARAM_FIELDS)))
def test_layer_params_round_trip(words):
    params = LayerParams(*words)
    data = le_bytes(params.encode())
    assert len(data) == PARAMS_REGION_BYTES
    # Word i is field i, little-endian.
    assert list(struct.unpack(f"<{len(words)}I", data)) == words
    assert LayerParams.decode(data) == params


def test_layer_params_decode_ignores_trailing_bytes():
    params = LayerParams(3, 0, 3, 9, 1, 0x200, 0xFFFFFFC0, 0)
    assert LayerParams.decode(le_bytes(params.encode()) + b"\xff" * 8) == \
        params


# --- key tables -----------------------------------------------------------------------
key_entries = st.lists(
    st.builds(KeyTableEntry, key=word, mask=word, first_index=word,
              n_atoms=word),
    max_size=40, unique_by=lambda e: e.key)


@PROPERTY
@given(key_entries)
def test_key_table_round_trip_sorted_by_key(entries):
    words = encode_key_table(entries)
    data = le_bytes(words)
    assert len(data) == key_table_bytes(len(entries))
    assert struct.unpack_from("<I", data)[0] == len(entries)
    assert decode_key_table(data) == sorted(entries, key=lambda e: e.key)


def test_key_table_layout():
    entries = [KeyTableEntry(0x700, 0xFFFFFF00, 150, 150),
               KeyTableEntry(0x600, 0xFFFFFF00, 0, 150)]
    data = le_bytes(encode_key_table(entries))
    assert struct.unpack("<9I", data) == (
        2, 0x600, 0xFFFFFF00, 0, 150, 0x700, 0xFFFFFF00, 150, 150)
    assert KEY_TABLE_ENTRY_WORDS == 4


def test_empty_key_table():
    data = le_bytes(encode_key_table([]))
    assert data == b"\0\0\0\0"
    assert decode_key_table(data) == []


@PROPERTY
@given(st.integers(0, 10000))
def test_key_table_bytes(n):
    assert key_table_bytes(n) == 4 + 16 * n


# --- weights ---------------------------------------------------------------------------
finite_f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@st.composite
def kernel_and_slice(draw):
    n_inputs = draw(st.integers(1, 30))
    units = draw(st.integers(1, 30))
    kernel = draw(hnp.arrays(np.float32, (n_inputs, units),
                             elements=finite_f32))
    bias = draw(hnp.arrays(np.float32, (units,), elements=finite_f32))
    lo = draw(st.integers(0, units - 1))
    hi = draw(st.integers(lo + 1, units))
    return kernel, bias, lo, hi


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-exact equality (distinguishes -0.0 from 0.0)."""
    return a.shape == b.shape and a.astype("<f4").tobytes() == \
        b.astype("<f4").tobytes()


@PROPERTY
@given(kernel_and_slice())
def test_weights_round_trip_bit_exact(case):
    kernel, bias, lo, hi = case
    n_inputs, n_atoms = kernel.shape[0], hi - lo
    words = encode_weights(kernel[:, lo:hi], bias[lo:hi])
    data = le_bytes(words)
    assert len(data) == weights_bytes(n_atoms, n_inputs)
    columns, slice_bias = decode_weights(data, n_atoms, n_inputs)
    assert columns.dtype == np.float32 and slice_bias.dtype == np.float32
    assert same_bits(columns, kernel[:, lo:hi])
    assert same_bits(slice_bias, bias[lo:hi])


@PROPERTY
@given(kernel_and_slice())
def test_weight_row_a_is_keras_kernel_column_lo_plus_a(case):
    kernel, bias, lo, hi = case
    n_inputs = kernel.shape[0]
    values = np.frombuffer(
        le_bytes(encode_weights(kernel[:, lo:hi], bias[lo:hi])), "<f4")
    for a in range(hi - lo):
        row = values[a * n_inputs:(a + 1) * n_inputs]
        assert same_bits(row, kernel[:, lo + a])
    assert same_bits(values[(hi - lo) * n_inputs:], bias[lo:hi])


def test_weight_layout_concrete():
    kernel = np.arange(12, dtype=np.float32).reshape(3, 4)  # 3 in, 4 units
    bias = np.array([-1, -2, -3, -4], dtype=np.float32)
    data = le_bytes(encode_weights(kernel[:, 1:3], bias[1:3]))
    # atom 0 = unit 1: inputs 1, 5, 9; atom 1 = unit 2: 2, 6, 10; biases.
    assert struct.unpack("<8f", data) == (1, 5, 9, 2, 6, 10, -2, -3)


def test_encode_weights_converts_float64_to_float32():
    kernel = np.array([[0.1], [1e-3]])
    data = le_bytes(encode_weights(kernel, np.array([0.5])))
    assert struct.unpack("<3f", data) == tuple(
        float(np.float32(v)) for v in (0.1, 1e-3, 0.5))


def test_special_float_values_keep_their_bits():
    kernel = np.array([[-0.0, np.float32(1e-45)]], dtype=np.float32)
    columns, _ = decode_weights(
        le_bytes(encode_weights(kernel, np.zeros(2, np.float32))), 2, 1)
    assert same_bits(columns, kernel)


@pytest.mark.parametrize("n_atoms, n_inputs", [(1, 1), (50, 224), (17, 25)])
def test_weights_bytes(n_atoms, n_inputs):
    assert weights_bytes(n_atoms, n_inputs) == 4 * (n_atoms * n_inputs
                                                    + n_atoms)


def test_truncated_key_table_is_an_error():
    entries = [KeyTableEntry(0x600, 0xFFFFFF00, 0, 150),
               KeyTableEntry(0x700, 0xFFFFFF00, 150, 150)]
    data = le_bytes(encode_key_table(entries))
    with pytest.raises(ValueError):
        decode_key_table(data[:-4 * KEY_TABLE_ENTRY_WORDS])


def test_pacing_costs_are_the_cost_tables():
    """The send gaps are computed from a receiver's cost per packet; those
    cycles must be the emulator's cost table (src/common/work.h)."""
    from spinndl import wire_format
    from spinndl.benchmarks.arm_calibration import cost_table, fixed_costs
    table, fixed = cost_table(), fixed_costs()
    assert wire_format.RECEIVE_CYCLES == (
        fixed["WORK_CYCLES_PACKET_INTERRUPT"] + table["WORK_PACKET_FILED"])
    assert wire_format.KEY_SEARCH_STEP_CYCLES == table["WORK_KEY_SEARCH_STEP"]
    assert wire_format.KEY_INDEXED_CYCLES == table["WORK_KEY_INDEXED"]
    assert wire_format.PARTIAL_ERROR_EXTRA_CYCLES == \
        table["WORK_PARTIAL_ERROR_FILED"]
    assert wire_format.SEND_CYCLES == fixed["WORK_CYCLES_PACKET_SEND"]
    assert wire_format.VALUE_PAIR_EXTRA_CYCLES == \
        table["WORK_VALUE_PAIR_FILED"]
    assert wire_format.FIXED_SUM_ADD_CYCLES == \
        table["WORK_FIXED_PARTIAL_ERROR_FILED"]
    assert wire_format.WEIGHT_PAIR_EXTRA_CYCLES == \
        table["WORK_WEIGHT_PAIR_APPLIED"]


def test_send_periods_keep_receivers_under_their_share():
    """A sender's packets leave one period apart (by deadline: the send
    itself is part of it), in whole ns, not rounded up to microseconds."""
    from spinndl.wire_format import (
        BACKWARD_RECEIVE_SHARE, INFERENCE_RECEIVE_SHARE,
        TRAINING_RECEIVE_SHARE, backward_period_ns, receive_ns,
        send_period_ns)
    # a training core may get both streams at once: together under 1
    assert TRAINING_RECEIVE_SHARE + BACKWARD_RECEIVE_SHARE <= 0.9
    for cores in (1, 2, 7, 21, 64, 220):
        for training, share in ((False, INFERENCE_RECEIVE_SHARE),
                                (True, TRAINING_RECEIVE_SHARE)):
            period = send_period_ns(cores, training)
            # a receiver gets one packet per period from each of the cores
            assert cores * receive_ns(cores) / period <= share
            # and no more than a nanosecond's rounding slower than that
            assert cores * receive_ns(cores) / (period - 1) > share
        for slices in (1, 3, 21):
            period = backward_period_ns(cores, slices)
            load = cores * receive_ns(cores, partial_error=True) / (
                period * slices)
            assert load <= BACKWARD_RECEIVE_SHARE
            assert cores * receive_ns(cores, partial_error=True) / (
                (period - 1) * slices) > BACKWARD_RECEIVE_SHARE
    assert send_period_ns(21) > 21000   # a packet costs a receiver over 1 us


@pytest.mark.parametrize("receiving_cores", [1, 2, 13, 52, 86, 128])
@pytest.mark.parametrize("next_cores", [0, 1, 2, 5, 52, 128])
def test_training_forward_share_is_what_the_partial_errors_leave(
        receiving_cores, next_cores):
    """Between Dense layers in training, a receiving core's forward share
    plus the most its partial errors take stays within the two streams'
    0.9, and within inference's 0.8; never below training's default."""
    from spinndl.wire_format import (
        BACKWARD_RECEIVE_SHARE, INFERENCE_RECEIVE_SHARE, SEND_CYCLES,
        NS_PER_CYCLE, TRAINING_RECEIVE_SHARE, backward_period_ns,
        partial_error_share, receive_ns, training_forward_share)
    errors = partial_error_share(receiving_cores, next_cores)
    share = training_forward_share(receiving_cores, next_cores)
    assert 0 <= errors <= BACKWARD_RECEIVE_SHARE
    assert TRAINING_RECEIVE_SHARE <= share <= INFERENCE_RECEIVE_SHARE
    assert share + errors <= TRAINING_RECEIVE_SHARE + BACKWARD_RECEIVE_SHARE \
        + 1e-12
    if next_cores:
        # each of next_cores sends one partial error a period (at most as
        # fast as a send) round receiving_cores cores
        period = max(SEND_CYCLES * NS_PER_CYCLE,
                     backward_period_ns(next_cores, receiving_cores))
        assert errors == pytest.approx(
            next_cores * receive_ns(next_cores, partial_error=True)
            / (receiving_cores * period))
    else:
        assert errors == 0 and share == INFERENCE_RECEIVE_SHARE


def test_training_forward_share_of_784_512_512_10():
    from spinndl.wire_format import training_forward_share
    # the second layer (52 cores) gets partial errors from a two-core
    # output layer, the first (86 cores) from the second's 52
    assert training_forward_share(52, 2) == pytest.approx(0.8)
    assert training_forward_share(86, 52) == pytest.approx(0.6, abs=0.01)
    assert training_forward_share(2, 0) == pytest.approx(0.8)


def test_send_phases_spread_a_layer_over_one_period():
    from spinndl.wire_format import receive_ns, send_period_ns, send_phase_us
    for cores in (1, 5, 32, 315):
        for training in (False, True):
            period_ns = send_period_ns(cores, training)
            phases = [send_phase_us(i, cores, training)
                      for i in range(cores)]
            assert phases[0] == 0 and phases == sorted(phases)
            assert phases[-1] * 1000 < period_ns
            # consecutive cores' first packets are at least a receive apart
            # on average: they never pile up at a receiver
            if cores > 1:
                assert (phases[-1] - phases[0]) * 1000 / (cores - 1) >= \
                    receive_ns(cores)


def test_evenly_spaced_key_tables():
    """The C indexes a key table instead of searching it only when its
    entries are one block size apart with one mask (input_streams.c)."""
    from spinndl.wire_format import KeyTableEntry, evenly_spaced

    def table(keys, mask=0xFFFFFF00):
        return [KeyTableEntry(k, mask, 4 * i, 4) for i, k in enumerate(keys)]
    assert evenly_spaced(table([0x1000, 0x1100, 0x1200]))
    assert evenly_spaced(table([0x1000]))
    assert not evenly_spaced([])
    assert not evenly_spaced(table([0x1000, 0x1100, 0x1300]))   # a gap
    assert not evenly_spaced(table([0x1000, 0x1200], 0xFFFFFF00))
    assert not evenly_spaced(table([0x1080], 0xFFFFFF00))     # unaligned
    assert not evenly_spaced(table([0x1000], 0xFFFFFFFF))     # no key bits
    mixed = table([0x1000, 0x1100])
    mixed[1] = KeyTableEntry(0x1100, 0xFFFFFF80, 4, 4)
    assert not evenly_spaced(mixed)
    # a search costs more than indexing for any table of 2+ senders
    from spinndl.wire_format import receive_ns
    assert receive_ns(2) < receive_ns(2, evenly_spaced=False)


# --- the replicas' gradient exchange ----------------------------------------------


@PROPERTY
@given(st.integers(0, 20000), st.integers(2, 64))
def test_shard_bounds_cut_a_core_s_parameters_into_near_equal_segments(
        n_values, replicas):
    """Every parameter is updated by exactly one replica (segments in
    replica order, contiguous, together all of them), and no replica gets
    more than one parameter over another's share."""
    from spinndl.wire_format import shard_bounds
    segments = [shard_bounds(n_values, replicas, r) for r in range(replicas)]
    assert segments[0][0] == 0
    for (first, count), (after, _) in zip(segments, segments[1:]):
        assert first + count == after
    assert sum(count for _, count in segments) == n_values
    counts = [count for _, count in segments]
    assert max(counts) - min(counts) <= 1


def test_gradient_periods_keep_the_ring_s_receivers_under_their_share():
    """Each link of the ring carries up to R - 1 segments' streams at once,
    one value per period each; a receiver files a sum (with its add) or a
    weight and passes it on."""
    from spinndl.wire_format import (
        EXCHANGE_RECEIVE_SHARE, NS_PER_CYCLE, PARTIAL_ERROR_EXTRA_CYCLES,
        RECEIVE_CYCLES, SEND_CYCLES, gradient_periods_ns)
    sum_ns = (RECEIVE_CYCLES + PARTIAL_ERROR_EXTRA_CYCLES + SEND_CYCLES) \
        * NS_PER_CYCLE
    weight_ns = (RECEIVE_CYCLES + SEND_CYCLES) * NS_PER_CYCLE
    for replicas in (2, 3, 5, 8, 32):
        sums_period, weights_period = gradient_periods_ns(replicas)
        streams = replicas - 1
        assert streams * sum_ns / sums_period <= EXCHANGE_RECEIVE_SHARE
        assert streams * weight_ns / weights_period <= EXCHANGE_RECEIVE_SHARE
        # whole ns, not rounded up further
        assert streams * sum_ns / (sums_period - 1) > EXCHANGE_RECEIVE_SHARE
    # more replicas, more streams per link: the periods widen
    assert gradient_periods_ns(8)[0] > gradient_periods_ns(2)[0]
    # fixed point: the integer add, and weights that may be a pair of
    # changes to add
    from spinndl.wire_format import (
        FIXED_SUM_ADD_CYCLES, WEIGHT_PAIR_EXTRA_CYCLES)
    for replicas in (2, 5, 32):
        sums_period, weights_period = gradient_periods_ns(
            replicas, fixed_point=True)
        streams = replicas - 1
        assert streams * (RECEIVE_CYCLES + FIXED_SUM_ADD_CYCLES
                          + SEND_CYCLES) * NS_PER_CYCLE / sums_period \
            <= EXCHANGE_RECEIVE_SHARE
        assert streams * (RECEIVE_CYCLES + WEIGHT_PAIR_EXTRA_CYCLES
                          + SEND_CYCLES) * NS_PER_CYCLE / weights_period \
            <= EXCHANGE_RECEIVE_SHARE
        assert sums_period < gradient_periods_ns(replicas)[0]
