import pytest

from spinndl.emulator.engine import host_binary_dir
import os


@pytest.fixture(autouse=True)
def _needs_host_build():
    """Inference runs the dense program's host build."""
    path = os.path.join(host_binary_dir(), "dense.so")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run `make -C neural_modelling host`")
