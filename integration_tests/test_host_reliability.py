"""What a run leaves behind and what the user sees: the capacity plan
agrees with what the toolchain maps, the machine is named as used, mapping
errors carry their report, Ctrl-C and temporary folders survive runs, and a
layer shared by two models behaves as in Keras."""

import glob
import os
import signal
import sys
import tempfile

import numpy as np
import pytest

from spinndl import Model, VirtualMachine, optimizers
from spinndl.backend import streaming
from spinndl.backend.toolchain import (
    REPORT_FOLDER_PREFIX, MappingError, ToolchainSession)
from spinndl.examples.thesis_models import mlp
from spinndl.graph import network
from spinndl.backend.toolchain import mapped_network
from spinndl.layers import Dense, Input
from spinndl.packing import NeighbourTablesError
from spinndl.training.config import default_config

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary directory of the test's own, so that what a run leaves
    in it can be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def left_in(folder):
    return sorted(os.listdir(folder))


# --- the plan is what the toolchain maps -----------------------------------------------
def test_training_plan_agrees_with_the_mapped_vertices_at_the_boundary():
    """784-791-791-10 in the training layout (the widest of its family that
    trains): per layer, the plan's cores and neighbour-table bytes are what
    the toolchain's splitters and the machine vertices (sized from the real
    neighbours) come to."""
    model = mlp(784, 791, 791, 10, seed=0)
    with mapped_network(model.layers, default_config()) as graph:
        for plan, vertex in zip(graph.plan.layers, graph.layer_vertices):
            machine_vertices = vertex.machine_vertices
            assert plan.packing.cores == len(machine_vertices)
            assert sorted(plan.packing.slices) == sorted(
                (v.vertex_slice.lo_atom, v.vertex_slice.hi_atom + 1)
                for v in machine_vertices)
            assert {v.neighbour_tables_bytes() for v in machine_vertices} \
                == {plan.neighbour_tables_bytes}
        assert [p.neighbour_tables_bytes for p in graph.plan.layers] == \
            [1812, 1392, 1376]
        report = graph.report()
    assert report.total_cores == graph.plan.cores


def test_plan_and_vertex_agree_past_the_boundary(monkeypatch):
    """784-792-792-10: with the plan's check bypassed, the toolchain maps
    the graph and the first layer's machine vertex finds the same 2,116 B
    the plan refuses before mapping."""
    model = mlp(784, 792, 792, 10, seed=0)
    with pytest.raises(NeighbourTablesError, match=r"layer 'dense' .* need "
                                                   r"2116 B of DTCM"):
        network.check_capacity(None, model.layers, default_config())
    monkeypatch.setattr(network, "check_capacity", lambda *a, **k: None)
    with pytest.raises(AssertionError, match=r"layer 'dense': neighbour "
                                             r"tables need 2116 B of DTCM"):
        with mapped_network(model.layers, default_config()):
            pass


