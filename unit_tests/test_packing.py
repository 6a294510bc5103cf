"""The packing maths (spinndl.packing): property tests of the slicing and
concrete checks of the SpiNN-5 budget and the Listing-4 packing."""

import math

import pytest
from hypothesis import assume, given, settings, strategies as st

from spinndl.packing import (
    DTCM_BYTES_PER_TABLE_ROW,
    TRAINING_NEIGHBOUR_TABLES_BYTES, AtomDoesNotFitError, CapacityError,
    CoreBudget, CoreCost, LayerSpec, MachineTooSmallError,
    NeighbourTablesError, SPINN5_BUDGET, check_fits_machine,
    max_atoms_per_core, pack, plan_network, slice_atoms,
    training_neighbour_tables_bytes)
from spinndl.graph.kinds.dense import dense_cost, weights_bytes
from spinndl.wire_format import (
    KEY_TABLE_ENTRY_BYTES, PARAMS_REGION_BYTES, backward_targets_bytes,
    key_table_bytes)

#: Property tests: no deadline (the first call pays numpy/import warm-up).
PROPERTY = settings(deadline=None, max_examples=200)


# --- helpers -------------------------------------------------------------------
def check_partition(slices, n_atoms):
    """Contiguous, disjoint, in order, non-empty and covering 0..n_atoms-1."""
    assert slices, "no slices"
    assert slices[0][0] == 0
    assert slices[-1][1] == n_atoms
    for (lo, hi), (next_lo, _) in zip(slices, slices[1:]):
        assert hi == next_lo, f"gap or overlap between {lo, hi} and next"
    for lo, hi in slices:
        assert lo < hi, f"empty slice {(lo, hi)}"
    covered = [atom for lo, hi in slices for atom in range(lo, hi)]
    assert covered == list(range(n_atoms))


def dense_cost_of(n_inputs, n_sources, training, optimizer_slots=0):
    return lambda k: dense_cost(k, n_inputs, n_sources, training,
                                optimizer_slots)


def brute_force_max_atoms(n_atoms, cost_of, budget):
    """The oracle: scan every k (the code under test binary-searches)."""
    best = 0
    for k in range(1, n_atoms + 1):
        if cost_of(k).fits(budget):
            best = k
    return best


dense_args = st.fixed_dictionaries({
    "n_atoms": st.integers(1, 3000),
    "n_inputs": st.integers(1, 20000),
    "n_sources": st.integers(1, 300),
    "training": st.booleans(),
    "optimizer_slots": st.integers(0, 2),
})


@st.composite
def dense_case(draw):
    """Dense layer arguments and a budget drawn around what one atom needs,
    so that both 'fits' and 'does not fit' cases (and both limits) occur."""
    args = draw(dense_args)
    one = dense_cost(1, args["n_inputs"], args["n_sources"],
                     args["training"], args["optimizer_slots"])
    dtcm = draw(st.one_of(
        st.integers(max(0, one.dtcm_bytes - 64), one.dtcm_bytes + 64),
        st.integers(one.dtcm_bytes, 4 * one.dtcm_bytes + 70000),
        st.integers(0, 70000)))
    sdram = draw(st.one_of(
        st.integers(max(0, one.sdram_bytes - 64), one.sdram_bytes + 64),
        st.integers(one.sdram_bytes, 8 * one.sdram_bytes + 10 ** 6),
        st.just(SPINN5_BUDGET.sdram_bytes)))
    return args, CoreBudget(dtcm_bytes=dtcm, sdram_bytes=sdram)


# --- slice_atoms ------------------------------------------------------------------
@PROPERTY
@given(n_atoms=st.integers(1, 5000), per_core=st.integers(1, 5000))
def test_slice_atoms_is_a_minimal_balanced_partition(n_atoms, per_core):
    slices = slice_atoms(n_atoms, per_core)
    check_partition(slices, n_atoms)
    sizes = [hi - lo for lo, hi in slices]
    assert max(sizes) <= per_core
    assert max(sizes) - min(sizes) <= 1
    # Minimal: any contiguous split into slices of at most per_core atoms
    # needs ceil(n / per_core) slices, and one fewer could hold too few.
    assert len(slices) == math.ceil(n_atoms / per_core)
    assert (len(slices) - 1) * per_core < n_atoms


