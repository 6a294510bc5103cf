"""Train an MLP on scikit-learn's 8x8 digits on the (emulated) SpiNNaker
cores, evaluate it, and draw its training curves and its place on the board.

    python examples/mlp_digits.py          # writes mlp_digits_*.png here
"""

import spinndl
from spinndl import Dense, Input, Sequential
from spinndl.examples.datasets import digits_split
from spinndl.optimizers import Adam

x_train, x_test, y_train, y_test = digits_split()   # one-hot labels

model = Sequential([
    Input(shape=(64,)),
    Dense(32, activation="relu"),
    Dense(10, activation="softmax"),
], seed=0)
model.summary()                    # what the toolchain placed, per layer

model.compile(loss="categorical_crossentropy", optimizer=Adam(0.01),
              metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=10, batch_size=32, seed=0,
                    validation_data=(x_test, y_test), verbose=2)
loss, accuracy = model.evaluate(x_test, y_test)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")

print(spinndl.plot_history(history, "mlp_digits_history.png"))
print(model.plot_mapping("mlp_digits_mapping.png", training=True))
