"""Make ``import spinndl`` work from a source checkout that is not
installed yet (no ``pip install -e .``): only then put the repository root
on sys.path."""

import importlib.util
import os
import sys

if importlib.util.find_spec("spinndl") is None:
    sys.path.insert(
        0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
