"""numerics="fixed" reports saturation (docs/numerics.md, "Saturation"):
the emulated dense_fixed / dense_train_fixed cores count every result
they clip, by where (forward, backward, update), in their SATURATION
region; the host reads it after the run, puts the counts on
model.last_run and warns, naming the layer and the core. The counts must
equal spinndl.fixed_reference's, which counts the same arithmetic."""

import warnings

import numpy as np
import pytest

from spinndl import Model, SaturationWarning, optimizers
from spinndl.fixed_reference import FixedNetwork
from spinndl.layers import Dense, Input
from spinndl.wire_format import SaturationKind


def _counts(model):
    """{layer name: (forward, backward, update)} of the last run."""
    return {name: (s.forward, s.backward, s.update)
            for name, s in model.last_run.saturations.items()}


def _reference_counts(model, reference):
    return {layer.name: tuple(int(n) for n in counts)
            for layer, counts in zip(model.layers[1:],
                                     reference.saturations)}


def test_forward_saturation_warns_naming_the_layer_and_counts_exactly():
    model = Model([Input(shape=(4,)), Dense(3, name="big"),
                   Dense(2, activation="softmax", name="out")], seed=0,
                  numerics="fixed")
    kernel, bias = model.layers[1].get_weights()
    kernel[:] = 100.0           # 4 inputs of up to 1,000: |z| up to 400,000
    kernel[:, 1] = 0.01         # atom 1 never saturates
    model.layers[1].set_weights([kernel, bias])
    kernel2, bias2 = model.layers[2].get_weights()
    model.layers[2].set_weights([kernel2 * 1e-4, bias2])
    x = np.array([[1000, 1000, 1000, 1000],      # atoms 0, 2 over +65,536
                  [-1000, -1000, -1000, -1000],  # under -65,536
                  [1, 2, 3, 4],                  # inside
                  [200, 0, 0, 0]], np.float32)   # 20,000: inside
    with pytest.warns(SaturationWarning) as caught:
        outputs = model.predict(x)
    assert model.last_run.drops == 0
    saturation = [w for w in caught
                  if issubclass(w.category, SaturationWarning)]
    messages = [str(w.message) for w in saturation]
    assert len(messages) == 1, messages
    # shown at the user's call, not inside spinndl
    assert saturation[0].filename == __file__
    assert "layer 'big'" in messages[0] and "'out'" not in messages[0]
    assert "forward 4" in messages[0]
    assert "atoms 0..2" in messages[0] and "chip (" in messages[0]
    assert "65,536" in messages[0]
    reference = FixedNetwork(model.layers[1:])
    np.testing.assert_array_equal(outputs, reference.predict(x))
    assert _counts(model) == _reference_counts(model, reference)
    assert _counts(model) == {"big": (4, 0, 0), "out": (0, 0, 0)}
    core, = [c for c in model.last_run.saturated_cores if c.layer == "big"]
    assert (core.lo_atom, core.hi_atom) == (0, 2)
    assert core.counts.forward == 4


def test_update_saturating_a_weight_is_reported_as_an_update():
    """A weight near 128 stepped past it by SGD: clipped at the update,
    nothing in the forward or backward pass."""
    model = Model([Input(shape=(2,)), Dense(1, name="w")], seed=0,
                  numerics="fixed")
    model.layers[1].set_weights([np.array([[127.0], [0.5]], np.float32),
                                 np.zeros(1, np.float32)])
    model.compile("mean_squared_error", optimizers.SGD(learning_rate=0.5))
    reference = FixedNetwork(model.layers[1:])
    x = np.array([[1.0, 0.0]], np.float32)
    y = np.array([[137.0]], np.float32)   # the step pulls w[0] up by 10
    with pytest.warns(SaturationWarning, match=r"layer 'w'[\s\S]*update"):
        model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
    reference.fit(x, y, "mean_squared_error",
                  optimizers.SGD(learning_rate=0.5), batch_size=1)
    assert _counts(model) == _reference_counts(model, reference)
    forward, backward, update = _counts(model)["w"]
    assert (forward, backward, update) == (0, 0, 1)
    # clipped to the largest s7.24 (128 - 2^-24, 128.0 as float32); the
    # bias, stepped from 0 to 10, is not
    assert model.get_weights()[0][0, 0] == np.float32(128.0)
    assert model.get_weights()[1][0] == np.float32(10.0)
    for got, want in zip(model.get_weights(), reference.weights()):
        np.testing.assert_array_equal(got, want)


def test_gradient_sums_saturating_are_reported_as_backward():
    """Inputs of 1,000 times an error of ~1: the gradient sums leave
    ±128 (s7.24) during the backward pass."""
    model = Model([Input(shape=(3,)), Dense(4, activation="relu",
                                            name="hidden"),
                   Dense(2, name="out")], seed=1, numerics="fixed")
    kernel, bias = model.layers[1].get_weights()
    model.layers[1].set_weights([kernel * 1e-3, bias])   # z of ~1
    model.compile("mean_squared_error", optimizers.SGD(learning_rate=1e-6))
    reference = FixedNetwork(model.layers[1:])
    x = np.array([[1000.0, -500.0, 800.0]] * 3, np.float32)
    y = np.array([[5.0, -5.0]] * 3, np.float32)
    with pytest.warns(SaturationWarning, match="backward"):
        model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    reference.fit(x, y, "mean_squared_error",
                  optimizers.SGD(learning_rate=1e-6), batch_size=3)
    assert _counts(model) == _reference_counts(model, reference)
    assert _counts(model)["hidden"][SaturationKind.BACKWARD] > 0
    for got, want in zip(model.get_weights(), reference.weights()):
        np.testing.assert_array_equal(got, want)


