"""scikit-learn digits: weights trained in Keras, loaded with set_weights,
give the same test accuracy through predict on the emulator."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from spinndl.examples.thesis_models import mlp

from .keras_reference import keras, keras_twin


def test_keras_trained_digits_weights_give_keras_test_accuracy():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[digits.target]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0)
    model = mlp(64, 32, 10, seed=0)
    trained = keras_twin(model)
    keras.utils.set_random_seed(0)
    trained.compile(optimizer="adam", loss="categorical_crossentropy",
                    metrics=["accuracy"])
    trained.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    keras_loss, keras_accuracy = trained.evaluate(x_test, y_test, verbose=0)
    assert keras_accuracy > 0.9   # the weights are really trained

    model.set_weights(trained.get_weights())
    loss, accuracy = model.evaluate(x_test, y_test)
    predictions = model.predict(x_test)
    keras_predictions = trained.predict(x_test, verbose=0)
    assert np.array_equal(predictions.argmax(1), keras_predictions.argmax(1))
    # Keras reports accuracy as a float32 mean; the argmaxes agree exactly.
    assert abs(accuracy - keras_accuracy) < 1e-6
    assert abs(loss - keras_loss) < 1e-4
    assert model.last_run.drops == 0