@pytest.mark.parametrize("n_atoms, per_core", [(0, 1), (-3, 4), (5, 0),
                                               (5, -1)])
def test_slice_atoms_rejects_non_positive_arguments(n_atoms, per_core):
    with pytest.raises(ValueError):
        slice_atoms(n_atoms, per_core)


# --- dense_cost ---------------------------------------------------------------------
@PROPERTY
@given(args=dense_args)
def test_dense_cost_grows_with_atoms(args):
    n = args.pop("n_atoms")
    smaller = dense_cost(n, **args)
    bigger = dense_cost(n + 1, **args)
    assert bigger.dtcm_bytes > smaller.dtcm_bytes
    assert bigger.sdram_bytes > smaller.sdram_bytes


@PROPERTY
@given(args=dense_args)
def test_training_costs_at_least_inference(args):
    slots = args.pop("optimizer_slots")
    args.pop("training")
    inference = dense_cost(**args, training=False, optimizer_slots=slots)
    training = dense_cost(**args, training=True, optimizer_slots=slots)
    assert training.dtcm_bytes >= inference.dtcm_bytes
    assert training.sdram_bytes >= inference.sdram_bytes
    # Optimizer state only exists when training.
    assert inference == dense_cost(**args, training=False, optimizer_slots=0)


@PROPERTY
@given(args=dense_args)
def test_dense_sdram_is_exactly_the_regions_the_host_writes(args):
    """Without optimizer state, SDRAM = system + params + key table +
    weights regions (so the toolchain's 'bigger than expected' check holds
    and nothing is wasted)."""
    args["optimizer_slots"] = 0
    cost = dense_cost(**args)
    assert cost.sdram_bytes == (
        3 * 4 + PARAMS_REGION_BYTES + key_table_bytes(args["n_sources"])
        + weights_bytes(args["n_atoms"], args["n_inputs"]))


def test_dense_cost_concrete_numbers():
    """Derived by hand: 50 atoms of 224 inputs, 1 source, inference:
    words = weights 50*224 + biases 50 + 2 inputs of 224 + 2 outputs of 50;
    + one key table row in DTCM (16 B entry; no per-sender state) + the
    params + 6 allocations (what layer_main.c and the Dense kind make) * 8 B.
    SDRAM: system header 3 words + params + key table + weights and biases."""
    words = 50 * 224 + 50 + 2 * 224 + 2 * 50
    assert dense_cost(50, 224, 1) == CoreCost(
        dtcm_bytes=4 * words + 16 + PARAMS_REGION_BYTES + 6 * 8,
        sdram_bytes=4 * 3 + PARAMS_REGION_BYTES + 4 * 5
        + 4 * (50 * 224 + 50))


def test_dense_cost_counts_every_example_slot():
    """Four examples in flight: four input and four output vectors, each
    its own allocation (2 + 2 per slot: 10); SDRAM does not change."""
    words = 50 * 224 + 50 + 4 * 224 + 4 * 50
    four = dense_cost(50, 224, 1, examples_in_flight=4)
    assert four.dtcm_bytes == 4 * words + 16 + PARAMS_REGION_BYTES + 10 * 8
    assert four.sdram_bytes == dense_cost(50, 224, 1).sdram_bytes
    # training: two more slots of x (224), y, g and labels (50 each), and
    # their 4 blocks each (8 + 4 per slot blocks in all)
    two_t = dense_cost(50, 224, 1, training=True)
    four_t = dense_cost(50, 224, 1, training=True, examples_in_flight=4)
    assert four_t.dtcm_bytes - two_t.dtcm_bytes == \
        4 * 2 * (224 + 3 * 50) + 2 * 4 * 8


