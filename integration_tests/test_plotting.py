"""The pictures: plot_mapping colours each core by what the toolchain
placed there (checked on the data that assigns cores to layers, from a real
mapping on the virtual SpiN-5), and both functions write readable PNGs."""

import struct
from types import SimpleNamespace

import pytest

from spinndl import plot_history
from spinndl.examples.thesis_models import mlp
from spinndl.plotting import chip_centre, core_owners, plot_mapping

SPINN5_CHIPS = 48


def png_size(path):
    """(width, height) from a PNG's IHDR, after checking the signature."""
    with open(path, "rb") as png:
        head = png.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def mapping():
    """A layout whose first hidden layer spans many cores and chips."""
    return mlp(784, 512, 64, 10, seed=0).mapping(training=True)


def test_every_placed_core_is_coloured_by_its_layer(mapping):
    owners = core_owners(mapping)
    rows = mapping.layers + mapping.extra_rows
    assert rows[1].cores > 18                 # more than one chip's worth
    for row in rows:
        assert row.placements and len(set(row.placements)) == row.cores
        for core in row.placements:
            assert owners[core] == row.name
        assert sum(owner == row.name for owner in owners.values()) == \
            row.cores


def test_other_cores_are_the_toolchains(mapping):
    owners = core_owners(mapping)
    ours = {core for row in mapping.layers + mapping.extra_rows
            for core in row.placements}
    assert len(mapping.machine_chips) == SPINN5_CHIPS
    for x, y, n_cores in mapping.machine_chips:
        assert owners[(x, y, 0)] == "monitor"
        for p in range(n_cores):
            if (x, y, p) not in ours and (x, y, p) in owners:
                assert owners[(x, y, p)] not in \
                    {row.name for row in mapping.layers}
    assert all(0 <= p < n for (x, y, p) in owners
               for cx, cy, n in mapping.machine_chips if (cx, cy) == (x, y))


def test_neighbouring_chips_are_one_hexagon_apart():
    for dx, dy in ((1, 0), (0, 1), (1, 1)):
        ax, ay = chip_centre(3, 3)
        bx, by = chip_centre(3 + dx, 3 + dy)
        assert abs(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5 - 1) < 1e-9


def test_plot_mapping_writes_a_png(mapping, tmp_path):
    path = plot_mapping(mapping, str(tmp_path / "mapping.png"))
    width, height = png_size(path)
    assert 800 <= width <= 3000 and 600 <= height <= 3000
    assert (tmp_path / "mapping.png").stat().st_size > 20_000


def test_plot_history_writes_a_png(tmp_path):
    losses = [1.0, 0.6, 0.4]
    # what fit returns: a History with .epoch and .history, as in Keras
    history = SimpleNamespace(epoch=[0, 1, 2], history={
        "loss": losses, "accuracy": [1 - l for l in losses],
        "val_loss": [l + 0.1 for l in losses],
        "val_accuracy": [0.9 - l for l in losses]})
    path = plot_history(history, str(tmp_path / "history.png"))
    width, height = png_size(path)
    assert width >= 800 and 300 <= height <= 1000
    # a bare dict (history.history) works too
    plot_history(history.history, str(tmp_path / "dict.png"))
    assert png_size(str(tmp_path / "dict.png")) == (width, height)


def test_plot_history_refuses_an_empty_history(tmp_path):
    with pytest.raises(ValueError, match="no values"):
        plot_history({}, str(tmp_path / "empty.png"))