def test_an_ordinary_run_gives_no_warning_and_zero_counts():
    model = Model([Input(shape=(6,)), Dense(5, activation="relu"),
                   Dense(3, activation="softmax")], seed=2,
                  numerics="fixed")
    model.compile("categorical_crossentropy",
                  optimizers.Adam(learning_rate=0.01))
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (8, 6)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturationWarning)
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        assert set(_counts(model).values()) == {(0, 0, 0)}
        assert len(_counts(model)) == 2
        model.predict(x)
        assert set(_counts(model).values()) == {(0, 0, 0)}
    assert all(core.counts.total == 0
               for core in model.last_run.saturated_cores)


def test_float_runs_have_no_counters():
    model = Model([Input(shape=(4,)), Dense(3)], seed=0)
    kernel, bias = model.get_weights()
    model.set_weights([kernel * 1e4, bias])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturationWarning)
        model.predict(np.full((2, 4), 1e4, np.float32))
    assert model.last_run.saturations is None
    assert model.last_run.saturated_cores == []


def test_each_core_of_a_split_layer_reports_its_own_atoms():
    """A layer over several cores: each core's record names its atoms and
    counts exactly the clipped z of those atoms (from the reference's
    integer z), and the layer's total is their sum."""
    from spinndl import fixed_reference as ref
    from spinndl.numerics import VALUE_FRACTION_BITS, WEIGHT_FRACTION_BITS
    from spinndl.numerics import to_fixed
    model = Model([Input(shape=(400,)), Dense(300, name="wide"),
                   Dense(2, name="out")], seed=4, numerics="fixed")
    rng = np.random.default_rng(5)
    bias = model.layers[1].get_weights()[1]
    # z of atom a ~ 20,000 x (0.2 .. 4 rising with a): the last fifth or
    # so of the atoms leave +65,536, the first cores' do not
    kernel = rng.uniform(0, 2, (400, 300)) * np.linspace(0.2, 4, 300)
    model.layers[1].set_weights([kernel.astype(np.float32), bias])
    kernel2, bias2 = model.layers[2].get_weights()
    model.layers[2].set_weights([kernel2 * 1e-5, bias2])
    x = rng.uniform(0, 100, (3, 400)).astype(np.float32)
    with pytest.warns(SaturationWarning, match="layer 'wide'"):
        model.predict(x)
    cores = sorted((c for c in model.last_run.saturated_cores
                    if c.layer == "wide"), key=lambda c: c.lo_atom)
    assert len(cores) > 1
    assert [c.lo_atom for c in cores][0] == 0 and cores[-1].hi_atom == 299
    w = to_fixed(model.layers[1].get_weights()[0],
                 WEIGHT_FRACTION_BITS).astype(np.int64)
    b = to_fixed(model.layers[1].get_weights()[1],
                 WEIGHT_FRACTION_BITS).astype(np.int64)
    x_raw = to_fixed(x, VALUE_FRACTION_BITS).astype(np.int64)
    z = (x_raw @ w + b * (1 << VALUE_FRACTION_BITS)
         + (1 << (WEIGHT_FRACTION_BITS - 1))) >> WEIGHT_FRACTION_BITS
    clipped = np.count_nonzero((z > ref.INT32_MAX) | (z < ref.INT32_MIN),
                               axis=0)
    for core in cores:
        assert core.counts == type(core.counts)(
            forward=int(clipped[core.lo_atom:core.hi_atom + 1].sum()))
    assert model.last_run.saturations["wide"].forward == \
        int(clipped.sum()) == sum(c.counts.forward for c in cores) > 0
    assert cores[0].counts.total == 0 and cores[-1].counts.forward > 0


def test_replicas_report_their_own_cores_and_sum_by_layer():
    """Examples dealt round two replicas (0, 2 to the first): only the
    replica that got the saturating examples counts; the layer's total
    is the reference's."""
    model = Model([Input(shape=(4,)), Dense(3, name="big"),
                   Dense(2, name="out")], seed=0, numerics="fixed",
                  replicas=2)
    kernel, bias = model.layers[1].get_weights()
    model.layers[1].set_weights([np.full_like(kernel, 100.0), bias])
    kernel2, bias2 = model.layers[2].get_weights()
    model.layers[2].set_weights([kernel2 * 1e-4, bias2])
    x = np.array([[1000] * 4, [1] * 4, [1000] * 4, [2] * 4], np.float32)
    with pytest.warns(SaturationWarning, match=r"big, atoms 0\.\.2\): "
                                               r"forward 6"):
        model.predict(x)
    reference = FixedNetwork(model.layers[1:])
    reference.predict(x)
    assert _counts(model) == _reference_counts(model, reference) == {
        "big": (6, 0, 0), "out": (0, 0, 0)}
    by_label = {c.label: c.counts.forward
                for c in model.last_run.saturated_cores}
    assert by_label == {"big": 6, "out": 0, "big.replica1": 0,
                        "out.replica1": 0}
