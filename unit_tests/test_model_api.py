"""The Keras-like API: building a model, its weights, and the errors bad
inputs give. No toolchain needed."""

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from spinndl import Model
from spinndl.activations import CODES
from spinndl.layers import Dense, Input

LISTING_4 = [(50, "relu"), (50, "softmax"), (300, "tanh"), (50, "sigmoid"),
             (25, None), (17, "softmax")]


def listing_4(seed=0):
    model = Model(seed=seed)
    model.add(Input(224))
    for units, activation in LISTING_4:
        model.add(Dense(units, activation=activation))
    return model


def keras_shapes(widths):
    return [shape for n_in, n_out in zip(widths, widths[1:])
            for shape in ((n_in, n_out), (n_out,))]


def random_weights(model, rng):
    return [rng.standard_normal(w.shape) for w in model.get_weights()]


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.dtype == np.float32
        assert a.shape == e.shape
        assert np.array_equal(a, e)


# --- get_weights / set_weights ---------------------------------------------------
def test_weights_are_in_keras_layout_and_order():
    model = listing_4()
    weights = model.get_weights()
    assert [w.shape for w in weights] == keras_shapes(
        [224, 50, 50, 300, 50, 25, 17])
    assert all(w.dtype == np.float32 for w in weights)
    assert model.count_params() == sum(w.size for w in weights) == 45867


def test_set_get_round_trip_is_exact():
    model = listing_4()
    new = [w.astype(np.float32)
           for w in random_weights(model, np.random.default_rng(1))]
    model.set_weights(new)
    assert_weights_equal(model.get_weights(), new)
    # And per layer, the kernel/bias properties agree.
    dense = model.layers[1]
    assert np.array_equal(dense.kernel, new[0])
    assert np.array_equal(dense.bias, new[1])


@settings(deadline=None, max_examples=50)
@given(widths=st.lists(st.integers(1, 40), min_size=2, max_size=5),
       seed=st.integers(0, 2 ** 32 - 1),
       dtype=st.sampled_from([np.float64, np.float32, np.float16, np.int32]))
def test_round_trip_any_model_and_dtype(widths, seed, dtype):
    model = Model(seed=seed)
    model.add(Input(widths[0]))
    for units in widths[1:]:
        model.add(Dense(units))
    rng = np.random.default_rng(seed)
    new = [(rng.standard_normal(shape) * 100).astype(dtype)
           for shape in keras_shapes(widths)]
    model.set_weights(new)
    assert_weights_equal(model.get_weights(),
                         [w.astype(np.float32) for w in new])


def test_set_weights_accepts_nested_lists():
    model = Model()
    model.add(Input(2))
    model.add(Dense(1))
    model.set_weights([[[1.5], [-2.0]], [0.25]])
    kernel, bias = model.get_weights()
    assert kernel.tolist() == [[1.5], [-2.0]] and bias.tolist() == [0.25]


def test_get_weights_returns_copies():
    model = listing_4()
    before = [w.copy() for w in model.get_weights()]
    for w in model.get_weights():
        w[...] = 123.0
    assert_weights_equal(model.get_weights(), before)
    kernel = model.layers[1].get_weights()[0]
    kernel[0, 0] += 1
    assert model.get_weights()[0][0, 0] == before[0][0, 0]


def test_set_weights_copies_its_input():
    model = listing_4()
    new = [w.astype(np.float32)
           for w in random_weights(model, np.random.default_rng(2))]
    kept = [w.copy() for w in new]
    model.set_weights(new)
    for w in new:
        w[...] = -7.0
    assert_weights_equal(model.get_weights(), kept)


@pytest.mark.parametrize("index, bad_shape, layer", [
    (0, (50, 224), "dense"),        # transposed kernel
    (1, (51,), "dense"),
    (2, (50, 49), "dense_1"),
    (5, (300, 1), "dense_2"),       # bias as a column
    (11, (), "dense_5"),
])
def test_shape_errors_name_layer_and_shapes(index, bad_shape, layer):
    model = listing_4()
    weights = model.get_weights()
    expected_shape = weights[index].shape
    weights[index] = np.zeros(bad_shape, dtype=np.float32)
    with pytest.raises(ValueError) as caught:
        model.set_weights(weights)
    message = str(caught.value)
    assert f"'{layer}'" in message
    assert str(bad_shape) in message
    assert str(expected_shape) in message


@pytest.mark.parametrize("count", [0, 1, 11, 13])
def test_wrong_number_of_arrays(count):
    model = listing_4()
    weights = model.get_weights()
    weights = (weights + [weights[-1]])[:count]
    with pytest.raises(ValueError, match=rf"12 weight arrays.*got {count}\b"):
        model.set_weights(weights)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])
