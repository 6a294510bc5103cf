"""scikit-learn digits: weights trained in Keras, loaded with set_weights,
give the same test accuracy through predict on the emulator."""

import numpy as np
from spinndl.examples.datasets import digits_split
from spinndl.examples.thesis_models import mlp

from .keras_reference import keras, keras_twin


def test_keras_trained_digits_weights_give_keras_test_accuracy():
    x_train, x_test, y_train, y_test = digits_split()
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
