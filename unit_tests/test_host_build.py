"""`make host` rebuilds what a changed header affects, and only that: the
host build keeps gcc dependency files (neural_modelling/make/host.mk).
Built in a copy of neural_modelling/, so the tree's programs are left
alone."""

import os
import shutil
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NM = os.path.join(ROOT, "neural_modelling")

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None
                                or shutil.which("make") is None,
                                reason="needs gcc and make")


def build(tree, out, program):
    result = subprocess.run(
        ["make", "--no-print-directory", "-C",
         os.path.join(tree, "src", program), "host",
         f"HOST_OUTPUT_DIR={out}/"],
        capture_output=True, text=True, check=True)
    return result.stdout


def compiled(log):
    """The objects a build log compiled (not merely linked)."""
    return {os.path.basename(line.split(" -c -o ")[1].split()[0])
            for line in log.splitlines() if " -c -o " in line}


def touch_later(path, than):
    """Give path an mtime one second after `than`'s, never in the future
    (whatever is built next must come out newer than it)."""
    stamp = os.path.getmtime(than) + 1
    while time.time() <= stamp + 0.05:
        time.sleep(0.1)
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("host_build")
    shutil.copytree(NM, base / "neural_modelling",
                    ignore=shutil.ignore_patterns("build", "modified_src"))
    return str(base / "neural_modelling"), str(base / "out")


def built_programs(nm, out):
    """Both layer programs built: their .so paths and modification times."""
    build(nm, out, "dense")
    build(nm, out, "dense_train")
    dense, dense_train = (os.path.join(out, f"{p}.so")
                          for p in ("dense", "dense_train"))
    return dense, dense_train, {p: os.path.getmtime(p)
                                for p in (dense, dense_train)}


def test_a_changed_header_rebuilds_the_programs_that_include_it(tree):
    nm, out = tree
    dense, dense_train, before = built_programs(nm, out)

    # nothing changed: nothing is compiled or linked
    assert "gcc" not in build(nm, out, "dense")
    assert os.path.getmtime(dense) == before[dense]

    # numeric.h is included by the shared layer program: both rebuild
    touch_later(os.path.join(nm, "src", "common", "numeric.h"), dense)
    log = build(nm, out, "dense")
    assert {"layer_main.o", "dense_impl.o"} <= compiled(log)
    assert os.path.getmtime(dense) > before[dense]
    assert os.path.getmtime(dense_train) == before[dense_train]
    build(nm, out, "dense_train")
    assert os.path.getmtime(dense_train) > before[dense_train]


def test_a_header_only_training_uses_leaves_inference_alone(tree):
    nm, out = tree
    dense, dense_train, before = built_programs(nm, out)
    touch_later(os.path.join(nm, "src", "layer", "training_maths.h"),
                dense_train)
    assert "gcc" not in build(nm, out, "dense")
    assert os.path.getmtime(dense) == before[dense]
    log = build(nm, out, "dense_train")
    # only the files that include training_maths.h
    assert compiled(log) == {"training_maths.o", "dense_training_impl.o",
                             "layer_training.o"}
    assert os.path.getmtime(dense_train) > before[dense_train]
