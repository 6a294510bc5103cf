"""The main job: train and run the thesis' networks on the configured
machine (a virtual SpiNN-5 run by spinndl's emulator unless a board is
configured). ``python -m spinndl.demo``

1. Map the thesis networks (Listing 4, and an MNIST-sized MLP) and print
   what the toolchain placed, in the inference and training layouts.
2. Train the thesis' XOR network (Listing 5) on the cores and predict.
3. Train a 64-32-10 MLP on scikit-learn's digits on the cores and report
   its test accuracy; then a small CNN (Conv2D, MaxPooling2D, Flatten,
   Dense) on the same digits as 8×8 images.
4. Draw the digits training curves and the MNIST-sized MLP's training
   layout on the board as PNGs in ``--out`` (default ``./spinndl-demo``).
"""

import argparse
import os

import numpy as np

from .examples.cnn_models import small_cnn
from .examples.datasets import digits_split
from .examples.thesis_models import listing4_mlp, mlp, xor_mlp
from .optimizers import Adam
from .plotting import plot_history, plot_mapping


def show_mappings():
    """Print each layout; return the MNIST-sized MLP's training mapping."""
    for title, model in (("Thesis Listing 4 MLP", listing4_mlp(seed=1)),
                         ("MNIST-sized MLP 784-512-512-10",
                          mlp(784, 512, 512, 10, seed=1))):
        for training in (False, True):
            print(f"\n== {title} ==")
            mapping = model.mapping(training=training)
            print(mapping.table())
    return mapping


def train_xor() -> None:
    print("\n== Thesis XOR network (2-50-50-300-50-25-2), trained on the "
          "cores ==")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 1, 0]]
    model = xor_mlp(seed=7)
    model.compile(loss="mean_squared_error", optimizer=Adam(0.01),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=100, batch_size=4, verbose=0, seed=0)
    print(f"loss {history.history['loss'][0]:.4f} -> "
          f"{history.history['loss'][-1]:.4f}, accuracy "
          f"{history.history['accuracy'][-1]:.2f}")
    print("predictions:", np.round(model.predict(x)[:, 1], 3).tolist())
    print(f"drops: {model.last_run.drops}")


def train_digits():
    """Train on the digits; return the History."""
    print("\n== scikit-learn digits, 64-32-10 MLP trained on the cores ==")
    x_train, x_test, y_train, y_test = digits_split()
    model = mlp(64, 32, 10, seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(0.01),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, seed=0,
                        validation_data=(x_test, y_test), verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}, "
          f"cores {model.mapping(training=True).total_cores}")
    return history


def train_digits_cnn() -> None:
    """Train a small CNN on the digits as 8×8×1 images, on the cores."""
    print("\n== scikit-learn digits, small CNN (Conv2D 8x3x3 relu, 2x2 max "
          "pool, Flatten, Dense 10) trained on the cores ==")
    x_train, x_test, y_train, y_test = digits_split()
    x_train = x_train.reshape(-1, 8, 8, 1)
    x_test = x_test.reshape(-1, 8, 8, 1)
    model = small_cnn(seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(0.01),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=32, seed=0, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}, "
          f"cores {model.mapping(training=True).total_cores}, drops "
          f"{model.last_run.drops}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m spinndl.demo",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="spinndl-demo",
                        help="folder for the pictures (default: %(default)s)")
    out = parser.parse_args(argv).out
    mapping = show_mappings()
    train_xor()
    history = train_digits()
    train_digits_cnn()
    os.makedirs(out, exist_ok=True)
    pictures = [
        plot_history(history, os.path.join(out, "digits_history.png")),
        plot_mapping(mapping, os.path.join(out, "mnist_mlp_mapping.png"))]
    print("\n== Pictures ==")
    for path in pictures:
        print(os.path.abspath(path))


if __name__ == "__main__":
    main()