@pytest.mark.parametrize("kwargs", [
    dict(n_atoms=-1, n_inputs=1, n_sources=1),
    dict(n_atoms=1, n_inputs=0, n_sources=1),
    dict(n_atoms=1, n_inputs=1, n_sources=0),
])
def test_dense_cost_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        dense_cost(**kwargs)


# --- max_atoms_per_core and pack --------------------------------------------------
@PROPERTY
@given(case=dense_case())
def test_pack_dense_layers(case):
    args, budget = case
    n_atoms = args.pop("n_atoms")
    cost_of = dense_cost_of(**args)
    if not cost_of(1).fits(budget):
        with pytest.raises(AtomDoesNotFitError):
            pack(n_atoms, cost_of, budget, "big_layer")
        return
    limit = max_atoms_per_core(n_atoms, cost_of, budget, "layer")
    packing = pack(n_atoms, cost_of, budget, "layer")
    slices = list(packing.slices)
    check_partition(slices, n_atoms)
    sizes = [hi - lo for lo, hi in slices]
    for size in sizes:
        assert cost_of(size).fits(budget)
    assert max(sizes) - min(sizes) <= 1
    # The limit is the largest fitting count: one more atom would not fit,
    # so no slice of any split can exceed it and ceil(n / limit) slices is
    # a lower bound for every contiguous split - which pack() reaches.
    assert 1 <= limit <= n_atoms
    assert cost_of(limit).fits(budget)
    assert limit == n_atoms or not cost_of(limit + 1).fits(budget)
    assert packing.cores == len(slices) == math.ceil(n_atoms / limit)
    # Reported per-core figures are those of the largest slice.
    assert packing.atoms_per_core == max(sizes) <= limit
    largest = cost_of(max(sizes))
    assert packing.dtcm_bytes_per_core == largest.dtcm_bytes
    assert packing.sdram_bytes_per_core == largest.sdram_bytes


@PROPERTY
@given(n_atoms=st.integers(1, 300), per_atom=st.integers(0, 500),
       fixed=st.integers(0, 5000), dtcm=st.integers(0, 60000),
       sdram_per_atom=st.integers(0, 500), sdram=st.integers(0, 60000))
def test_max_atoms_per_core_matches_a_linear_scan(
        n_atoms, per_atom, fixed, dtcm, sdram_per_atom, sdram):
    """Against an oracle, with arbitrary monotone cost models."""
    budget = CoreBudget(dtcm_bytes=dtcm, sdram_bytes=sdram)

    def cost_of(k):
        return CoreCost(fixed + per_atom * k, fixed + sdram_per_atom * k)

    expected = brute_force_max_atoms(n_atoms, cost_of, budget)
    if expected == 0:
        with pytest.raises(AtomDoesNotFitError):
            max_atoms_per_core(n_atoms, cost_of, budget, "l")
    else:
        assert max_atoms_per_core(n_atoms, cost_of, budget, "l") == expected


def test_max_atoms_per_core_rejects_empty_layers():
    with pytest.raises(ValueError, match="'empty'"):
        max_atoms_per_core(0, dense_cost_of(10, 1, False), SPINN5_BUDGET,
                           "empty")


# --- AtomDoesNotFitError ----------------------------------------------------------
@PROPERTY
@given(n_inputs=st.integers(1, 30000), n_sources=st.integers(1, 50),
       training=st.booleans(), data=st.data())
