"""Building models the ways Keras does: Model([...]), Sequential, Input
forms, the functional form for chains, get_layer, pop. Where Keras defines
the behaviour (shapes, get_layer's answers and errors) the test asks Keras
itself. No toolchain needed."""

import numpy as np
import pytest

from spinndl import Dense, Input, Model, Sequential
from spinndl.keras_io import import_keras
from spinndl.layers.tensor import SymbolicTensor


@pytest.fixture(scope="module")
def keras():
    return import_keras()


def layer_list():
    return [Input(shape=(8,)), Dense(5, activation="relu"),
            Dense(3, activation="softmax", name="out")]


def assert_same_weights(a, b):
    assert len(a.get_weights()) == len(b.get_weights())
    for x, y in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(x, y)


# --- Model([...]) and Sequential([...]) -------------------------------------------
@pytest.mark.parametrize("cls", [Model, Sequential])
def test_list_form_equals_add_form(cls):
    listed = cls(layer_list(), seed=4)
    added = Model(seed=4)
    for layer in layer_list():
        added.add(layer)
    assert [l.name for l in listed.layers] == ["input", "dense", "out"]
    assert [l.name for l in added.layers] == ["input", "dense", "out"]
    assert_same_weights(listed, added)
    assert listed.count_params() == 8 * 5 + 5 + 5 * 3 + 3


def test_model_names_are_keras_defaults(keras):
    # Keras numbers its default names per session: other tests' models
    # (integration tests that build Keras references) must not count
    keras.backend.clear_session()
    x = Input(shape=(2,))
    assert Sequential([Input(2), Dense(1)]).name == \
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).name
    assert Model(inputs=x, outputs=Dense(1)(x)).name == "functional"
    assert Model(layer_list(), name="mine").name == "mine"


def test_model_takes_a_list():
    with pytest.raises(TypeError, match="list of layers"):
        Model(Dense(3))


def test_list_must_start_with_input():
    with pytest.raises(ValueError, match="first layer must be an Input"):
        Sequential([Dense(3)])


def test_pop_removes_the_last_layer_and_frees_its_name():
    model = Sequential(layer_list())
    popped = model.pop()
    assert popped.name == "out" and len(model.layers) == 2
    model.add(Dense(2, name="out"))
    model.pop()
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_model_shapes_read_like_keras(keras):
    model = Sequential(layer_list())
    twin = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5),
                             keras.layers.Dense(3)])
    assert model.input_shape == twin.input_shape
    assert model.output_shape == twin.output_shape


# --- Input forms ---------------------------------------------------------------------
@pytest.mark.parametrize("make, shape", [
    (lambda: Input(224), (224,)), (lambda: Input((224,)), (224,)),
    (lambda: Input(shape=(224,)), (224,)), (lambda: Input(shape=224), (224,)),
    (lambda: Input(shape=[224]), (224,)), (lambda: Input(28, 28, 1), (28, 28, 1)),
    (lambda: Input((28, 28, 1)), (28, 28, 1)),
    (lambda: Input(shape=(np.int64(3),)), (3,)),
    (lambda: Input(batch_shape=(None, 5)), (5,))])
def test_input_shape_forms(make, shape):
    layer = make()
    assert layer.shape == shape and layer.output_shape == shape
    assert all(type(size) is int for size in layer.shape)


@pytest.mark.parametrize("make, message", [
    (lambda: Input(shape=(None, 3)), "None"),
    (lambda: Input(4, shape=(4,)), "once"),
    (lambda: Input(shape=()), "needs a shape"),
    (lambda: Input(shape=(2.5,)), "2.5"),
    (lambda: Input(shape="ab"), "'a'"),
    (lambda: Input(shape=object()), "tuple of positive ints"),
    (lambda: Input(shape=(3,), dtype="float16"), "float16"),
    (lambda: Input(batch_shape=(32, 5)), "batch_shape"),
    (lambda: Input(shape=(5,), batch_shape=(None, 5)), "batch_shape")])
def test_bad_input_shapes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- functional form ---------------------------------------------------------------
def test_layer_call_gives_keras_shapes(keras):
    x = Input(shape=(8,))
    y = Dense(4)(Dense(6)(x))
    kx = keras.Input(shape=(8,))
    ky = keras.layers.Dense(4)(keras.layers.Dense(6)(kx))
    assert isinstance(y, SymbolicTensor)
    assert y.shape == tuple(ky.shape) == (None, 4)
    assert x.output.shape == tuple(kx.shape)


