"""The emulator's cost table against the kernels' ARM968 cycles.

Builds the kernels with the board build's flags (arm-none-eabi-gcc), runs
each under unicorn with the cycle model of docs/emulator.md, checks its
outputs against numpy, and requires the emulator's charge (the ARM build's
own work counters times common/work.h's table) within 25 % of the measured
cycles for every kernel. Skips only on a developer machine without the ARM
compiler or unicorn; in CI (CI=true) a missing tool is a failure.
"""
import os

import pytest

from spinndl.benchmarks import arm_calibration as calibration


@pytest.fixture(scope="module")
def results():
    try:
        calibration.require_tools()
    except calibration.CalibrationUnavailable as missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the ARM calibration: {missing}")
        pytest.skip(f"ARM calibration needs its tools: {missing}")
    return calibration.calibrate()


def test_every_kernel_is_charged_within_25_percent(results):
    off = [f"{r.name}: measured {r.measured_cycles}, charged "
           f"{r.charged_cycles} ({r.relative_error:.0%})"
           for r in results if r.relative_error > calibration.TOLERANCE]
    assert not off, "charges off by more than 25 %:\n" + "\n".join(off)


def test_every_work_kind_is_exercised(results):
    """Each kind of work.h a kernel counts is in some measured case, so no
    cost is left unchecked (SDRAM words: wait states, not in the model)."""
    names = " ".join(r.name for r in results)
    for word in ("forward", "relu", "sigmoid", "tanh", "linear",
                 "softmax sum", "softmax normalise", "mse", "bce", "cce",
                 "partial errors", "gradient accumulation", "sgd",
                 "momentum", "adam", "forward packet", "partial error",
                 "softmax statistic", "zero inputs", "sparse cce",
                 "sample weight"):
        assert word in names


def test_cost_table_parses():
    table = calibration.cost_table()
    assert table["WORK_FORWARD_MAC"] > 50
    assert len(table) == len(set(table))


def test_every_cost_of_the_table_is_measured(results):
    """Every kind of work.h, float and fixed point (WORK_FIXED_*), is
    counted by some measured case, so no charge goes unchecked (SDRAM
    words: wait states, not in the cycle model)."""
    counted = {kind for r in results for kind in r.kinds}
    missing = set(calibration.cost_table()) - counted - {"WORK_SDRAM_WORD"}
    assert not missing, f"never measured: {sorted(missing)}"
    assert any(r.name.startswith("fixed forward") for r in results)
