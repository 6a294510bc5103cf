"""from_keras / to_keras without running anything: the converted
architecture, exact weights both ways, and a clear error for every Keras
feature spinndl cannot compute as Keras does (parity of the outputs runs on
the emulator: integration_tests/inference/test_keras_import.py)."""

import json
import sys

import numpy as np
import pytest

from spinndl import Dense, Input, Model, from_keras
from spinndl import keras_io


@pytest.fixture(scope="module")
def keras():
    return keras_io.import_keras()


def sequential(keras, *layers, inputs=(6,)):
    return keras.Sequential([keras.Input(shape=inputs)] + list(layers))


def test_sequential_converts_with_names_activations_and_weights(keras):
    keras_model = sequential(
        keras, keras.layers.Dense(5, activation="relu", name="hidden"),
        keras.layers.Dense(4, activation="tanh"),
        keras.layers.Dense(3, activation="softmax", name="out"))
    model = from_keras(keras_model)
    assert [l.name for l in model.layers[1:]] == \
        [l.name for l in keras_model.layers]
    assert [l.activation for l in model.layers[1:]] == \
        ["relu", "tanh", "softmax"]
    assert model.layers[0].shape == (6,)
    assert model.name == keras_model.name
    for ours, theirs in zip(model.get_weights(), keras_model.get_weights()):
        assert np.array_equal(ours, theirs)


def test_functional_chain_converts(keras):
    x = keras.Input(shape=(7,), name="pixels")
    y = keras.layers.Dense(2, activation="sigmoid")(
        keras.layers.Dense(3)(x))
    model = from_keras(keras.Model(x, y, name="chain"))
    assert [l.name for l in model.layers][0] == "pixels"
    assert [l.activation for l in model.layers[1:]] == ["linear", "sigmoid"]
    assert model.name == "chain"


@pytest.mark.parametrize("after", ["Activation", "ReLU", "Softmax"])
def test_activation_layers_fold_into_a_linear_dense(keras, after):
    layer = {"Activation": lambda: keras.layers.Activation("sigmoid"),
             "ReLU": lambda: keras.layers.ReLU(),
             "Softmax": lambda: keras.layers.Softmax()}[after]()
    model = from_keras(sequential(keras, keras.layers.Dense(3), layer))
    assert len(model.layers) == 2
    assert model.layers[1].activation == \
        {"Activation": "sigmoid", "ReLU": "relu", "Softmax": "softmax"}[after]


def test_round_trip_keeps_weights_exactly(keras):
    model = Model([Input(shape=(9,)), Dense(7, activation="relu"),
                   Dense(4, activation="softmax", name="probs")], seed=5)
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape) for w in
                       model.get_weights()])
    keras_model = model.to_keras()
    assert [l.name for l in keras_model.layers] == ["dense", "probs"]
    assert keras_model.input_shape == (None, 9)
    for ours, theirs in zip(model.get_weights(), keras_model.get_weights()):
        assert np.array_equal(ours, theirs)
    back = from_keras(keras_model)
    assert [l.name for l in back.layers] == [l.name for l in model.layers]
    for ours, theirs in zip(model.get_weights(), back.get_weights()):
        assert np.array_equal(ours, theirs)


