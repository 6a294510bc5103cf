"""Bring a Keras model to SpiNNaker and back: train it in Keras, convert it
with spinndl.from_keras (architecture and weights), predict on the
(emulated) cores, and compare with Keras. Needs the keras extra:
pip install 'spinndl[keras]'.

    python examples/keras_import.py
"""

import numpy as np

import spinndl
from spinndl.examples.datasets import digits_split
from spinndl.keras_io import import_keras

keras = import_keras()     # picks the JAX backend if you chose none
keras.utils.set_random_seed(0)
x_train, x_test, y_train, y_test = digits_split()

keras_model = keras.Sequential([
    keras.Input(shape=(64,)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(10),
    keras.layers.Softmax(),            # folded into the Dense before it
])
keras_model.compile(loss="categorical_crossentropy", optimizer="adam",
                    metrics=["accuracy"])
keras_model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)

model = spinndl.from_keras(keras_model)
model.summary()
on_cores = model.predict(x_test)
in_keras = keras_model.predict(x_test, verbose=0)
print(f"largest difference from Keras: {np.abs(on_cores - in_keras).max():.2e}")
print(f"test accuracy on the cores: "
      f"{np.mean(on_cores.argmax(1) == y_test.argmax(1)):.4f}")

back = model.to_keras()               # a Keras Sequential, same weights
print([layer.name for layer in back.layers])
