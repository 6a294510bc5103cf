"""model.save / spinndl.load_model / save_weights / load_weights without
the machine: what goes in comes out bit for bit, loading imports neither
the toolchain nor Keras, and bad files or architectures are refused with
the model left as it was."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import spinndl
from spinndl import Model, optimizers
from spinndl.layers import Dense, Input
from spinndl.training.config import OptimizerState

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compiled_model(seed=0):
    model = Model(seed=seed, name="digits")
    model.add(Input(5, name="pixels"))
    model.add(Dense(4, activation="relu"))
    model.add(Dense(3, activation="softmax", name="classes"))
    model.compile("sparse_categorical_crossentropy",
                  optimizers.Adam(learning_rate=0.02, beta_1=0.8),
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    rng = np.random.default_rng(seed)
    state = OptimizerState(step=17)
    for layer in model.layers[1:]:
        state.slots[layer.name] = [
            [rng.normal(size=w.shape).astype(np.float32)
             for w in layer.get_weights()] for _ in range(2)]
    model._optimizer_state = state
    return model


def assert_same_model(a, b):
    assert a.name == b.name
    assert [type(l) for l in a.layers] == [type(l) for l in b.layers]
    assert [l.get_config() for l in a.layers] == \
        [l.get_config() for l in b.layers]
    for x, y in zip(a.get_weights(), b.get_weights()):
        assert x.dtype == y.dtype == np.float32 and np.array_equal(x, y)
    assert (a.loss, a.optimizer, a.metrics) == (b.loss, b.optimizer,
                                                b.metrics)
    sa, sb = a._optimizer_state, b._optimizer_state
    assert sa.step == sb.step
    assert sorted(sa.slots) == sorted(sb.slots)
    for name in sa.slots:
        for slot_a, slot_b in zip(sa.slots[name], sb.slots[name]):
            for x, y in zip(slot_a, slot_b):
                assert np.array_equal(x, y)


def test_save_and_load_model_round_trip(tmp_path):
    model = compiled_model()
    path = tmp_path / "model.spinndl"
    model.save(path)
    loaded = spinndl.load_model(path)
    assert_same_model(model, loaded)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "weights.npz"]
        config = json.loads(archive.read("config.json"))
    assert config["format"] == "spinndl.model"
    assert config["layers"][0] == {"class_name": "Input",
                                   "config": {"name": "pixels",
                                              "shape": [5]}}
    assert config["compile"]["optimizer"] == {
        "class_name": "Adam",
        "config": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.999,
                   "epsilon": 1e-7}}


def test_layout_round_trip(tmp_path):
    """mapping_objective, replicas and data_source come back as saved; a
    file without them (written before they were saved) loads with the
    defaults."""
    model = Model(name="spread", mapping_objective="throughput",
                  replicas=3, data_source="board", examples_in_flight=2)
    model.add(Input(5))
    model.add(Dense(2))
    model.save(tmp_path / "m")
    loaded = spinndl.load_model(tmp_path / "m")
    assert loaded.layout == model.layout
    assert (loaded.layout.objective, loaded.layout.replicas,
            loaded.layout.data_source, loaded.layout.examples_in_flight) \
        == ("throughput", 3, "board", 2)
    default = Model(name="plain")
    default.add(Input(5))
    default.add(Dense(2))
    default.save(tmp_path / "d")
    assert spinndl.load_model(tmp_path / "d").layout == default.layout
    # an older file: no layout keys at all
    with zipfile.ZipFile(tmp_path / "m") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("weights.npz")
    for key in ("mapping_objective", "replicas", "data_source",
                "examples_in_flight"):
        del config[key]
    with zipfile.ZipFile(tmp_path / "old", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("weights.npz", weights)
    old = spinndl.load_model(tmp_path / "old")
    assert (old.layout.objective, old.layout.replicas,
            old.layout.data_source, old.layout.examples_in_flight) == \
        ("cores", None, "host", None)


def test_load_without_compiling(tmp_path):
    model = compiled_model()
    model.save(tmp_path / "m")
    loaded = spinndl.load_model(tmp_path / "m", compile=False)
    assert loaded.loss is None
    for x, y in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(x, y)


def test_uncompiled_model_round_trip(tmp_path):
    model = Model(seed=1)
    model.add(Input(3))
    model.add(Dense(2))
    model.save(tmp_path / "m")
    loaded = spinndl.load_model(tmp_path / "m")
    assert loaded.loss is None
    for x, y in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(x, y)


def test_loading_imports_neither_toolchain_nor_keras(tmp_path):
    """A new process where every SpiNNaker toolchain and Keras import
    fails loads the model and gets the same weights and optimizer state."""
    model = compiled_model(seed=2)
    path = tmp_path / "model.spinndl"
    model.save(path)
    out = tmp_path / "loaded.npz"
    script = f"""
