import os

import pytest

from spinndl.emulator.engine import host_binary_dir


@pytest.fixture(autouse=True)
def _needs_training_build():
    """fit runs the dense_train program's host build."""
    path = os.path.join(host_binary_dir(), "dense_train.so")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run `make -C neural_modelling host`")
