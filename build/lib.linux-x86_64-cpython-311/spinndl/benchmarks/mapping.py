"""Mapping figures: ``python -m spinndl.benchmarks.mapping``.

Prints the cores the toolchain placed for the thesis Listing-4 MLP (inference
and training layouts), the cores the input source of a 784-element input
takes, and the wall time of ``mapping()`` for a 784-512-512-10 MLP."""

import time

from ..examples.thesis_models import listing4_mlp, mlp


def main() -> None:
    listing4 = listing4_mlp(seed=0)
    print(f"listing4.inference_cores: {listing4.mapping().total_cores}")
    print(f"listing4.training_cores: "
          f"{listing4.mapping(training=True).total_cores}")

    model = mlp(784, 512, 512, 10, seed=0)
    started = time.perf_counter()
    mapping = model.mapping()
    seconds = time.perf_counter() - started
    print(f"input784.input_cores: {mapping.layers[0].cores}")
    print(f"mlp784_512_512_10.cores: {mapping.total_cores}")
    print(f"mlp784_512_512_10.training_cores: "
          f"{model.mapping(training=True).total_cores}")
    print(f"mlp784_512_512_10.mapping_seconds: {seconds:.3f}")


if __name__ == "__main__":
    main()