@pytest.mark.parametrize("form", ["keywords", "positional", "lists"])
def test_functional_chain_equals_the_list_form(form):
    x = Input(shape=(8,))
    y = Dense(3, activation="softmax", name="out")(
        Dense(5, activation="relu")(x))
    model = {"keywords": lambda: Model(inputs=x, outputs=y, seed=4),
             "positional": lambda: Model(x, y, seed=4),
             "lists": lambda: Model(inputs=[x], outputs=[y], seed=4)}[form]()
    assert [l.name for l in model.layers] == ["input", "dense", "out"]
    assert [l.activation for l in model.layers[1:]] == ["relu", "softmax"]
    assert_same_weights(model, Model(layer_list(), seed=4))


def test_functional_model_from_the_input_tensor():
    x = Input(shape=(4,))
    model = Model(inputs=x.output, outputs=Dense(2)(x.output))
    assert model.layers[0] is x


def test_a_built_layer_keeps_its_weights_in_a_second_model():
    """As in Keras, two models made from the same layers share them."""
    x = Input(shape=(8,))
    y = Dense(3)(x)
    first = Model(inputs=x, outputs=y, seed=1)
    second = Model(inputs=x, outputs=y, seed=2)
    assert_same_weights(first, second)
    assert first.layers[1] is second.layers[1]


def test_calling_a_layer_checks_shapes_at_once():
    with pytest.raises(ValueError, match=r"'hidden'.*flat.*\(2, 2\)"):
        Dense(2, name="hidden")(Input(2, 2))


def test_calling_a_built_layer_on_another_shape():
    dense = Dense(2, name="d")
    Sequential([Input(3), dense])
    with pytest.raises(ValueError, match=r"'d'.*\(3,\).*\(4,\)"):
        dense(Input(4))


def test_calling_a_layer_on_data_says_what_to_do():
    with pytest.raises(TypeError, match="'d'.*model.predict"):
        Dense(2, name="d")(np.zeros((1, 3)))


def test_two_outputs_is_not_a_chain():
    x = Input(shape=(4,))
    a = Dense(2, name="a")(x)
    b = Dense(2, name="b")(x)
    with pytest.raises(ValueError, match=r"2 outputs.*\['a', 'b'\]"):
        Model(inputs=x, outputs=[a, b])


def test_two_inputs_is_not_a_chain():
    x1, x2 = Input(4, name="x1"), Input(4, name="x2")
    with pytest.raises(ValueError, match=r"2 inputs.*\['x1', 'x2'\]"):
        Model(inputs=[x1, x2], outputs=Dense(1)(x1))


def test_a_shared_layer_is_named():
    x = Input(shape=(4,))
    shared = Dense(4, name="shared")
    with pytest.raises(ValueError, match="'shared' is called 2 times"):
        Model(inputs=x, outputs=shared(shared(x)))


def test_disconnected_outputs_name_both_inputs():
    x, other = Input(4, name="x"), Input(4, name="other")
    with pytest.raises(ValueError, match="disconnected.*'other'.*'x'"):
        Model(inputs=x, outputs=Dense(1)(other))


def test_inputs_must_be_an_input():
    x = Input(shape=(4,))
    hidden = Dense(3, name="h")(x)
    with pytest.raises(ValueError, match="must be an Input.*'h'"):
        Model(inputs=hidden, outputs=Dense(1)(hidden))


def test_outputs_are_required_with_inputs():
    with pytest.raises(TypeError, match="outputs"):
        Model(inputs=Input(3))


# --- get_layer, against Keras ------------------------------------------------------
def keras_and_spinndl(keras):
    kx = keras.Input(shape=(8,), name="input")
    ky = keras.layers.Dense(3, name="out")(keras.layers.Dense(5, name="dense")(kx))
    return keras.Model(kx, ky), Model(layer_list())


@pytest.mark.parametrize("kwargs", [
    {"name": "dense"}, {"name": "out"}, {"name": "input"}, {"index": 0},
    {"index": 2}, {"index": -1}])
def test_get_layer_finds_what_keras_finds(keras, kwargs):
    keras_model, model = keras_and_spinndl(keras)
    assert model.get_layer(**kwargs).name == \
        keras_model.get_layer(**kwargs).name


@pytest.mark.parametrize("kwargs", [
    {"name": "nope"}, {"index": 3}, {"index": 9}, {"name": "out", "index": 1},
    {}])
def test_get_layer_errors_are_keras_errors(keras, kwargs):
    keras_model, model = keras_and_spinndl(keras)
    with pytest.raises(ValueError) as ours:
        model.get_layer(**kwargs)
    with pytest.raises(ValueError) as theirs:
        keras_model.get_layer(**kwargs)
    assert str(ours.value) == str(theirs.value)