def test_atom_does_not_fit_error_names_layer_and_numbers(
        n_inputs, n_sources, training, data):
    one = dense_cost(1, n_inputs, n_sources, training)
    short_dtcm = data.draw(st.booleans())
    short_sdram = data.draw(st.booleans())
    assume(short_dtcm or short_sdram)
    budget = CoreBudget(
        dtcm_bytes=one.dtcm_bytes - data.draw(st.integers(1, 1000))
        if short_dtcm else one.dtcm_bytes,
        sdram_bytes=one.sdram_bytes - data.draw(st.integers(1, 1000))
        if short_sdram else one.sdram_bytes)
    with pytest.raises(AtomDoesNotFitError) as caught:
        pack(data.draw(st.integers(1, 1000)),
             dense_cost_of(n_inputs, n_sources, training), budget,
             "my_dense_7")
    error = caught.value
    message = str(error)
    assert isinstance(error, ValueError)
    assert "'my_dense_7'" in message
    assert error.layer == "my_dense_7"
    assert error.cost == one and error.budget == budget
    if short_dtcm:
        assert f"DTCM {one.dtcm_bytes} B > {budget.dtcm_bytes} B" in message
    else:
        assert "DTCM" not in message
    if short_sdram:
        assert (f"SDRAM {one.sdram_bytes} B > {budget.sdram_bytes} B"
                in message)
    else:
        assert "SDRAM" not in message


def test_atom_that_fits_exactly_does_not_raise():
    one = dense_cost(1, 777, 3)
    budget = CoreBudget(one.dtcm_bytes, one.sdram_bytes)
    assert pack(10, dense_cost_of(777, 3, False), budget).slices == tuple(
        (i, i + 1) for i in range(10))


def test_too_wide_input_on_spinn5_does_not_fit():
    # 20,000 inputs: the weights of one perceptron alone are 80,000 B.
    with pytest.raises(AtomDoesNotFitError, match="'wide'.*DTCM"):
        pack(5, dense_cost_of(20000, 1, False), SPINN5_BUDGET, "wide")


# --- the SpiNN-5 budget -------------------------------------------------------------
def test_spinn5_budget_derives_from_documented_reservations():
    # 64 KiB DTCM minus: ARM mode stacks 2048, runtime data+bss 2048, SARK's
    # SDP buffers 1176, heap header 32, program statics 2048.
    assert SPINN5_BUDGET.dtcm_bytes == 65536 - 2048 - 2048 - 1176 - 32 - 2048
    assert SPINN5_BUDGET.dtcm_bytes == 58184
    # Version5's application SDRAM shared by the 17 non-monitor cores.
    assert SPINN5_BUDGET.sdram_bytes == 123_469_792 // 17 == 7_262_928


@PROPERTY
@given(dtcm=st.integers(10000, 10 ** 6), sdram=st.integers(0, 10 ** 9),
       cores=st.integers(2, 64), data=st.data())
def test_budget_for_machine(dtcm, sdram, cores, data):
    monitors = data.draw(st.integers(1, cores - 1))
    budget = CoreBudget.for_machine(dtcm, sdram, cores, monitors)
    assert budget.dtcm_bytes == dtcm - (65536 - 58184)
    assert budget.sdram_bytes == sdram // (cores - monitors)
    # Every application core may take its share at once.
    assert budget.sdram_bytes * (cores - monitors) <= sdram


# --- Listing 4 ----------------------------------------------------------------------
#: Listing 4: Input(224), Dense 50, 50, 300, 50, 25, 17.
LISTING_4 = [224, 50, 50, 300, 50, 25, 17]
#: Per Dense layer: cores, atoms per core, as Model.mapping() reports them
#: on a virtual SpiNN-5 (the input source takes 1 core, the gatherer 1).
LISTING_4_INFERENCE = [(1, 50), (1, 50), (2, 150), (2, 25), (1, 25),
                       (1, 17)]
LISTING_4_TRAINING = [(2, 25), (1, 50), (3, 100), (3, 17), (1, 25), (1, 17)]


def pack_chain(widths, training, budget=SPINN5_BUDGET):
    """pack() every Dense layer; each layer's key table has one row per
    core of the previous layer (the input source is one core)."""
    packings, sources = [], 1
    for n_inputs, n_atoms in zip(widths, widths[1:]):
        packing = pack(n_atoms, dense_cost_of(n_inputs, sources, training),
                       budget)
        packings.append(packing)
        sources = packing.cores
    return packings


@pytest.mark.parametrize("training, expected", [
    (False, LISTING_4_INFERENCE), (True, LISTING_4_TRAINING)])