import sys
BLOCKED = ("spinn_utilities", "spinn_machine", "spinnman", "pacman",
           "spinn_front_end_common", "spinnaker_graph_front_end",
           "spalloc_client", "data_specification", "keras", "jax",
           "tensorflow", "torch")
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
import numpy as np
import spinndl
model = spinndl.load_model({str(path)!r})
state = model._optimizer_state
arrays = {{f"w{{i}}": w for i, w in enumerate(model.get_weights())}}
for name, slots in state.slots.items():
    for s, slot in enumerate(slots):
        for j, a in enumerate(slot):
            arrays[f"{{name}}/{{s}}/{{j}}"] = a
np.savez({str(out)!r}, step=state.step, **arrays)
loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
assert not loaded, loaded
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with np.load(out) as data:
        assert int(data["step"]) == 17
        for i, w in enumerate(model.get_weights()):
            assert np.array_equal(data[f"w{i}"], w)
        for name, slots in model._optimizer_state.slots.items():
            for s, slot in enumerate(slots):
                for j, a in enumerate(slot):
                    assert np.array_equal(data[f"{name}/{s}/{j}"], a)


def test_save_weights_and_load_weights(tmp_path):
    model = compiled_model(seed=3)
    other = compiled_model(seed=4)
    model.save_weights(tmp_path / "w")
    other.load_weights(tmp_path / "w")
    for x, y in zip(model.get_weights(), other.get_weights()):
        assert np.array_equal(x, y)
    # and from a whole-model file
    model.save(tmp_path / "m")
    third = compiled_model(seed=5)
    third.load_weights(tmp_path / "m")
    for x, y in zip(model.get_weights(), third.get_weights()):
        assert np.array_equal(x, y)


def test_load_weights_into_another_architecture_changes_nothing(tmp_path):
    model = compiled_model(seed=6)
    model.save_weights(tmp_path / "w")
    other = Model(seed=7)
    other.add(Input(5))
    other.add(Dense(4, activation="relu"))
    other.add(Dense(2, activation="softmax"))
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"layer 'dense_1' weight 0: shape "
                                         r"\(4, 3\) given, \(4, 2\)"):
        other.load_weights(tmp_path / "w")
    assert all(np.array_equal(a, b)
               for a, b in zip(before, other.get_weights()))


def test_not_a_spinndl_file(tmp_path):
    path = tmp_path / "junk"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"not a spinndl file"):
        spinndl.load_model(path)
    model = compiled_model()
    model.save_weights(tmp_path / "w")
    with pytest.raises(ValueError, match=r"a spinndl.model file expected, "
                                         r"got format 'spinndl.weights'"):
        spinndl.load_model(tmp_path / "w")


def test_failed_save_leaves_no_partial_file(tmp_path, monkeypatch):
    model = compiled_model()
    model.save(tmp_path / "good")
    good = (tmp_path / "good").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "good")
    assert (tmp_path / "good").read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["good"]
