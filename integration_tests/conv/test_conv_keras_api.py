"""Window layers through the Keras-native API on the emulator: a Keras CNN
converted with from_keras predicts what Keras predicts (tolerance 1e-4, as
test_conv_inference.py says why), and a conv model saved mid-training,
loaded and trained on ends exactly where an uninterrupted fit ends (the
kernels' Adam moments and step saved and restored; both runs do the same
float32 operations in the same order on the cores)."""

import numpy as np

import spinndl
from spinndl import Model, from_keras, optimizers
from spinndl.keras_io import import_keras
from spinndl.layers import (
    AveragePooling1D, Conv2D, Dense, Flatten, Input, MaxPooling2D)

TOLERANCE = 1e-4


def test_keras_cnn_from_keras_predicts_like_keras():
    keras = import_keras()
    keras.utils.set_random_seed(3)
    layers = keras.layers
    keras_model = keras.Sequential([
        keras.Input(shape=(10, 9, 2)),
        layers.Conv2D(6, 3, strides=2, padding="same"), layers.ReLU(),
        layers.MaxPooling2D(padding="same"),
        layers.Conv2D(4, (2, 1), activation="tanh"),
        layers.Flatten(), layers.Dense(5, activation="softmax")])
    x = np.random.default_rng(0).uniform(-1, 1, (40, 10, 9, 2)).astype(
        np.float32)
    model = from_keras(keras_model)
    outputs = model.predict(x)
    expected = keras_model.predict(x, verbose=0)
    assert np.max(np.abs(outputs - expected)) <= TOLERANCE
    assert model.last_run.drops == 0


def test_conv1d_from_keras_predicts_like_keras():
    keras = import_keras()
    keras.utils.set_random_seed(4)
    layers = keras.layers
    keras_model = keras.Sequential([
        keras.Input(shape=(21, 3)),
        layers.Conv1D(5, 4, strides=2, padding="same", activation="relu"),
        layers.AveragePooling1D(2, padding="same"), layers.Flatten(),
        layers.Dense(3)])
    x = np.random.default_rng(1).uniform(-1, 1, (30, 21, 3)).astype(
        np.float32)
    model = from_keras(keras_model)
    assert isinstance(model.layers[2], AveragePooling1D)
    outputs = model.predict(x)
    expected = keras_model.predict(x, verbose=0)
    assert np.max(np.abs(outputs - expected)) <= TOLERANCE


def cnn():
    model = Model([Input(8, 8, 1), Conv2D(4, 3, activation="relu"),
                   MaxPooling2D(), Flatten(),
                   Dense(3, activation="softmax")], seed=11)
    model.compile("sparse_categorical_crossentropy",
                  optimizers.Adam(learning_rate=0.02), metrics=["accuracy"])
    return model


def test_conv_model_saved_mid_training_resumes_exactly(tmp_path):
    rng = np.random.default_rng(12)
    x = rng.uniform(0, 1, (9, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 9)
    whole = cnn()
    whole.fit(x, y, epochs=2, batch_size=3, seed=5, verbose=0)

    first = cnn()
    first.fit(x, y, epochs=1, batch_size=3, seed=5, verbose=0)
    path = tmp_path / "cnn.spinndl"
    first.save(path)
    resumed = spinndl.load_model(path)
    assert [type(l) for l in resumed.layers] == [type(l) for l in
                                                 whole.layers]
    resumed.fit(x, y, epochs=2, initial_epoch=1, batch_size=3, seed=5,
                verbose=0)
    for ours, theirs in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert resumed.last_run.drops == 0
