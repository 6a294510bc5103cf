"""Mapping with the real SpiNNaker toolchain (7.4.1) on a virtual SpiNN-5:
what the toolchain placed, the keys it gave, and the bytes it would load,
read back from its data-spec database and decoded."""

import dataclasses
import os

import numpy as np
import pytest

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase

from spinndl import Model
from spinndl.activations import CODES
from spinndl.backend.toolchain import mapped_network
from spinndl.graph.kinds.dense import (
    dense_cost, decode_weights, weights_bytes)
from spinndl.graph.layer_machine_vertex import LayerMachineVertex
from spinndl.graph.network import machine_budget
from spinndl.layers import Dense, Input
from spinndl.packing import (
    AtomDoesNotFitError, SPINN5_BUDGET, SYSTEM_REGION_BYTES, pack)
from spinndl.wire_format import (
    FORWARD_PARTITION, PARAMS_REGION_BYTES, SOFTMAX_KEYS_PER_CORE,
    SOFTMAX_PARTITION, LayerParams, Region,
    decode_key_table, evenly_spaced, key_table_bytes, send_phase_us)
from spinndl.training.config import default_config

USER_CFG = ".spiNNakerGraphFrontEnd.cfg"
SPINN5_CHIPS = 48

LISTING_4 = [(50, "relu"), (50, "softmax"), (300, "tanh"), (50, "sigmoid"),
             (25, None), (17, "softmax")]


# --- hygiene: nothing written into the cwd or the home directory -------------------
@pytest.fixture(scope="module", autouse=True)
def real_home_config_untouched():
    """The real ~/.spiNNakerGraphFrontEnd.cfg is neither created nor
    removed by anything in this module (a user's own file is left alone)."""
    path = os.path.join(os.path.expanduser("~"), USER_CFG)
    existed = os.path.exists(path)
    yield
    assert os.path.exists(path) == existed


@pytest.fixture(autouse=True)
def hermetic(tmp_path, monkeypatch):
    """Run each test in an empty cwd with an empty HOME (so a user's board
    configuration cannot turn the virtual board off); afterwards both must
    still be empty: no reports/ folder, no cfg file."""
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    yield
    assert sorted(os.listdir(cwd)) == []
    assert sorted(os.listdir(home)) == []


# --- models ----------------------------------------------------------------------------
def listing_4(seed=0):
    """Listing 4 with random weights of Keras shapes set by set_weights;
    returns the model and the float32 weights expected on the machine."""
    model = Model(seed=seed)
    model.add(Input(224))
    for units, activation in LISTING_4:
        model.add(Dense(units, activation=activation))
    rng = np.random.default_rng(seed + 1000)
    weights = []
    for layer in model.layers[1:]:
        weights.append(rng.standard_normal((layer.n_inputs, layer.units)))
        weights.append(rng.standard_normal(layer.units))
    model.set_weights(weights)
    return model, [w.astype(np.float32) for w in weights]


def mlp(widths, seed=0):
    model = Model(seed=seed)
    model.add(Input(widths[0]))
    for units in widths[1:-1]:
        model.add(Dense(units, activation="relu"))
    model.add(Dense(widths[-1], activation="softmax"))
    return model


def expected_cores(widths, training):
    """Per Dense layer, the cores pack() gives on a SpiNN-5 core budget."""
    cores, sources = [], 1
    for n_inputs, n_atoms in zip(widths, widths[1:]):
        sources = pack(n_atoms, lambda k, i=n_inputs, s=sources: dense_cost(
            k, i, s, training), SPINN5_BUDGET).cores
        cores.append(sources)
    return cores


LISTING_4_WIDTHS = [224] + [units for units, _ in LISTING_4]


# --- reading the toolchain's data ---------------------------------------------------
def read_regions(db, machine_vertex):
    placement = FecDataView.get_placement_of_vertex(machine_vertex)
    regions = {}
    for region, _pointer, content in db.get_region_pointers_and_content(
            placement.x, placement.y, placement.p):
        assert content is not None, f"region {region} of {machine_vertex} " \
                                    f"has no content"
        regions[region] = bytes(content)
    return regions


def routing_infos():
    return FecDataView.get_routing_infos()


def forward_info(machine_vertex):
    return routing_infos().get_info_from(machine_vertex, FORWARD_PARTITION)


def by_lo_atom(app_vertex):
    return sorted(app_vertex.machine_vertices,
                  key=lambda v: v.vertex_slice.lo_atom)