def test_listing_4_packing(training, expected):
    packings = pack_chain(LISTING_4, training)
    assert [(p.cores, p.atoms_per_core) for p in packings] == expected
    for packing in packings:
        assert packing.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes


def test_listing_4_inference_fits_in_ten_cores():
    cores = 1 + sum(p.cores for p in pack_chain(LISTING_4, False)) + 1
    assert cores == 10


def test_listing_4_layer_of_300_is_split_by_dtcm_not_sdram():
    # 271 atoms of 50 inputs fit in DTCM (exactly), 272 do not: 300 needs
    # 2 cores.
    cost_of = dense_cost_of(50, 1, False)
    assert max_atoms_per_core(300, cost_of, SPINN5_BUDGET) == 271
    assert cost_of(272).dtcm_bytes > SPINN5_BUDGET.dtcm_bytes
    assert cost_of(272).sdram_bytes < SPINN5_BUDGET.sdram_bytes


def test_mlp_784_512_512_10_packing():
    packings = pack_chain([784, 512, 512, 10], False)
    assert [p.cores for p in packings] == [32, 21, 1]
    assert [p.atoms_per_core for p in packings] == [16, 25, 10]


# --- the whole network before mapping (plan_network) --------------------------------
def specs_of(widths):
    return [LayerSpec(f"dense_{i}" if i else "dense", "dense", n_out, n_in,
                      dense_cost)
            for i, (n_in, n_out) in enumerate(zip(widths, widths[1:]))]


def tables_from_regions(next_cores, previous_cores, label_cores):
    """The neighbour tables' DTCM as the wire format's regions size them:
    a DTCM row (entry + stream state) per key table entry of the
    partial-error and label tables, and the backward-target region."""
    rows = ((key_table_bytes(next_cores) - 4)
            + (key_table_bytes(label_cores) - 4)) // KEY_TABLE_ENTRY_BYTES
    return rows * DTCM_BYTES_PER_TABLE_ROW + backward_targets_bytes(
        previous_cores)


@PROPERTY
@given(next_cores=st.integers(0, 2000), previous_cores=st.integers(0, 2000),
       label_cores=st.integers(0, 3))
def test_neighbour_tables_bytes_match_the_region_sizes(
        next_cores, previous_cores, label_cores):
    assert training_neighbour_tables_bytes(
        next_cores, previous_cores, label_cores) == tables_from_regions(
            next_cores, previous_cores, label_cores)


widths_strategy = st.lists(st.integers(1, 1500), min_size=2, max_size=5)


@settings(deadline=None, max_examples=60)
@given(widths=widths_strategy, training=st.booleans(),
       slots=st.integers(0, 2))
def test_plan_packs_every_layer_as_the_splitters_do(widths, training, slots):
    """Each layer packed with one key table row per core of the previous
    layer; the plan raises exactly when a per-core limit is broken: one
    atom does not fit, or (training) a layer's neighbour tables exceed the
    reserve."""
    slots = slots if training else 0
    specs = specs_of(widths)
    packings, sources = [], 1
    try:
        for spec in specs:
            packings.append(pack(spec.n_atoms, dense_cost_of(
                spec.n_inputs, sources, training, slots), SPINN5_BUDGET,
                spec.name))
            sources = packings[-1].cores
    except AtomDoesNotFitError as expected:
        with pytest.raises(AtomDoesNotFitError) as caught:
            plan_network(specs, training, slots)
        assert str(caught.value) == str(expected)
        return
    cores = [p.cores for p in packings]
    tables = [training_neighbour_tables_bytes(
        cores[i + 1] if i + 1 < len(cores) else 0,
        cores[i - 1] if i else 0, 0 if i + 1 < len(cores) else 1)
        for i in range(len(cores))]
    over = [i for i, t in enumerate(tables)
            if t > TRAINING_NEIGHBOUR_TABLES_BYTES]
    if training and over:
        with pytest.raises(NeighbourTablesError) as caught:
            plan_network(specs, training, slots)
        message = str(caught.value)
        assert f"layer {specs[over[0]].name!r}" in message
        assert f"need {tables[over[0]]} B of DTCM" in message
        return
    plan = plan_network(specs, training, slots)
    assert [p.packing for p in plan.layers] == packings
    assert [p.n_sources for p in plan.layers] == [1] + cores[:-1]
    assert [p.neighbour_tables_bytes for p in plan.layers] == (
        tables if training else [0] * len(cores))
    assert plan.cores == sum(cores) + 2 + (1 if training else 0)


