"""The code in the docs runs as written: every ```python block of the
getting-started page, in order, in one namespace, and the README's, each in
a fresh working directory (they write pictures there), on the emulator."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Each page, and the pictures its code writes.
PAGES = {"docs/getting_started.md": ["mapping.png", "history.png"],
         "README.md": []}


def python_blocks(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as text:
        return re.findall(r"^```python\n(.*?)^```", text.read(),
                          flags=re.S | re.M)


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs_as_written(page, tmp_path, monkeypatch):
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python code"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for index, block in enumerate(blocks):
        exec(compile(block, f"{page} block {index + 1}", "exec"), namespace)  # pylint: disable=exec-used
    for picture in PAGES[page]:
        with open(picture, "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n"

