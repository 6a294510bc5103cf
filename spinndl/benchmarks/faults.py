"""Reliability figures: ``python -m spinndl.benchmarks.faults``.

Runs every fault kind x (predict, fit) x (a one-core-per-layer model, a
multi-core model) in the emulator and classifies each case: finished with
results equal to a fault-free run (predict: the numpy reference too),
failed with an error naming a core or chip, finished with wrong results
(silent_wrong, goal 0) or ran past its time limit (hang, goal 0). Then
drops at rates 1e-4, 1e-3 and 1e-2 with reinjection on (all must be
correct), and the widest 784-N-N-10 MLP that predicts correctly with zero
drops (fan-in pacing). Prints ``name: value`` lines; times are this
machine's wall time.
"""

import re
import time

import numpy as np

from ..backend.runner import Timeouts
from ..examples.thesis_models import mlp
from ..faults import Faults, corrupt, crash, delay, drop, hang, stop
from ..reference import numpy_forward

#: Predict outputs equal the numpy float32 reference within this (the
#: emulator's float sums in another order: a few ulp of values ~1).
TOLERANCE = 1e-5
TIMEOUTS = Timeouts(callback_s=0.5, advance_s=60.0)
#: A case that takes longer than this (wall seconds) counts as a hang.
CASE_LIMIT_S = 90.0
EXAMPLES = 6
RATE_EXAMPLES = 20
FANIN_WIDTHS = (1408, 2048)
FANIN_EXAMPLES = 2
#: An error names a core "(x, y, p)" / "core (x, y, p)" or a chip "(x, y)".
_NAMED = re.compile(r"core \(\d+, \d+, \d+\)|chip \(\d+, \d+\)")


def _models():
    # small: one core per layer; multi: layers over several cores
    return {"small": lambda: mlp(16, 24, 10, seed=1),
            "multi": lambda: mlp(64, 300, 10, seed=2)}


def _fault_cases(layer_names):
    first, second = layer_names[1], layer_names[-1]
    return {
        "drop": Faults(drop(layer=first, first=5)),
        "drop_reinjected": Faults(drop(layer=first, first=5),
                                  reinjection=True),
        "parity": Faults(corrupt(layer=first, first=7)),
        "delay": Faults(delay(40.0, layer=first, first=2, count=3)),
        "stop": Faults(stop(second, 0, after_packets=30)),
        "hang": Faults(hang(first, 0, after_packets=40)),
        "crash": Faults(crash(second, 0, after_packets=20)),
    }


def _run(mode, build, faults, x, y):
    model = build()
    if mode == "predict":
        return model.predict(x, faults=faults, timeouts=TIMEOUTS), model
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False,
              faults=faults, timeouts=TIMEOUTS)
    return np.concatenate([w.ravel() for w in model.get_weights()]), model


def _classify(mode, build, faults, x, y, expected, stats=None):
    started = time.perf_counter()
    try:
        result, model = _run(mode, build, faults, x, y)
        if stats is not None:
            stats.append(model.last_run)
        outcome = "correct" if np.allclose(result, expected, rtol=0,
                                           atol=TOLERANCE) else "silent_wrong"
        if mode == "predict" and not np.allclose(
                result, numpy_forward(model, x), rtol=0, atol=TOLERANCE):
            outcome = "silent_wrong"
    except Exception as error:  # pylint: disable=broad-except
        outcome = "named_error" if _NAMED.search(str(error)) \
            else "unnamed_error"
    if time.perf_counter() - started > CASE_LIMIT_S:
        outcome = "hang"
    return outcome


def _examples(model, n: int, seed: int):
    """n random inputs for the model and one-hot labels of its 10 classes."""
    rng = np.random.default_rng(seed)
    width = model.layers[0].output_shape[0]
    x = rng.uniform(0, 1, (n, width)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def fault_matrix():
    counts = {"correct": 0, "named_error": 0, "silent_wrong": 0, "hang": 0,
              "unnamed_error": 0}
    cases = 0
    for name, build in _models().items():
        model = build()
        x, y = _examples(model, EXAMPLES, seed=0)
        for mode in ("predict", "fit"):
            expected, _ = _run(mode, build, None, x, y)
            names = [layer.name for layer in model.layers]
            for kind, faults in _fault_cases(names).items():
                outcome = _classify(mode, build, faults, x, y, expected)
                counts[outcome] += 1
                cases += 1
                print(f"faults.case.{name}.{mode}.{kind}: {outcome}")
    print(f"faults.cases: {cases}")
    for key in ("correct", "named_error", "silent_wrong", "hang",
                "unnamed_error"):
        print(f"faults.{key}: {counts[key]}")


def reinjection_rates():
    correct = cases = 0
    stats = []
    for name, build in _models().items():
        model = build()
        x, y = _examples(model, RATE_EXAMPLES, seed=1)
        for mode in ("predict", "fit"):
            expected, _ = _run(mode, build, None, x, y)
            for rate in (1e-4, 1e-3, 1e-2):
                faults = Faults(drop(rate=rate), seed=7, reinjection=True)
                outcome = _classify(mode, build, faults, x, y, expected,
                                    stats)
                cases += 1
                correct += outcome == "correct"
    print(f"faults.reinjected_cases: {cases}")
    print(f"faults.reinjected_correct: {correct}")
    print(f"faults.reinjected_packets: "
          f"{sum(run.reinjected for run in stats)}")


def fan_in():
    widest, drops = 0, 0
    for width in FANIN_WIDTHS:
        model = mlp(784, width, width, 10, seed=0)
        x = np.random.default_rng(0).uniform(
            0, 1, (FANIN_EXAMPLES, 784)).astype(np.float32)
        started = time.perf_counter()
        try:
            outputs = model.predict(x)
            ok = np.allclose(outputs, numpy_forward(model, x), rtol=0,
                             atol=TOLERANCE) and model.last_run.drops == 0
            drops = max(drops, model.last_run.drops)
        except Exception as error:  # pylint: disable=broad-except
            ok = False
            print(f"fanin.{width}.error: {error}")
        print(f"fanin.{width}.wall_seconds: "
              f"{time.perf_counter() - started:.1f}")
        if ok:
            widest = width
    print(f"fanin.widest_correct_units: {widest}")
    print(f"fanin.drops: {drops}")


def main() -> None:
    started = time.perf_counter()
    fault_matrix()
    reinjection_rates()
    fan_in()
    print(f"faults.wall_seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