def test_machine_is_named_as_used_and_a_bigger_one_must_be_asked_for():
    """One board by default (a bigger model is refused before mapping, see
    test_bad_inputs); VirtualMachine(boards=2) gets the toolchain's
    smallest multi-board machine, a triad, and the report says so."""
    small = mlp(4, 3, 2, seed=0).mapping()
    assert small.machine == "1 virtual SpiN-5 board (48 chips, emulator)"
    model = Model(seed=0, machine=VirtualMachine(boards=2))
    model.add(Input(784))
    model.add(Dense(2500, activation="relu"))
    model.add(Dense(2500, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    mapping = model.mapping()
    assert mapping.machine == "3 virtual SpiN-5 boards (144 chips, emulator)"
    # 998 cores on one board; the toolchain adds a gatherer per board
    assert mapping.total_cores == 1000
    assert mapping.chips > 48


def test_a_configured_board_is_not_sized_before_connecting(tmp_path,
                                                          monkeypatch):
    """With a board named in the user's config the session is not virtual;
    its size is unknown before the toolchain connects, so only the per-core
    limits are checked before mapping (the placer checks the rest)."""
    (tmp_path / ".spiNNakerGraphFrontEnd.cfg").write_text(
        "[Machine]\nmachine_name = 192.0.2.1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    with ToolchainSession(network.BINARY_FOLDER) as session:
        assert not session.virtual
        assert session.capacity() is None
        plan = network.check_capacity(session,
                                      mlp(784, 2500, 2500, 10).layers)
        assert plan.cores == 998
        with pytest.raises(NeighbourTablesError):
            network.check_capacity(session, mlp(784, 792, 792, 10).layers,
                                   default_config())


def test_failed_placement_carries_its_report(monkeypatch, private_tmp):
    """With the capacity check bypassed, the placer fails; its message
    names a report in the session's folder, which is removed when the
    session ends, so the report's text comes with the error."""
    monkeypatch.setattr(network, "check_capacity", lambda *a, **k: None)
    model = mlp(784, 2500, 2500, 10, seed=0)
    with pytest.raises(MappingError) as caught:
        model.mapping()
    message = str(caught.value)
    assert "placements_error.txt" in message
    assert "--- placements_error.txt (deleted with the session's report " \
           "folder) ---" in message
    assert "Could not place" in message and "dense_1" in message
    assert left_in(private_tmp) == []


# --- Ctrl-C and excepthook ------------------------------------------------------------
def assert_sigint_raises_keyboard_interrupt():
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):      # the handler runs between bytecodes
            pass


def test_ctrl_c_works_after_predict_fit_and_a_failed_mapping(monkeypatch):
    handler, hook = signal.getsignal(signal.SIGINT), sys.excepthook
    model = mlp(2, 5, 2, seed=1)
    model.compile("categorical_crossentropy", optimizers.SGD(0.1))
    model.predict(X)
    assert signal.getsignal(signal.SIGINT) is handler
    assert sys.excepthook is hook
    model.fit(X, Y, epochs=1, batch_size=2, verbose=0)
    assert signal.getsignal(signal.SIGINT) is handler
    assert sys.excepthook is hook
    monkeypatch.setattr(network, "check_capacity", lambda *a, **k: None)
    with pytest.raises(MappingError):
        mlp(784, 2500, 2500, 10).mapping()
    assert signal.getsignal(signal.SIGINT) is handler
    assert sys.excepthook is hook
    assert_sigint_raises_keyboard_interrupt()


# --- nothing left behind ---------------------------------------------------------------
def test_runs_leave_nothing_in_tmp_or_the_working_directory(
        private_tmp, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    model = mlp(2, 5, 2, seed=2)
    model.compile("categorical_crossentropy", optimizers.SGD(0.1))
    model.predict(X)
    model.fit(X, Y, epochs=1, batch_size=2, verbose=0)
    model.evaluate(X, Y)
    assert left_in(private_tmp) == [] and left_in(work) == []

    # an error inside a run, and Ctrl-C inside a run
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(streaming, "stream_examples", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.predict(X)
    assert left_in(private_tmp) == [] and left_in(work) == []
    with pytest.raises(ValueError):
        mlp(2, 5, 2).fit(X, Y, loss="mse", learning_rate=-1)
    assert left_in(private_tmp) == [] and left_in(work) == []
    assert glob.glob(os.path.join(str(private_tmp),
                                  REPORT_FOLDER_PREFIX + "*")) == []


# --- training details of issue 10 ------------------------------------------------------
@pytest.mark.parametrize("form", ["compile", "thesis"])
def test_learning_rate_zero_is_honoured(form):
    """Keras trains with learning_rate=0.0 without changing a weight."""
    model = mlp(2, 5, 2, seed=3)
    before = model.get_weights()
    if form == "compile":
        model.compile("mean_squared_error", optimizers.SGD(0.0))
        model.fit(X, Y, epochs=2, batch_size=2, verbose=0)
    else:
        model.fit(X, Y, epochs=2, batch_size=2, verbose=0,
                  loss="mean_squared_error", learning_rate=0.0)
    assert model.optimizer.learning_rate == 0.0
    for a, b in zip(before, model.get_weights()):
        assert np.array_equal(a, b)


# --- a layer in two models -------------------------------------------------------------
def test_layer_in_two_models_as_in_keras():
    """Keras: a built layer added to a model with another input width is
    refused; with the same width it is shared, weights and all."""
    from spinndl.reference import keras as load_keras
    keras = load_keras()
    shared = keras.layers.Dense(3)
    keras.Sequential([keras.Input((4,)), shared])
    twin = keras.Sequential([keras.Input((4,)), shared])
    assert twin.layers[0] is shared
    with pytest.raises(ValueError):
        keras.Sequential([keras.Input((8,)), shared])(np.ones((1, 8)))

    dense = Dense(3, activation="relu")
    first = Model(seed=4)
    first.add(Input(4))
    first.add(dense)
    x = np.random.default_rng(4).uniform(-1, 1, (5, 4)).astype(np.float32)
    expected = first.predict(x)
    wider = Model()
    wider.add(Input(8))
    with pytest.raises(ValueError, match=r"already built for input shape "
                                         r"\(4,\)"):
        wider.add(dense)
    assert wider.layers == [wider.layers[0]]
    np.testing.assert_array_equal(first.predict(x), expected)

    second = Model(seed=5)
    second.add(Input(4))
    second.add(dense)                       # shared, not re-initialised
    np.testing.assert_array_equal(second.predict(x), expected)
    new = [w + 1 for w in second.get_weights()]
    second.set_weights(new)
    for a, b in zip(first.get_weights(), new):
        np.testing.assert_array_equal(a, b)
