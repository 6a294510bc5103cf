"""docs/api.md lists every public name: the package's exports and the
public methods and properties of Model."""

import os
import re

import spinndl
from spinndl import Model

API = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "docs", "api.md")


def documented():
    with open(API, encoding="utf-8") as page:
        return set(re.findall(r"`([A-Za-z_]\w*)", page.read()))


def test_every_export_is_documented():
    missing = set(spinndl.__all__) - documented()
    assert not missing, f"docs/api.md lacks {sorted(missing)}"


def test_every_public_model_member_is_documented():
    members = {name for name in vars(Model) if not name.startswith("_")}
    missing = members - documented()
    assert not missing, f"docs/api.md lacks Model.{sorted(missing)}"
