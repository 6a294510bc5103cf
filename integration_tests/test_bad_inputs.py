"""Every bad input we know of raises a clear error before anything is
mapped, and leaves the model as it was: weights, optimizer state and
compile settings, compared bit for bit.

"Before anything is mapped" is checked, not assumed: the toolchain's entry
points are replaced by ones that fail the test if called. Input checks must
not even start a toolchain session; capacity checks need the session (it
knows the machine) but must not reach its mapping.
"""

import copy

import numpy as np
import pytest

from spinndl import Model, VirtualMachine, optimizers
from spinndl.backend.toolchain import ToolchainSession
from spinndl.examples.thesis_models import mlp
from spinndl.layers import Dense, Input
from spinndl.packing import (
    AtomDoesNotFitError, MachineTooSmallError, NeighbourTablesError)

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)


@pytest.fixture
def no_session(monkeypatch):
    """Fail the test if a toolchain session is even created."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a toolchain session was started")
    monkeypatch.setattr(ToolchainSession, "__init__", refuse)


@pytest.fixture
def no_mapping(monkeypatch):
    """Fail the test if the toolchain maps (or loads and runs) anything."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the toolchain was asked to map")
    monkeypatch.setattr(ToolchainSession, "map", refuse)
    monkeypatch.setattr(ToolchainSession, "run_forever", refuse)


