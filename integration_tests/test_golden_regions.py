"""Golden bytes: every data region of every layer core, for the thesis
models and an MNIST-sized MLP, in the inference and training layouts, must
stay byte-identical to what the code wrote when the digests were recorded
(integration_tests/data/golden_regions.json). A refactor that changes one
byte of what a core loads fails here, naming the model, layout, layer, core
and region.

Changing the wire format on purpose: regenerate with
``SPINNDL_WRITE_GOLDEN=1 .venv/bin/python -m pytest -q
integration_tests/test_golden_regions.py`` and say why in the commit.
"""

import hashlib
import json
import os

import pytest

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase

from spinndl.examples.thesis_models import (
    listing1_mlp, listing4_mlp, mlp, xor_mlp)
from spinndl.backend.toolchain import mapped_network
from spinndl.optimizers import Adam

GOLDEN = os.path.join(os.path.dirname(__file__), "data",
                      "golden_regions.json")
WRITE = os.environ.get("SPINNDL_WRITE_GOLDEN") == "1"

MODELS = {
    "listing1": lambda: listing1_mlp(seed=0),
    "listing4": lambda: listing4_mlp(seed=0),
    "xor": lambda: xor_mlp(seed=0),
    "mlp_784_512_512_10": lambda: mlp(784, 512, 512, 10, seed=0),
}
#: inference; training with the default layout (SGD, MSE, one example);
#: training with Adam and categorical cross-entropy (optimizer regions),
#: 100 examples in batches of 8.
LAYOUTS = ("inference", "train_sgd", "train_adam")


def _config(model, layout):
    if layout == "inference":
        return None
    if layout == "train_sgd":
        return model._training_config(1, 1)
    model.compile(loss="categorical_crossentropy",
                  optimizer=Adam(learning_rate=0.002))
    return model._training_config(100, 8)


def region_digests(model, layout):
    """{layer: [{region: sha256}, per core in slice order]}."""
    digests = {}
    with mapped_network(model.layers, _config(model, layout)) as graph:
        with DsSqlliteDatabase() as db:
            for vertex in graph.layer_vertices:
                cores = []
                for machine_vertex in sorted(
                        vertex.machine_vertices,
                        key=lambda v: v.vertex_slice.lo_atom):
                    placement = FecDataView.get_placement_of_vertex(
                        machine_vertex)
                    regions = {}
                    for region, _pointer, content in \
                            db.get_region_pointers_and_content(
                                placement.x, placement.y, placement.p):
                        regions[str(region)] = hashlib.sha256(
                            bytes(content or b"")).hexdigest()
                    cores.append(regions)
                digests[vertex.label] = cores
    return digests


@pytest.fixture(scope="module")
def golden():
    if WRITE or not os.path.exists(GOLDEN):
        return {}
    with open(GOLDEN, encoding="utf-8") as stream:
        return json.load(stream)


@pytest.fixture(scope="module", autouse=True)
def write_golden(golden):
    yield
    if WRITE:
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, "w", encoding="utf-8") as stream:
            json.dump(golden, stream, indent=1, sort_keys=True)
            stream.write("\n")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_region_bytes_are_golden(name, layout, golden, tmp_path,
                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    digests = region_digests(MODELS[name](), layout)
    key = f"{name}/{layout}"
    if WRITE:
        golden[key] = digests
        return
    assert key in golden, f"no golden digests for {key}: regenerate"
    expected = golden[key]
    assert sorted(digests) == sorted(expected), f"{key}: layers differ"
    for layer, cores in expected.items():
        assert len(digests[layer]) == len(cores), \
            f"{key}: layer {layer!r} has {len(digests[layer])} cores, " \
            f"golden {len(cores)}"
        for index, (got, want) in enumerate(zip(digests[layer], cores)):
            assert got == want, \
                f"{key}: layer {layer!r} core {index}: regions " \
                f"{sorted(r for r in set(got) | set(want) if got.get(r) != want.get(r))} " \
                f"differ from the golden bytes"