def check_layer_regions(db, vertex, source, kernel, bias, training):
    """Every core of a Dense layer holds exactly its slice of the Keras
    weights, correct params and a key table that decodes every packet the
    previous layer sends to the right input index exactly once."""
    layer = vertex.layer
    sources = by_lo_atom(source)
    assert sources, "the source layer has no machine vertices"
    def values(s):
        # values per example: a live source has a key per value and slot
        per_value = 1 if isinstance(s, LayerMachineVertex) \
            else vertex.examples_in_flight
        return (s.vertex_slice.lo_atom // per_value,
                s.vertex_slice.n_atoms // per_value)

    source_rows = sorted(
        (forward_info(s).key, forward_info(s).mask) + values(s)
        for s in sources)
    columns, biases, los = [], [], []
    machine_vertices = by_lo_atom(vertex)
    for machine_vertex in machine_vertices:
        assert isinstance(machine_vertex, LayerMachineVertex)
        vertex_slice = machine_vertex.vertex_slice
        n_atoms, lo = vertex_slice.n_atoms, vertex_slice.lo_atom
        regions = read_regions(db, machine_vertex)
        # Inference: the four forward regions. Training adds all but the
        # optimizer state, absent for plain SGD (the default layout).
        expected = [Region.SYSTEM, Region.PARAMS, Region.KEY_TABLE,
                    Region.WEIGHTS]
        if training:
            expected += [Region.TRAINING, Region.BACKWARD_IN,
                         Region.BACKWARD_OUT, Region.LABEL_TABLE]
        assert sorted(regions) == [int(r) for r in expected]

        # Region sizes agree with the packing maths (and so with SDRAM).
        assert len(regions[Region.SYSTEM]) == SYSTEM_REGION_BYTES
        assert len(regions[Region.PARAMS]) == PARAMS_REGION_BYTES
        assert len(regions[Region.KEY_TABLE]) == key_table_bytes(
            len(sources))
        assert len(regions[Region.WEIGHTS]) == weights_bytes(
            n_atoms, layer.n_inputs)
        # The regions fill exactly the SDRAM the vertex asked the placer
        # for; for inference that is the packing's figure, training adds
        # small tables sized from the neighbouring layers' slicing.
        assert sum(map(len, regions.values())) == \
            machine_vertex.sdram_required.get_total_sdram(1)
        if not training:
            assert sum(map(len, regions.values())) == \
                machine_vertex.cost.sdram_bytes
        assert machine_vertex.cost == dense_cost(
            n_atoms, layer.n_inputs, len(sources), training,
            examples_in_flight=vertex.examples_in_flight)
        assert machine_vertex.cost.fits(SPINN5_BUDGET)

        # PARAMS: the slice, the layer, and the key the toolchain gave.
        info = forward_info(machine_vertex)
        expected = dict(
            n_atoms=n_atoms, lo_atom=lo, layer_atoms=layer.units,
            n_inputs=layer.n_inputs, activation=CODES[layer.activation],
            forward_key=info.key, forward_mask=info.mask,
            training=int(training), layer_cores=len(machine_vertices),
            send_phase_us=send_phase_us(
                machine_vertices.index(machine_vertex),
                len(machine_vertices), training),
            softmax_key=0, softmax_layer_key=0, softmax_layer_mask=0,
            examples_in_flight=vertex.examples_in_flight)
        if layer.activation == "softmax":
            own = routing_infos().get_info_from(machine_vertex,
                                                SOFTMAX_PARTITION)
            whole = routing_infos().get_info_from(vertex, SOFTMAX_PARTITION)
            # The layer's key/mask matches every core's softmax keys.
            assert own.key & whole.mask == whole.key
            assert (own.key + SOFTMAX_KEYS_PER_CORE - 1) & whole.mask == \
                whole.key
            expected.update(softmax_key=own.key, softmax_layer_key=whole.key,
                            softmax_layer_mask=whole.mask)
        params = dataclasses.asdict(
            LayerParams.decode(regions[Region.PARAMS]))
        assert {name: params[name] for name in expected} == expected
        assert info.key & info.mask == info.key
        assert vertex.examples_in_flight * n_atoms <= \
            (~info.mask & 0xFFFFFFFF) + 1

        # KEY_TABLE: one row per source core, as the toolchain keyed it.
        table = decode_key_table(regions[Region.KEY_TABLE])
        assert [(e.key, e.mask, e.first_index, e.n_atoms)
                for e in table] == source_rows
        # The C finds a packet's row by subtract and shift, and the send
        # gaps (wire_format.receive_ns) count on that: zoned keys give
        # one layer's slices evenly spaced keys.
        assert evenly_spaced(table)
        backward_in = decode_key_table(regions[Region.BACKWARD_IN]) \
            if training else []
        assert evenly_spaced(backward_in) or not backward_in
        # Decode every packet the sources send, as the C program does:
        # key + slot * values + offset.
        seen = np.zeros((vertex.examples_in_flight, layer.n_inputs),
                        dtype=int)
        for s in sources:
            s_info = forward_info(s)
            lo_value, n_values = values(s)
            for parity in range(vertex.examples_in_flight):
                for offset in range(n_values):
                    key = s_info.key + parity * n_values + offset
                    matches = [e for e in table if key & e.mask == e.key]
                    assert len(matches) == 1, f"key {key:#x}: {matches}"
                    entry = matches[0]
                    value = key & ~entry.mask & 0xFFFFFFFF
                    got_parity, offset_in = divmod(value, entry.n_atoms)
                    index = entry.first_index + offset_in
                    assert (got_parity, index) == (parity, lo_value + offset)
                    seen[parity, index] += 1
        assert np.all(seen == 1), "input indices not covered exactly once"

        # WEIGHTS: exactly the Keras kernel columns and biases of the slice.
        slice_kernel, slice_bias = decode_weights(
            regions[Region.WEIGHTS], n_atoms, layer.n_inputs)
        assert slice_kernel.dtype == np.float32
        assert np.array_equal(slice_kernel, kernel[:, lo:lo + n_atoms])
        assert np.array_equal(slice_bias, bias[lo:lo + n_atoms])
        columns.append(slice_kernel)
        biases.append(slice_bias)
        los.append(lo)
    # The slices together are the whole layer, each unit once.
    assert np.array_equal(np.concatenate(columns, axis=1), kernel)
    assert np.array_equal(np.concatenate(biases), bias)
    assert los == sorted(set(los))
    return len(machine_vertices)


# --- Listing 4: the bytes ---------------------------------------------------------
@pytest.mark.parametrize("training", [False, True])
def test_listing_4_region_bytes_decode_to_the_weights_set(training):
    model, weights = listing_4()
    with mapped_network(model.layers, default_config() if training else None) as graph:
        assert graph.virtual
        assert FecDataView.get_machine().n_chips <= SPINN5_CHIPS
        assert machine_budget() == SPINN5_BUDGET
        assert len(graph.input_vertex.machine_vertices) == 1
        sources = [graph.input_vertex] + graph.layer_vertices[:-1]
        cores = []
        with DsSqlliteDatabase() as db:
            for index, (vertex, source) in enumerate(
                    zip(graph.layer_vertices, sources)):
                assert vertex.layer is model.layers[index + 1]
                cores.append(check_layer_regions(
                    db, vertex, source, weights[2 * index],
                    weights[2 * index + 1], training))
    assert cores == expected_cores(LISTING_4_WIDTHS, training)


def test_all_key_spaces_are_disjoint():
    """Forward keys of every core and softmax keys of every softmax core:
    no packet can match two of them."""
    model, _ = listing_4()
    with mapped_network(model.layers, None) as graph:
        infos = [forward_info(v)
                 for app in [graph.input_vertex] + graph.layer_vertices
                 for v in app.machine_vertices]
        n_forward = len(infos)
        infos += [routing_infos().get_info_from(v, SOFTMAX_PARTITION)
                  for app in graph.layer_vertices
                  if app.layer.activation == "softmax"
                  for v in app.machine_vertices]
    assert n_forward == 1 + sum(expected_cores(LISTING_4_WIDTHS, False))
    assert len(infos) == n_forward + 2  # dense_1 and dense_5, 1 core each
    for i, a in enumerate(infos):
        for b in infos[i + 1:]:
            assert (a.key ^ b.key) & a.mask & b.mask != 0, \
                f"{a.key:#x}/{a.mask:#x} overlaps {b.key:#x}/{b.mask:#x}"


def test_weights_set_after_a_mapping_are_in_the_next_mapping():
    model, _ = listing_4()
    with mapped_network(model.layers, None):
        pass
    new = [w * 2 - 1 for w in model.get_weights()]
    model.set_weights(new)
    with mapped_network(model.layers, None) as graph:
        vertex = graph.layer_vertices[-1]
        (machine_vertex,) = vertex.machine_vertices
        with DsSqlliteDatabase() as db:
            regions = read_regions(db, machine_vertex)
    kernel, bias = decode_weights(regions[Region.WEIGHTS], 17, 25)
    assert np.array_equal(kernel, new[-2]) and np.array_equal(bias, new[-1])


# --- Model.mapping() -------------------------------------------------------------------
def check_mapping_against_graph_keys(mapping):
    for layer in mapping.layers + [mapping.output]:
        assert layer.cores == len(layer.placements)
    placements = [p for layer in mapping.layers + [mapping.output]
                  for p in layer.placements]
    assert len(set(placements)) == len(placements), "two layers share a core"
    chips = {(x, y) for x, y, _ in placements}
    assert mapping.chips == len(chips) <= SPINN5_CHIPS


def test_listing_4_inference_mapping():
    model, _ = listing_4()
    mapping = model.mapping()
    assert not mapping.training
    assert "virtual" in mapping.machine
    assert [layer.name for layer in mapping.layers] == [
        layer.name for layer in model.layers]
    check_mapping_against_graph_keys(mapping)
    input_layer, *dense_layers = mapping.layers
    assert input_layer.kind == "input" and input_layer.cores == 1
    assert input_layer.atoms == 224
    assert [l.cores for l in dense_layers] == expected_cores(
        LISTING_4_WIDTHS, False) == [1, 1, 2, 2, 1, 1]
    assert mapping.output.cores == 1
    assert mapping.total_cores <= 10
    assert mapping.total_cores == 1 + 8 + 1
    for layer, model_layer in zip(dense_layers, model.layers[1:]):
        assert layer.atoms == model_layer.units
        assert layer.params == model_layer.count_params()
        assert layer.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes
        assert len(layer.keys) == layer.cores
    assert sum(l.params for l in mapping.layers) == model.count_params()
    table = mapping.table()
    assert "Total cores: 10" in table and "dense_5" in table


def test_training_layout_uses_at_least_as_many_cores():
    model, _ = listing_4()
    inference = model.mapping(training=False)
    training = model.mapping(training=True)
    assert training.training
    check_mapping_against_graph_keys(training)
    assert training.layers[0].cores == 1
    for inf, tr in zip(inference.layers, training.layers):
        assert tr.cores >= inf.cores, inf.name
        if inf.dtcm_bytes_per_core is not None:
            assert tr.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes
    assert [l.cores for l in training.layers[1:]] == expected_cores(
        LISTING_4_WIDTHS, True)
    assert training.total_cores >= inference.total_cores
    assert training.total_cores > inference.total_cores  # 13 vs 10


def test_summary_prints_the_mapping_table():
    model, _ = listing_4()
    lines = []
    model.summary(print_fn=lines.append)
    assert len(lines) == 1
    assert "inference" in lines[0] and "Total cores: 10" in lines[0]


def test_mlp_784_512_512_10_maps(capsys):
    widths = [784, 512, 512, 10]
    model = mlp(widths)
    mapping = model.mapping()
    check_mapping_against_graph_keys(mapping)
    assert mapping.layers[0].cores == 1
    dense_cores = [l.cores for l in mapping.layers[1:]]
    assert dense_cores == expected_cores(widths, False)
    assert mapping.total_cores == 1 + sum(dense_cores) + 1
    for layer in mapping.layers[1:]:
        assert layer.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes
    with capsys.disabled():
        print(f"\n784-512-512-10 inference: cores per layer "
              f"{[l.cores for l in mapping.layers]} + gatherer "
              f"{mapping.output.cores} = {mapping.total_cores} on "
              f"{mapping.chips} chips, {mapping.mapping_seconds:.2f} s")


def test_mlp_784_512_512_10_region_bytes():
    """The big layer's weights (32 cores x 16 units x 784 inputs) and the
    key tables of a layer fed by 32 cores arrive intact."""
    widths = [784, 512, 512, 10]
    model = mlp(widths, seed=3)
    weights = model.get_weights()
    with mapped_network(model.layers, None) as graph:
        sources = [graph.input_vertex] + graph.layer_vertices[:-1]
        with DsSqlliteDatabase() as db:
            cores = [check_layer_regions(db, v, s, weights[2 * i],
                                         weights[2 * i + 1], False)
                     for i, (v, s) in enumerate(
                         zip(graph.layer_vertices, sources))]
    assert cores == expected_cores(widths, False)


# --- failures --------------------------------------------------------------------------
def test_layer_whose_atom_does_not_fit_fails_clearly_and_recovers():
    model = Model()
    model.add(Input(20000))
    model.add(Dense(4, name="too_wide"))
    with pytest.raises(AtomDoesNotFitError, match="'too_wide'.*DTCM"):
        model.mapping()
    # The failed session was shut down: the next mapping works.
    small, _ = listing_4()
    assert small.mapping().total_cores == 10
