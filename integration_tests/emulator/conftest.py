"""Shared set-up of the emulator's integration tests: the host builds of the
engine and the test programs are made once per session, as a user would."""

import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def host_builds():
    """`make -C neural_modelling host`; a failure fails the tests with the
    compiler's output rather than a missing-library error later."""
    result = subprocess.run(
        ["make", "-C", os.path.join(REPO, "neural_modelling"), "host"],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail("make -C neural_modelling host failed:\n"
                    + result.stdout[-3000:] + result.stderr[-3000:])