@pytest.mark.parametrize("width, fits", [(791, True), (792, False)])
def test_784_n_n_10_training_boundary(width, fits):
    """The issue's family: 784-791-791-10 trains; at 792 units the second
    layer needs 6 atoms a core instead of 7 (792 inputs), so 132 cores send
    the first layer partial errors: 132 x 16 + 4 B > 2048 B. (With 24-byte
    table rows the boundary was 672/704, as the issue found; it was 792/793
    before the partial errors' live-atom list took 2 words an atom.)"""
    specs = specs_of([784, width, width, 10])
    if fits:
        plan = plan_network(specs, training=True)
        assert [p.packing.cores for p in plan.layers] == [113, 113, 2]
        assert plan.layers[0].neighbour_tables_bytes == 113 * 16 + 4 == 1812
        return
    with pytest.raises(NeighbourTablesError) as caught:
        plan_network(specs, training=True)
    message = str(caught.value)
    assert message.startswith("layer 'dense' (792 units, training layout)")
    assert "132 cores of the next layer 'dense_1'" in message
    assert "need 2116 B of DTCM per core, over the 2048 B" in message
    assert "make 'dense_1' at most 762 units" in message
    # Inference has no such tables: the same model maps for predict.
    assert all(p.neighbour_tables_bytes == 0 for p in
               plan_network(specs, training=False).layers)


@settings(deadline=None, max_examples=25)
@given(widths=st.lists(st.integers(300, 1500), min_size=3, max_size=4))
def test_suggested_width_fits_and_one_more_does_not(widths):
    specs = specs_of(widths)
    try:
        plan_network(specs, training=True)
        return
    except NeighbourTablesError as error:
        message = str(error)
    except AtomDoesNotFitError:
        return
    import re
    found = re.search(r"make '(\w+)' at most (\d+) units", message)
    if found is None:
        return          # no width of that neighbour helps
    name, units = found.group(1), int(found.group(2))
    index = [s.name for s in specs].index(name)
    failing = re.match(r"layer '(\w+)'", message).group(1)

    def failing_layer_fits(n):
        changed = list(widths)
        changed[index + 1] = n
        try:
            plan_network(specs_of(changed), training=True)
        except NeighbourTablesError as error:
            return not str(error).startswith(f"layer {failing!r}")
        except AtomDoesNotFitError:
            return True
        return True

    assert failing_layer_fits(units)
    assert not failing_layer_fits(units + 1)


def test_machine_too_small_names_cores_needed_and_available():
    plan = plan_network(specs_of([784, 2500, 2500, 10]))
    assert plan.cores == 157 + 834 + 5 + 2
    check_fits_machine(plan, plan.cores, "a machine")      # exactly enough
    with pytest.raises(MachineTooSmallError) as caught:
        check_fits_machine(plan, 759, "1 virtual SpiN-5 board (48 chips)",
                           1, 2)
    message = str(caught.value)
    assert message.startswith("the model needs 998 application cores "
                              "(inference layout: dense 157, dense_1 834, "
                              "dense_2 5, input source 1, output gatherer 1)"
                              " but 1 virtual SpiN-5 board (48 chips) has "
                              "759")
    assert "VirtualMachine(boards=2)" in message
    assert isinstance(caught.value, CapacityError)
    # one output gatherer per board
    assert plan.cores_on(3) == plan.cores + 2
    check_fits_machine(plan, plan.cores + 2, "3 boards", 3)
    with pytest.raises(MachineTooSmallError, match="output gatherer 3"):
        check_fits_machine(plan, plan.cores + 1, "3 boards", 3)
