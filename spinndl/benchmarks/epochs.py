"""What finishing epochs from the stream costs: ``python -m
spinndl.benchmarks.epochs``.

fit without validation runs all epochs in one toolchain run and finishes
each epoch (weights read back, line printed, callbacks) when its last
batch is acked (docs/training.md). Prints, for the digits 64-32-10 MLP
(Adam, batch 32, 5 epochs): this machine's wall time of that fit, of the
same 5 epochs as 5 runs (a run per epoch, via initial_epoch), and the wall
time of one epoch-end read-back of every core's weights and Adam state."""

import time

from ..examples.datasets import digits_split
from ..examples.thesis_models import mlp
from ..optimizers import Adam
from ..training import fit as fit_module

EPOCHS, BATCH = 5, 32


def compiled():
    model = mlp(64, 32, 10, seed=0)
    model.compile("categorical_crossentropy", Adam(0.01),
                  metrics=["accuracy"])
    return model


def main() -> None:
    x_train, _, y_train, _ = digits_split()
    read_backs = []
    original = fit_module.read_back

    def timed_read_back(*args):
        started = time.perf_counter()
        original(*args)
        read_backs.append(time.perf_counter() - started)

    fit_module.read_back = timed_read_back
    try:
        model = compiled()
        started = time.perf_counter()
        model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, seed=0,
                  verbose=0)
        one_run = time.perf_counter() - started
    finally:
        fit_module.read_back = original

    model = compiled()
    started = time.perf_counter()
    for epoch in range(EPOCHS):
        model.fit(x_train, y_train, epochs=epoch + 1, initial_epoch=epoch,
                  batch_size=BATCH, seed=0, verbose=0)
    run_per_epoch = time.perf_counter() - started

    print(f"digits.examples_per_epoch: {len(x_train)}")
    print(f"digits.fit_{EPOCHS}_epochs_one_run_wall_seconds: {one_run:.2f}")
    print(f"digits.fit_{EPOCHS}_epochs_run_per_epoch_wall_seconds: "
          f"{run_per_epoch:.2f}")
    print(f"digits.epoch_end_read_back_wall_ms: "
          f"{1000 * sum(read_backs) / len(read_backs):.2f}")


if __name__ == "__main__":
    main()
