"""Many runs in one process: ``python -m spinndl.benchmarks.soak [cycles]``.

Each cycle is a predict and a one-epoch fit of a small MLP (8-16-4, one
mapping each) on the emulator. Before the first cycle the process moves to
an empty working directory and an empty temporary directory of its own, so
that anything a run leaves behind is counted. Prints ``name: value`` lines:

soak.cycles
    predict + fit cycles run (50 by default).
soak.seconds_per_cycle
    wall time of this machine per cycle (two mappings and two emulator runs).
soak.rss_start_mb, soak.rss_end_mb, soak.rss_growth_mb
    resident memory after the warm-up cycles and after the last one, and the
    difference (the first cycles import and cache; growth is measured from
    there).
soak.fd_growth, soak.thread_growth
    open file descriptors and live threads, last cycle minus first.
soak.tmp_left, soak.cwd_left
    entries left in the temporary and working directories.
soak.sigint_ok
    1 if a SIGINT sent to the process afterwards raises KeyboardInterrupt.
soak.max_abs_error_vs_numpy
    the largest difference of any cycle's predictions from a numpy forward
    pass of the weights fit left (the runs stay correct, not just alive).
"""

import os
import signal
import sys
import tempfile
import threading
import time
from typing import Dict

import numpy as np

from .. import optimizers
from ..examples.thesis_models import mlp
from ..reference import numpy_forward

CYCLES = 50
WARMUP_CYCLES = 3


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def sigint_raises_keyboard_interrupt() -> bool:
    try:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10000):     # Python runs the handler between bytecodes
            time.sleep(0)
    except KeyboardInterrupt:
        return True
    return False


def run_soak(cycles: int = CYCLES) -> Dict[str, float]:
    """Run the cycles in private temporary and working directories (both
    removed afterwards) and return the figures."""
    old_cwd, old_tempdir = os.getcwd(), tempfile.tempdir
    old_env = os.environ.get("TMPDIR")
    base = tempfile.mkdtemp(prefix="spinndl-soak-")
    tmp, work = os.path.join(base, "tmp"), os.path.join(base, "work")
    os.mkdir(tmp)
    os.mkdir(work)
    os.environ["TMPDIR"] = tempfile.tempdir = tmp
    os.chdir(work)
    try:
        return _cycles(cycles, tmp, work)
    finally:
        os.chdir(old_cwd)
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        import shutil
        shutil.rmtree(base, ignore_errors=True)


def _cycles(cycles: int, tmp: str, work: str) -> Dict[str, float]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (6, 8)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 6)]
    model = mlp(8, 16, 4, seed=0)
    model.compile("categorical_crossentropy", optimizers.SGD(0.05))
    rss, fds, threads = [], [], []
    worst = 0.0
    started = time.perf_counter()
    for _ in range(cycles):
        model.fit(x, y, epochs=1, batch_size=3, verbose=0)
        outputs = model.predict(x)
        worst = max(worst, float(np.max(np.abs(
            outputs - numpy_forward(model, x)))))
        rss.append(rss_mb())
        fds.append(open_fds())
        threads.append(threading.active_count())
    seconds = time.perf_counter() - started
    baseline = min(WARMUP_CYCLES, cycles) - 1
    return {
        "cycles": cycles,
        "seconds_per_cycle": seconds / cycles,
        "rss_start_mb": rss[baseline],
        "rss_end_mb": rss[-1],
        "rss_growth_mb": rss[-1] - rss[baseline],
        "fd_growth": fds[-1] - fds[0],
        "thread_growth": threads[-1] - threads[0],
        "tmp_left": len(os.listdir(tmp)),
        "cwd_left": len(os.listdir(work)),
        "sigint_ok": int(sigint_raises_keyboard_interrupt()),
        "max_abs_error_vs_numpy": worst,
    }


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else CYCLES
    figures = run_soak(cycles)
    for name, value in figures.items():
        shown = f"{value:.3g}" if isinstance(value, float) else value
        print(f"soak.{name}: {shown}")


if __name__ == "__main__":
    main()
