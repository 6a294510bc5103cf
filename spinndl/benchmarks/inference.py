"""Inference figures: ``python -m spinndl.benchmarks.inference``.

For the thesis Listing-4 MLP and a 784-256-10 MLP, predict random examples
on the emulated SpiN-5 and print, per model: cores, packets sent and
delivered per example, examples per second (this machine's wall time,
mapping excluded), simulated board time per example and examples per second
on the board (the emulator's clock: the ARM968 cycles of the work the cores
did, docs/emulator.md), the cores' MAC utilisation, the largest difference
from a numpy float32 forward pass, and drops."""

import time

import numpy as np

from ..examples.thesis_models import listing4_mlp, mlp
from ..reference import numpy_forward

EXAMPLES = 200


def measure(name: str, model) -> None:
    x = np.random.default_rng(0).uniform(
        -1, 1, (EXAMPLES,) + model.layers[0].output_shape).astype(np.float32)
    mapping = model.mapping()
    started = time.perf_counter()
    outputs = model.predict(x)
    seconds = time.perf_counter() - started - mapping.mapping_seconds
    run = model.last_run
    error = float(np.max(np.abs(outputs - numpy_forward(model, x))))
    print(f"{name}.cores: {mapping.total_cores}")
    print(f"{name}.packets_sent_per_example: {run.packets_sent / EXAMPLES:.1f}")
    print(f"{name}.packets_delivered_per_example: "
          f"{run.packets_delivered / EXAMPLES:.1f}")
    print(f"{name}.examples_per_second: {EXAMPLES / seconds:.1f}")
    print(f"{name}.simulated_us_per_example: "
          f"{run.simulated_ns / EXAMPLES / 1000:.1f}")
    print(f"{name}.board_examples_per_second: "
          f"{EXAMPLES / (run.simulated_ns * 1e-9):.1f}")
    print(f"{name}.mac_utilisation: {run.mac_utilisation:.3f}")
    print(f"{name}.max_abs_error_vs_numpy: {error:.3g}")
    print(f"{name}.drops: {run.drops}")


def main() -> None:
    measure("listing4", listing4_mlp(seed=0))
    measure("mlp784", mlp(784, 256, 10, seed=0))


if __name__ == "__main__":
    main()
