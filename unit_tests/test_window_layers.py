"""Conv1D, Conv2D, Flatten and the pooling layers as Python objects: Keras'
names, defaults, output shapes, weight layouts and initialisation, the
errors for bad arguments, and whole models' numpy forward pass against the
same model in Keras (JAX backend)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from spinndl import Model, keras_io
from spinndl.layers import (
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Dense, Flatten,
    Input, MaxPooling1D, MaxPooling2D)
from spinndl.reference import numpy_forward


@pytest.fixture(scope="module")
def keras():
    return keras_io.import_keras()


def listing3(seed=0):
    return Model([Input(64, 4), Conv1D(20, 3),
                  Conv1D(5, 3, activation="relu", padding="same", strides=2),
                  Flatten(), Dense(10, activation="softmax")], seed=seed)


def lenet(seed=0):
    return Model([Input(28, 28, 1), Conv2D(6, 5, activation="relu"),
                  MaxPooling2D(), Conv2D(16, 5, activation="relu"),
                  AveragePooling2D(), Flatten(),
                  Dense(10, activation="softmax")], seed=seed)


def test_names_shapes_and_weight_layouts_are_keras():
    model = lenet()
    assert [layer.name for layer in model.layers] == [
        "input", "conv2d", "max_pooling2d", "conv2d_1", "average_pooling2d",
        "flatten", "dense"]
    assert [layer.output_shape for layer in model.layers] == [
        (28, 28, 1), (24, 24, 6), (12, 12, 6), (8, 8, 16), (4, 4, 16),
        (256,), (10,)]
    assert [w.shape for w in model.get_weights()] == [
        (5, 5, 1, 6), (6,), (5, 5, 6, 16), (16,), (256, 10), (10,)]
    model = listing3()
    assert [layer.output_shape for layer in model.layers[1:]] == [
        (62, 20), (31, 5), (155,), (10,)]
    assert model.layers[1].weight_shapes() == [(3, 4, 20), (20,)]


def test_defaults_are_keras():
    conv = Conv2D(3, 2)
    assert (conv.kernel_size, conv.strides, conv.padding, conv.activation) \
        == ((2, 2), (1, 1), "valid", "linear")
    pool = MaxPooling2D()
    assert (pool.pool_size, pool.strides, pool.padding) == \
        ((2, 2), (2, 2), "valid")
    assert MaxPooling1D(3).strides == (3,)
    assert AveragePooling1D(3, strides=1).strides == (1,)
    assert Conv1D(2, (3,), padding="SAME").padding == "same"


def test_atoms_are_output_positions():
    model = lenet()
    conv, pool = model.layers[1], model.layers[2]
    assert (conv.n_atoms, conv.values_per_atom) == (24 * 24, 6)
    assert (pool.n_atoms, pool.values_per_atom) == (12 * 12, 6)
    assert listing3().layers[2].n_atoms == 31


def test_glorot_uniform_uses_keras_fans():
    """Keras: fan_in = kernel area * c_in, fan_out = kernel area * f; the
    bias is zeros. 20,000 draws fill [-limit, limit] and no more."""
    model = Model([Input(30, 30, 8), Conv2D(100, (5, 5))], seed=3)
    kernel, bias = model.get_weights()
    limit = np.sqrt(6 / (25 * 8 + 25 * 100))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.99 * limit
    assert not bias.any()


def test_set_weights_checks_keras_layout():
    model = listing3()
    weights = model.get_weights()
    weights[0] = np.ones((4, 3, 20))
    with pytest.raises(ValueError, match=r"\(4, 3, 20\) given, \(3, 4, 20\)"):
        model.set_weights(weights)


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(0, 3), "filters must be a positive integer"),
    (lambda: Conv2D(2, (3, 3, 3)), "kernel_size must be"),
    (lambda: Conv1D(2, 3, strides=0), "strides must be"),
    (lambda: Conv1D(2, 3, padding="causal"), "padding must be 'valid' or"),
    (lambda: MaxPooling2D((2, 0)), "pool_size must be"),
    (lambda: Conv2D(2, 3, activation="gelu"), "unknown activation"),
])
def test_bad_arguments_name_the_layer_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_window_larger_than_valid_input_is_refused():
    with pytest.raises(ValueError, match=r"'conv2d'.*does not fit.*"
                                         r"padding='same'"):
        Model([Input(4, 4, 1), Conv2D(2, 5)])
    Model([Input(4, 4, 1), Conv2D(2, 5, padding="same")])


def test_wrong_rank_input_is_refused():
    with pytest.raises(ValueError, match=r"'conv1d'.*\(steps, channels\)"):
        Model([Input(8, 8, 1), Conv1D(2, 3)])
    with pytest.raises(ValueError, match=r"'max_pooling2d'.*\(rows, columns"):
        Model([Input(8, 3), MaxPooling2D()])


def test_dense_after_a_map_points_at_flatten():
    with pytest.raises(ValueError, match=r"'dense'.*\(26, 26, 3\).*Flatten"):
        Model([Input(28, 28, 1), Conv2D(3, 3), Dense(3)])


def test_not_yet_on_the_cores_fails_before_mapping():
    with pytest.raises(ValueError, match="'conv1d' .*cannot run on the cores"):
        listing3().predict(np.zeros((1, 64, 4)))


@settings(deadline=None, max_examples=60)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12),
       kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       strides=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       padding=st.sampled_from(["valid", "same"]))
def test_output_shapes_are_keras(rows, cols, kernel, strides, padding):
    """Every shape against Keras' own compute_output_shape; a window that
    does not fit is refused by both."""
    keras = keras_io.import_keras()
    for ours, theirs in [
            (Conv2D(3, kernel, strides, padding),
             keras.layers.Conv2D(3, kernel, strides, padding)),
            (MaxPooling2D(kernel, strides, padding),
             keras.layers.MaxPooling2D(kernel, strides, padding)),
            (Conv1D(3, kernel[0], strides[0], padding),
             keras.layers.Conv1D(3, kernel[0], strides[0], padding))]:
        shape = (rows, cols, 2) if ours.rank == 2 else (rows, 2)
        try:
            expected = tuple(theirs.compute_output_shape((None,) + shape))[1:]
        except ValueError:
            expected = None
        if expected is not None and min(expected) < 1:
            expected = None
        if expected is None:
            with pytest.raises(ValueError):
                ours.compute_output_shape(shape)
        else:
            assert ours.compute_output_shape(shape) == expected


@pytest.mark.parametrize("make", [listing3, lenet, lambda seed: Model([
    Input(9, 7, 5), Conv2D(8, (3, 1), strides=2, padding="same",
                           activation="tanh"),
    MaxPooling2D(3, strides=2, padding="same"),
    Conv2D(4, 1, activation="sigmoid"), AveragePooling2D((2, 1)),
    Flatten(), Dense(3)], seed=seed), lambda seed: Model([
        Input(20, 3), MaxPooling1D(3, 1, "same"), AveragePooling1D(),
        Conv1D(4, 2, activation="softmax"), Flatten()], seed=seed)])
def test_whole_model_numpy_forward_matches_keras(keras, make):
    """Flatten's order, every layer's forward and the weight layouts at
    once: 50 random examples within 1e-5 of the same model in Keras."""
    model = make(seed=5)
    x = np.random.default_rng(1).uniform(
        0, 1, (50,) + model.layers[0].output_shape).astype(np.float32)
    keras_model = model.to_keras()
    assert [w.shape for w in keras_model.get_weights()] == \
        [w.shape for w in model.get_weights()]
    np.testing.assert_allclose(numpy_forward(model, x),
                               keras_model.predict(x, verbose=0),
                               atol=1e-5, rtol=0)


def test_save_and_load_keep_window_layers(tmp_path):
    from spinndl.saving import load_model, save_model
    model = lenet(seed=4)
    path = str(tmp_path / "lenet.keras")
    save_model(model, path)
    loaded = load_model(path)
    assert [type(layer) for layer in loaded.layers] == \
        [type(layer) for layer in model.layers]
    assert [layer.get_config() for layer in loaded.layers] == \
        [layer.get_config() for layer in model.layers]
    for ours, theirs in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