UNSUPPORTED = {
    "use_bias=False": (lambda k: [k.layers.Dense(3, use_bias=False,
                                                 name="bad")],
                       "'bad'.*use_bias=False"),
    "kernel_regularizer": (lambda k: [k.layers.Dense(
        3, kernel_regularizer="l2", name="bad")], "'bad'.*kernel_regularizer"),
    "bias_regularizer": (lambda k: [k.layers.Dense(
        3, bias_regularizer="l1", name="bad")], "'bad'.*bias_regularizer"),
    "activity_regularizer": (lambda k: [k.layers.Dense(
        3, activity_regularizer="l2", name="bad")],
        "'bad'.*activity_regularizer"),
    "kernel_constraint": (lambda k: [k.layers.Dense(
        3, kernel_constraint="non_neg", name="bad")],
        "'bad'.*kernel_constraint"),
    "lora": (lambda k: [k.layers.Dense(3, lora_rank=2, name="bad")],
             "'bad'.*lora_rank"),
    "frozen": (lambda k: [k.layers.Dense(3, trainable=False, name="bad")],
               "'bad'.*trainable=False"),
    "activation": (lambda k: [k.layers.Dense(3, activation="gelu",
                                             name="bad")],
                   "'bad'.*'gelu'.*'relu'"),
    "dtype": (lambda k: [k.layers.Dense(3, dtype="mixed_float16",
                                        name="bad")],
              "'bad'.*'mixed_float16'"),
    "Dropout": (lambda k: [k.layers.Dense(3), k.layers.Dropout(0.5,
                                                             name="bad")],
                "'bad' \\(Dropout\\) is not supported"),
    "BatchNormalization": (lambda k: [k.layers.BatchNormalization(
        name="bad")], "'bad' \\(BatchNormalization\\)"),
    "activation after a non-linear Dense": (
        lambda k: [k.layers.Dense(3, activation="relu", name="d"),
                   k.layers.Activation("tanh", name="bad")],
        "'bad'.*follows 'd'.*not a linear Dense"),
    "activation first": (lambda k: [k.layers.ReLU(name="bad")],
                         "'bad'.*follows 'the input'"),
    "ReLU max_value": (lambda k: [k.layers.Dense(3), k.layers.ReLU(
        max_value=6.0, name="bad")], "'bad'.*max_value=6.0"),
    "Activation gelu": (lambda k: [k.layers.Dense(3), k.layers.Activation(
        "gelu", name="bad")], "'bad'.*'gelu'"),
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_unsupported_features_are_named(keras, feature):
    make, message = UNSUPPORTED[feature]
    with pytest.raises(ValueError, match=message):
        from_keras(sequential(keras, *make(keras)))


#: Window layers' features spinndl does not compute (on an 8x8x4 image).
UNSUPPORTED_WINDOW = {
    "Conv2D dilation": (lambda k: [k.layers.Conv2D(
        2, 3, dilation_rate=2, name="bad")], "'bad'.*dilation_rate=\\(2, 2\\)"),
    "Conv2D groups": (lambda k: [k.layers.Conv2D(4, 3, groups=2,
                                                 name="bad")],
                      "'bad'.*groups=2"),
    "Conv2D channels_first": (lambda k: [k.layers.Conv2D(
        2, 3, data_format="channels_first", name="bad")],
        "'bad'.*data_format='channels_first'"),
    "Conv2D no bias": (lambda k: [k.layers.Conv2D(2, 3, use_bias=False,
                                                  name="bad")],
                       "'bad'.*use_bias=False"),
    "pooling channels_first": (lambda k: [k.layers.MaxPooling2D(
        data_format="channels_first", name="bad")],
        "'bad'.*data_format='channels_first'"),
    "Flatten channels_first": (lambda k: [k.layers.Flatten(
        data_format="channels_first", name="bad")],
        "'bad'.*data_format='channels_first'"),
    "activation after pooling": (
        lambda k: [k.layers.MaxPooling2D(name="p"),
                   k.layers.ReLU(name="bad")],
        "'bad'.*follows 'p'.*not a linear Dense or convolution"),
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED_WINDOW))
def test_unsupported_window_features_are_named(keras, feature):
    make, message = UNSUPPORTED_WINDOW[feature]
    with pytest.raises(ValueError, match=message):
        from_keras(sequential(keras, *make(keras), inputs=(8, 8, 4)))


def test_conv1d_is_named(keras):
    keras_model = keras.Sequential([
        keras.Input(shape=(16, 2)),
        keras.layers.Conv1D(2, 3, padding="causal", name="conv")])
    with pytest.raises(ValueError, match=r"'conv'.*padding='causal'"):
        from_keras(keras_model)