@pytest.mark.parametrize("index, layer", [(0, "dense"), (3, "dense_1"),
                                          (11, "dense_5")])
def test_non_finite_weights_are_rejected(bad, index, layer):
    """NaN, infinities, and values that overflow float32 (1e39)."""
    model = listing_4()
    weights = [w.astype(np.float64) for w in model.get_weights()]
    weights[index].flat[-1] = bad
    with pytest.raises(ValueError) as caught:
        model.set_weights(weights)
    message = str(caught.value)
    assert f"'{layer}'" in message
    assert ("overflows float32" if np.isfinite(bad) else "non-finite") \
        in message


@pytest.mark.parametrize("bad", [
    np.array([["a"] * 50] * 224), np.ones((224, 50), dtype=bool),
    np.full((224, 50), None, dtype=object)])
def test_non_numeric_weights_are_rejected(bad):
    model = listing_4()
    weights = model.get_weights()
    weights[0] = bad
    with pytest.raises((ValueError, TypeError), match="'dense'"):
        model.set_weights(weights)


@pytest.mark.parametrize("corrupt", [
    lambda ws: ws.__setitem__(-1, np.full(17, np.nan)),          # NaN, last
    lambda ws: ws.__setitem__(-2, np.zeros((17, 25))),           # shape, last
    lambda ws: ws.__setitem__(6, np.zeros((50, 50))),            # shape, mid
    lambda ws: ws.pop(),                                         # count
])
def test_failed_set_weights_changes_nothing(corrupt):
    """Valid new arrays for the first layers, a bad one later: every layer
    keeps its old weights."""
    model = listing_4()
    before = model.get_weights()
    weights = [w + 1 for w in before]
    corrupt(weights)
    with pytest.raises(ValueError):
        model.set_weights(weights)
    assert_weights_equal(model.get_weights(), before)


def test_failed_layer_set_weights_changes_nothing():
    model = listing_4()
    layer = model.layers[1]
    before = layer.get_weights()
    with pytest.raises(ValueError):
        layer.set_weights([before[0] + 1, np.full(50, np.inf)])
    assert_weights_equal(layer.get_weights(), before)


# --- Dense arguments --------------------------------------------------------------
@pytest.mark.parametrize("units", [0, -1, 2.5, True, False, "3", None, 3.0])
def test_dense_units_must_be_a_positive_int(units):
    with pytest.raises(ValueError) as caught:
        Dense(units, name="hidden")
    message = str(caught.value)
    assert "'hidden'" in message and "units" in message
    assert repr(units) in message


@pytest.mark.parametrize("activation", ["gelu", "Relu", "", 3, "soft_max"])
def test_unknown_activation_lists_allowed_names(activation):
    with pytest.raises(ValueError) as caught:
        Dense(4, activation=activation, name="out")
    message = str(caught.value)
    assert "'out'" in message
    assert repr(activation) in message
    for name in CODES:
        assert repr(name) in message


def test_unknown_activation_without_a_name_still_says_dense():
    with pytest.raises(ValueError, match="dense.*'swish'"):
        Dense(4, activation="swish")


@pytest.mark.parametrize("activation, canonical", [
    (None, "linear"), ("identity", "linear"), ("linear", "linear"),
    ("relu", "relu"), ("sigmoid", "sigmoid"), ("tanh", "tanh"),
    ("softmax", "softmax")])
def test_known_activations(activation, canonical):
    assert Dense(3, activation=activation).activation == canonical


def test_activation_codes_are_distinct():
    assert len(set(CODES.values())) == len(CODES)


# --- building order and names ---------------------------------------------------
def test_layer_before_input_is_rejected():
    model = Model()
    with pytest.raises(ValueError, match=r"Input.*'first'|first.*Input"):
        model.add(Dense(3, name="first"))
    assert model.layers == []


def test_input_after_input_is_rejected():
    model = Model()
    model.add(Input(4))
    with pytest.raises(ValueError, match="Input"):
        model.add(Input(4))
    model.add(Dense(2))
    with pytest.raises(ValueError, match="Input"):
        model.add(Input(2))
    assert [layer.kind for layer in model.layers] == ["input", "dense"]


def test_adding_a_non_layer_is_a_type_error():
    model = Model()
    with pytest.raises(TypeError):
        model.add("dense")


def test_adding_the_same_layer_twice_is_rejected():
    model = Model()
    model.add(Input(4))
    dense = Dense(2)
    model.add(dense)
    with pytest.raises(ValueError, match="already"):
        model.add(dense)
    assert len(model.layers) == 2


@pytest.mark.parametrize("shape", [(), (0,), (-1,), (2.0,), (True,),
                                   (28, 0)])