def compiled_model(widths=(2, 5, 2), seed=3):
    """A model compiled with Adam whose optimizer state is not the initial
    one (as after some fits), so losing it would show."""
    model = mlp(*widths, seed=seed)
    model.compile("categorical_crossentropy", optimizers.Adam(0.01),
                  metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    state = model._optimizer_state
    for layer in model.layers[1:]:
        state.slots[layer.name] = [
            [rng.standard_normal(w.shape).astype(np.float32)
             for w in layer.get_weights()] for _ in range(2)]
    state.step = 7
    return model


def snapshot(model):
    return dict(weights=model.get_weights(), loss=model.loss,
                optimizer=getattr(model, "optimizer", None),
                metrics=copy.copy(getattr(model, "metrics", None)),
                state=copy.deepcopy(getattr(model, "_optimizer_state", None)),
                layers=[(layer.name, layer.input_shape, layer.output_shape)
                        for layer in model.layers])


def assert_unchanged(model, before):
    after = snapshot(model)
    assert len(after["weights"]) == len(before["weights"])
    for a, b in zip(after["weights"], before["weights"]):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    for key in ("loss", "optimizer", "metrics", "layers"):
        assert after[key] == before[key], key
    old, new = before["state"], after["state"]
    assert (old is None) == (new is None)
    if old is not None:
        assert new.step == old.step
        assert new.slots.keys() == old.slots.keys()
        for name in old.slots:
            for slot_old, slot_new in zip(old.slots[name], new.slots[name]):
                for a, b in zip(slot_old, slot_new):
                    assert np.array_equal(a, b)


def with_nan(array, index):
    array = array.copy()
    array[index] = np.nan
    return array


def fit(model, x=X, y=Y, **kwargs):
    kwargs = {"epochs": 1, "batch_size": 2, "verbose": 0, **kwargs}
    return model.fit(x, y, **kwargs)


# (name, call on a compiled 2-5-2 model, error type, message pattern)
BAD_CALLS = [
    # fit: data
    ("fit labels of the wrong shape", lambda m: fit(m, y=Y[:, :1]),
     ValueError, r"y: shape \(4, 2\) expected"),
    ("fit too few labels", lambda m: fit(m, y=Y[:3]),
     ValueError, r"y: shape \(4, 2\) expected"),
    ("fit NaN in x", lambda m: fit(m, x=with_nan(X, (2, 1))),
     ValueError, r"x: non-finite value nan at index \(2, 1\)"),
    ("fit inf in x", lambda m: fit(m, x=X + np.float32(np.inf)),
     ValueError, r"x: non-finite value"),
    ("fit NaN in y", lambda m: fit(m, y=with_nan(Y, (1, 0))),
     ValueError, r"y: non-finite value nan at index \(1, 0\)"),
    ("fit string labels", lambda m: fit(m, y=Y.astype(str)),
     ValueError, r"y: numbers expected, got <U"),
    ("fit object labels", lambda m: fit(m, y=Y.astype(object)),
     ValueError, r"y: numbers expected, got object"),
    ("fit string x", lambda m: fit(m, x=X.astype(str)),
     ValueError, r"x: numbers expected"),
    ("fit x of the wrong shape", lambda m: fit(m, x=X[:, :1]),
     ValueError, r"x: examples of shape \(2,\) expected"),
    ("fit one example without a batch axis", lambda m: fit(m, x=X[0]),
     ValueError, r"x: a batch of examples is expected"),
    ("fit no examples", lambda m: fit(m, x=X[:0], y=Y[:0]),
     ValueError, r"x: no examples"),
    ("fit batch_size 0", lambda m: fit(m, batch_size=0),
     ValueError, r"batch_size must be a positive integer, got 0"),
    ("fit batch_size 1.5", lambda m: fit(m, batch_size=1.5),
     ValueError, r"batch_size must be a positive integer, got 1.5"),
    ("fit epochs 0", lambda m: fit(m, epochs=0),
     ValueError, r"epochs must be a positive integer, got 0"),
    ("fit bad validation labels",
     lambda m: fit(m, validation_data=(X, Y[:, :1])),
     ValueError, r"validation y: shape"),
    ("fit NaN validation labels",
     lambda m: fit(m, validation_data=(X, with_nan(Y, (0, 0)))),
     ValueError, r"validation y: non-finite"),
    # Keras' third part is one sample weight per validation example
    ("fit validation_data whose weights are rows",
     lambda m: fit(m, validation_data=(X, Y, Y)),
     ValueError, r"validation sample_weight: one weight per example "
                 r"expected"),
    ("fit validation_data of four parts",
     lambda m: fit(m, validation_data=(X, Y, Y, Y)),
     ValueError, r"validation_data must be \(x_val, y_val\)"),
    ("fit validation sample weights of the wrong shape",
     lambda m: fit(m, validation_data=(X, Y, Y)),
     ValueError, r"validation sample_weight: one weight per example"),
    # fit: Keras' training arguments
    ("fit sample weights with NaN",
     lambda m: fit(m, sample_weight=np.array([1, np.nan, 1, 1])),
     ValueError, r"sample_weight: non-finite weight nan"),
    ("fit class_weight that is not a dict",
     lambda m: fit(m, class_weight=[1, 2]),
     ValueError, r"class_weight must be a dict"),
    ("fit validation_split of 1.5", lambda m: fit(m, validation_split=1.5),
     ValueError, r"validation_split must be in \[0, 1\), got 1.5"),
    ("fit initial_epoch past the epochs",
     lambda m: fit(m, epochs=2, initial_epoch=2),
     ValueError, r"initial_epoch \(2\) must be below"),
    # fit: the thesis form must not replace the compiled Adam on failure
    ("thesis-form fit with a class index out of range",
     lambda m: fit(m, y=np.array([0, 1, 2, 0]),
                   loss="sparse_categorical_crossentropy",
                   learning_rate=0.1),
     ValueError, r"y: class index 2 of example 2"),
    ("thesis-form fit with NaN labels",
     lambda m: fit(m, y=with_nan(Y, (3, 1)), loss="mean_squared_error",
                   learning_rate=0.1),
     ValueError, r"y: non-finite"),
    ("thesis-form fit with a negative learning rate",
     lambda m: fit(m, loss="mean_squared_error", learning_rate=-0.5),
     ValueError, r"SGD learning_rate must be >= 0, got -0.5"),
    ("thesis-form fit with an unknown loss",
     lambda m: fit(m, loss="hinge", learning_rate=0.1),
     ValueError, r"unknown loss 'hinge'"),
    # compile
    ("compile an unknown loss",
     lambda m: m.compile("hinge", optimizers.SGD(0.1)),
     ValueError, r"unknown loss 'hinge'"),
    ("compile an unknown optimizer",
     lambda m: m.compile("mean_squared_error", "rmsprop"),
     ValueError, r"unknown optimizer 'rmsprop'"),
    ("compile an unknown metric",
     lambda m: m.compile("mean_squared_error", "sgd", metrics=["auc"]),
     ValueError, r"unknown metric 'auc'"),
    # evaluate
    ("evaluate NaN labels", lambda m: m.evaluate(X, with_nan(Y, (2, 0))),
     ValueError, r"y: non-finite value nan at index \(2, 0\)"),
    ("evaluate string labels", lambda m: m.evaluate(X, [["1", "0"]] * 4),
     ValueError, r"y: numbers expected"),
    ("evaluate labels of the wrong shape", lambda m: m.evaluate(X, Y[:2]),
     ValueError, r"y: shape \(4, 2\) expected"),
    # predict
    ("predict x of the wrong shape", lambda m: m.predict(np.ones((3, 5))),
     ValueError, r"x: examples of shape \(2,\) expected"),
    ("predict NaN", lambda m: m.predict(with_nan(X, (0, 0))),
     ValueError, r"x: non-finite value nan at index \(0, 0\)"),
    ("predict strings", lambda m: m.predict(X.astype(str)),
     ValueError, r"x: numbers expected"),
    ("predict batch_size 0", lambda m: m.predict(X, batch_size=0),
     ValueError, r"batch_size must be a positive int, got 0"),
    # weights
    ("set_weights of the wrong shapes",
     lambda m: m.set_weights([w.T for w in m.get_weights()]),
     ValueError, r"layer 'dense' weight 0: shape \(5, 2\) given"),
    ("set_weights with NaN",
     lambda m: m.set_weights([with_nan(w, (0,) * w.ndim)
                              for w in m.get_weights()]),
     ValueError, r"non-finite value nan"),
    ("set_weights too few arrays",
     lambda m: m.set_weights(m.get_weights()[:1]),
     ValueError, r"the model has 4 weight arrays"),
    # building: a layer of another model with another input width
    ("add a built layer with another input width",
     lambda m: _reuse_last_layer(m, Input(7)),
     ValueError, r"layer 'dense_1' is already built for input shape \(5,\)"
                 r".*here it would get \(7,\)"),
    ("call a built layer on a wider input (functional form)",
     lambda m: m.layers[-1](Input(7)),
     ValueError, r"layer 'dense_1' was built for inputs of shape \(5,\), "
                 r"called on shape \(7,\)"),
    ("a Sequential model without an Input",
     lambda m: Model([Dense(3)]),
     ValueError, r"the first layer must be an Input"),
]


def _reuse_last_layer(model, input_layer):
    other = Model()
    other.add(input_layer)
    other.add(model.layers[-1])


@pytest.mark.parametrize("name,call,error,message", BAD_CALLS,
                         ids=[case[0] for case in BAD_CALLS])
def test_bad_input_raises_before_any_toolchain_and_changes_nothing(
        no_session, name, call, error, message):
    model = compiled_model()
    before = snapshot(model)
    with pytest.raises(error, match=message):
        call(model)
    assert_unchanged(model, before)


# --- limits of the machine: found from the packing maths, before mapping ----------
def wide_mlp(*widths, machine=None):
    model = Model(seed=0, machine=machine)
    model.add(Input(widths[0]))
    for width in widths[1:-1]:
        model.add(Dense(width, activation="relu"))
    model.add(Dense(widths[-1], activation="softmax"))
    return model


CAPACITY_CASES = [
    ("training neighbour tables of 784-793-793-10",
     lambda: wide_mlp(784, 793, 793, 10),
     lambda m: fit(m, x=np.zeros((2, 784)), y=np.eye(10)[:2]),
     NeighbourTablesError,
     r"layer 'dense' \(793 units, training layout\): 133 cores of the next "
     r"layer 'dense_1'.*2132 B of DTCM per core, over the 2048 B reserved.*"
     r"make 'dense_1' at most 762 units"),
    ("a model bigger than one board",
     lambda: wide_mlp(784, 2500, 2500, 10),
     lambda m: m.predict(np.zeros((1, 784))),
     MachineTooSmallError,
     r"the model needs 998 application cores \(inference layout: dense 157,"
     r" dense_1 834, dense_2 5, input source 1, output gatherer 1\) but 1 "
     r"virtual SpiN-5 board \(48 chips, emulator\) has 759; .*"
     r"VirtualMachine\(boards=2\)"),
    ("a model bigger than the virtual machine asked for",
     lambda: wide_mlp(784, 2500, 2500, 10, machine=VirtualMachine(boards=1)),
     lambda m: m.mapping(),
     MachineTooSmallError, r"needs 998 application cores .* has 759"),
    ("an atom wider than a core",
     lambda: wide_mlp(20000, 4),
     lambda m: m.summary(),
     AtomDoesNotFitError,
     r"layer 'dense': one atom needs DTCM \d+ B > 58184 B available"),
]


@pytest.mark.parametrize("name,build,call,error,message", CAPACITY_CASES,
                         ids=[case[0] for case in CAPACITY_CASES])
def test_capacity_errors_come_before_mapping(no_mapping, name, build, call,
                                             error, message):
    model = build()
    model.compile("categorical_crossentropy", optimizers.SGD(0.1))
    before = snapshot(model)
    with pytest.raises(error, match=message):
        call(model)
    assert_unchanged(model, before)


def test_bad_machine_options():
    with pytest.raises(ValueError, match=r"boards must be a positive "
                                         r"integer, got 0"):
        VirtualMachine(boards=0)
    with pytest.raises(TypeError, match=r"machine must be a "
                                        r"spinndl.VirtualMachine"):
        Model(machine="big")