def test_conv_pool_flatten_convert_with_arguments_and_weights(keras):
    """A CNN from Keras: every window argument and the weights, exactly;
    an activation layer after a linear convolution folds into it."""
    layers = keras.layers
    keras_model = keras.Sequential([
        keras.Input(shape=(11, 9, 2), name="image"),
        layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same",
                      name="c1"),
        layers.ReLU(),
        layers.MaxPooling2D(pool_size=3, strides=2, padding="same",
                            name="p1"),
        layers.Conv2D(3, 1, activation="tanh", name="c2"),
        layers.AveragePooling2D((2, 1), name="p2"),
        layers.Flatten(name="f"), layers.Dense(5, activation="softmax")],
        name="cnn")
    keras_model.set_weights([np.random.default_rng(0).standard_normal(
        w.shape).astype(np.float32) for w in keras_model.get_weights()])
    model = from_keras(keras_model)
    names = [l.name for l in model.layers]
    assert names == ["image", "c1", "p1", "c2", "p2", "f",
                     keras_model.layers[-1].name]
    c1, p1, c2, p2 = model.layers[1:5]
    assert (c1.filters, c1.kernel_size, c1.strides, c1.padding,
            c1.activation) == (4, (3, 2), (2, 1), "same", "relu")
    assert (p1.kind, p1.pool_size, p1.strides, p1.padding) == \
        ("max_pooling2d", (3, 3), (2, 2), "same")
    assert (c2.kernel_size, c2.activation) == ((1, 1), "tanh")
    assert (p2.kind, p2.pool_size, p2.strides) == \
        ("average_pooling2d", (2, 1), (2, 1))
    assert model.layers[-1].output_shape == (5,)
    for ours, theirs in zip(model.get_weights(), keras_model.get_weights()):
        assert np.array_equal(ours, theirs)
    assert [l.output_shape for l in model.layers[1:]] == \
        [tuple(l.output.shape[1:]) for l in keras_model.layers
         if not isinstance(l, layers.ReLU)]


def test_conv1d_round_trip_keeps_everything(keras):
    from spinndl.examples.cnn_models import listing3_cnn
    model = listing3_cnn(seed=3)
    keras_model = model.to_keras()
    assert [type(l).__name__ for l in keras_model.layers] == \
        ["Conv1D", "Conv1D", "Flatten", "Dense"]
    back = from_keras(keras_model)
    assert [l.get_config() for l in back.layers[1:]] == \
        [l.get_config() for l in model.layers[1:]]
    for ours, theirs in zip(model.get_weights(), back.get_weights()):
        assert np.array_equal(ours, theirs)


def test_branches_and_merges_are_named(keras):
    x = keras.Input(shape=(4,))
    a, b = keras.layers.Dense(3)(x), keras.layers.Dense(3)(x)
    merged = keras.layers.Add(name="sum")([a, b])
    with pytest.raises(ValueError, match="'sum' \\(Add\\) takes 2 inputs"):
        from_keras(keras.Model(x, merged))
    with pytest.raises(ValueError, match="1 inputs and 2 outputs"):
        from_keras(keras.Model(x, [a, b]))


def test_keras_ops_in_a_functional_model_are_named(keras):
    x = keras.Input(shape=(4,))
    doubled = keras.ops.multiply(keras.layers.Dense(3)(x), 2.0)
    with pytest.raises(ValueError, match=r"\(Multiply\) is not supported"):
        from_keras(keras.Model(x, doubled))


def test_nested_models_are_named(keras):
    inner = sequential(keras, keras.layers.Dense(3), inputs=(4,))
    inner.name = "inner"
    x = keras.Input(shape=(4,))
    with pytest.raises(ValueError, match="'inner' is a nested model"):
        from_keras(keras.Model(x, inner(x)))


def test_a_model_without_input_is_named(keras):
    with pytest.raises(ValueError, match="'lazy' has no known input"):
        from_keras(keras.Sequential([keras.layers.Dense(3)], name="lazy"))


def test_not_a_keras_model():
    with pytest.raises(TypeError, match="Keras model.*Model"):
        from_keras(Model([Input(2), Dense(1)]))


def test_missing_keras_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)
    with pytest.raises(ImportError, match=r"pip install 'spinndl\[keras\]'"):
        keras_io.import_keras()


@pytest.mark.parametrize("env, config, chosen", [
    ("jax", None, True),                   # the user's installed choice
    ("no_such_backend", None, False),      # not installed: spinndl picks
    (None, {"backend": "jax"}, True),
    (None, {"backend": "no_such_backend"}, False),
    (None, None, False)])                   # nothing chosen
def test_backend_choice_respects_the_user(monkeypatch, tmp_path, env, config,
                                          chosen):
    if env is None:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    else:
        monkeypatch.setenv("KERAS_BACKEND", env)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    if config is not None:
        (tmp_path / "keras.json").write_text(json.dumps(config))
    assert keras_io._backend_chosen() is chosen  # pylint: disable=protected-access
