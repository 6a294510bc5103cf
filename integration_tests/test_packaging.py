"""The wheel `pip wheel .` builds: tagged for this platform (it carries the
emulator's C host programs, built by setup.py's build step), with the
license and every runtime dependency declared, and no setuptools warning.
About 15 s of this machine's wall time (an isolated build)."""

import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = ["libspinndl_emulator.so", "dense.so", "dense_train.so",
            "dense_fixed.so", "dense_train_fixed.so"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # its own notice, not ours
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps",
         "-w", str(out), "-v"], capture_output=True, text=True, env=env,
        check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    names = os.listdir(out)
    assert len(names) == 1, names
    return out / names[0], build.stdout + build.stderr


def test_wheel_is_tagged_for_this_platform(wheel):
    path, _ = wheel
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert path.name == f"spinndl-0.1.0-py3-none-{platform}.whl"
    with zipfile.ZipFile(path) as archive:
        tags = archive.read("spinndl-0.1.0.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in tags
    assert f"Tag: py3-none-{platform}" in tags


def test_wheel_carries_the_host_programs_and_license(wheel):
    path, _ = wheel
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        metadata = archive.read("spinndl-0.1.0.dist-info/METADATA").decode()
    for program in PROGRAMS:
        assert f"spinndl/model_binaries/host/{program}" in names
    assert "spinndl-0.1.0.dist-info/licenses/LICENSE" in names
    assert "License-Expression: Apache-2.0" in metadata
    for requirement in ("tqdm", "matplotlib", "scikit-learn", "numpy",
                        "SpiNNakerGraphFrontEnd"):
        assert f"Requires-Dist: {requirement}" in metadata
    assert "Provides-Extra: keras" in metadata


def test_build_gives_no_setuptools_warning(wheel):
    _, log = wheel
    for line in log.splitlines():
        assert "SetuptoolsDeprecationWarning" not in line, line
        assert not line.strip().lower().startswith("warning: "), line
