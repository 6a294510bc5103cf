"""The example scripts run as a user runs them, from another folder
(examples/mlp_digits.py trains for ten epochs, about a minute of this
machine's wall time, and is left to the demo's digits run it repeats)."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("script, expected", [
    ("examples/board/run_on_board.py", "packets dropped: 0"),
    ("examples/keras_import.py", "largest difference from Keras"),
])
def test_example_runs(script, expected, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    run = subprocess.run([sys.executable, os.path.join(ROOT, script)],
                         cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert expected in run.stdout
    difference = re.search(r"largest difference from Keras: (\S+)",
                           run.stdout)
    if difference:     # the converted model predicts what Keras does
        assert float(difference.group(1)) <= 1e-4