def test_input_shape_must_be_positive_ints(shape):
    with pytest.raises(ValueError):
        Input(*shape)


@pytest.mark.parametrize("name", ["", 5])
def test_layer_names_must_be_non_empty_strings(name):
    with pytest.raises(ValueError):
        Dense(3, name=name)


def test_duplicate_names_are_rejected():
    model = Model()
    model.add(Input(4, name="x"))
    model.add(Dense(3, name="h"))
    with pytest.raises(ValueError, match="'h'"):
        model.add(Dense(3, name="h"))
    with pytest.raises(ValueError, match="'x'"):
        model.add(Dense(3, name="x"))
    assert [layer.name for layer in model.layers] == ["x", "h"]


def test_automatic_names_are_keras_like():
    model = listing_4()
    assert [layer.name for layer in model.layers] == [
        "input", "dense", "dense_1", "dense_2", "dense_3", "dense_4",
        "dense_5"]


def test_automatic_names_skip_names_taken_explicitly():
    model = Model()
    model.add(Input(4))
    model.add(Dense(3, name="dense_1"))
    model.add(Dense(3))
    model.add(Dense(3))
    model.add(Dense(3, name="dense_9"))
    model.add(Dense(3))
    names = [layer.name for layer in model.layers]
    assert names == ["input", "dense_1", "dense", "dense_2", "dense_9",
                     "dense_3"]
    assert len(set(names)) == len(names)
    with pytest.raises(ValueError):
        model.add(Dense(3, name="dense_2"))


def test_explicit_name_that_an_automatic_one_took_is_rejected():
    model = Model()
    model.add(Input(4))
    model.add(Dense(3))
    with pytest.raises(ValueError, match="'dense'"):
        model.add(Dense(3, name="dense"))


def test_dense_needs_a_flat_input_and_a_failed_add_changes_nothing():
    model = Model()
    model.add(Input(28, 28, 1))
    with pytest.raises(ValueError, match=r"flat.*\(28, 28, 1\)"):
        model.add(Dense(3))
    assert len(model.layers) == 1
    model2 = Model()
    model2.add(Input(5))
    model2.add(Dense(3))
    assert model2.layers[1].name == "dense"


def test_mapping_needs_a_layer_after_the_input():
    model = Model()
    with pytest.raises(ValueError, match="Input"):
        model.mapping()
    model.add(Input(3))
    with pytest.raises(ValueError, match="at least one layer"):
        model.mapping()


# --- initial weights ------------------------------------------------------------
def test_glorot_uniform_kernels_and_zero_biases():
    model = listing_4(seed=5)
    widths = [224, 50, 50, 300, 50, 25, 17]
    for (n_in, n_out), layer in zip(zip(widths, widths[1:]),
                                    model.layers[1:]):
        kernel, bias = layer.get_weights()
        limit = np.sqrt(6.0 / (n_in + n_out))
        assert np.all(np.abs(kernel) <= np.float32(limit))
        assert np.any(kernel != 0)
        # Uniform over (-limit, limit): spread over the whole range, both
        # signs, mean near 0 (n >= 425 values per layer).
        assert kernel.max() > 0.8 * limit and kernel.min() < -0.8 * limit
        assert abs(kernel.mean()) < 0.2 * limit
        assert np.all(bias == 0)


def test_seed_makes_initial_weights_reproducible():
    a, b, c = listing_4(seed=42), listing_4(seed=42), listing_4(seed=43)
    assert_weights_equal(a.get_weights(), b.get_weights())
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_layers_get_different_initial_weights():
    model = listing_4(seed=1)
    k1 = model.layers[1].get_weights()[0]
    k2 = model.layers[2].get_weights()[0]
    assert not np.array_equal(k1[:50, :], k2)


# --- forward reference ------------------------------------------------------------
def test_dense_forward_reference_uses_keras_layout():
    model = Model()
    model.add(Input(3))
    model.add(Dense(2, activation="relu"))
    kernel = np.array([[1, -1], [2, -2], [3, -3]], dtype=np.float32)
    model.set_weights([kernel, np.array([0.5, 0.5])])
    out = model.layers[1].forward_reference(np.array([[1.0, 1.0, 1.0]]))
    assert out.dtype == np.float32
    assert np.array_equal(out, np.array([[6.5, 0.0]], dtype=np.float32))


def test_shape_error_messages_show_plain_numbers():
    # Error messages should not carry numpy reprs like "np.int64(3)".
    model = listing_4()
    weights = model.get_weights()
    weights[0] = np.zeros((3, 3))
    with pytest.raises(ValueError) as caught:
        model.set_weights(weights)
    assert not re.search(r"np\.\w+\(", str(caught.value))
