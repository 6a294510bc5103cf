"""Pictures as PNG files: training curves (``plot_history``) and where a
model's layers sit on the board (``plot_mapping``). matplotlib draws them
through its Agg renderer on a bare Figure: no pyplot, no window, and the
user's own matplotlib backend is left alone."""

import math
from typing import Dict, List, Tuple

from .mapping import Core, Mapping

#: Colour of the cores the toolchain itself uses, and of free cores.
TOOLCHAIN_COLOUR = "#5a5a5a"
FREE_COLOUR = "#ffffff"
#: Cores per row inside a chip's hexagon.
CORES_PER_ROW = 6


def plot_history(history, path: str) -> str:
    """Loss and each metric per epoch, one panel each; the validation
    curve (``val_…``) of a value is dashed in the same colour. ``history``
    is what ``fit`` returns (or its ``.history`` dict). Returns ``path``."""
    from matplotlib.figure import Figure  # pylint: disable=import-outside-toplevel
    values: Dict[str, List[float]] = getattr(history, "history", history)
    names = [name for name in values if not name.startswith("val_")]
    if not names or not any(values[name] for name in names):
        raise ValueError("plot_history: the history has no values to plot")
    epochs = getattr(history, "epoch", None) or range(len(values[names[0]]))
    figure = Figure(figsize=(5 * len(names), 3.8), layout="constrained")
    for index, name in enumerate(names):
        axes = figure.add_subplot(1, len(names), index + 1)
        for key, style in ((name, "-"), ("val_" + name, "--")):
            if values.get(key):
                axes.plot([e + 1 for e in epochs][:len(values[key])],
                          values[key], style, color="C0", marker=".",
                          label="validation" if style == "--" else "training")
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.savefig(path, dpi=100)
    return path


def core_owners(mapping: Mapping) -> Dict[Core, str]:
    """What runs on each used core, (x, y, p) → a layer's name, the label
    source, the output gatherer, or the toolchain's own core kind."""
    owners: Dict[Core, str] = dict(mapping.toolchain_cores)
    for layer in mapping.layers + mapping.extra_rows:
        for core in layer.placements:
            owners[core] = layer.name
    return owners


def chip_centre(x: int, y: int) -> Tuple[float, float]:
    """Where chip (x, y) sits in the hexagonal drawing: SpiNNaker's links
    east (1, 0), north-east (1, 1) and north (0, 1) are 60° apart there."""
    return x - y / 2, y * math.sqrt(3) / 2


def _layer_colours(count: int) -> List:
    """Distinct colours, none of them grey (the toolchain's colour): the
    strong tab20 colours, then the light ones, repeating if need be."""
    from matplotlib import colormaps  # pylint: disable=import-outside-toplevel
    tab20 = colormaps["tab20"].colors
    palette = [tab20[i] for i in list(range(0, 20, 2)) + list(range(1, 20, 2))
               if i not in (14, 15)]
    return [palette[i % len(palette)] for i in range(count)]


def plot_mapping(mapping: Mapping, path: str) -> str:
    """Every chip of the machine as a hexagon of cores, each core coloured
    by what runs there (legend: layers with their core counts, then the
    toolchain's cores); free cores are white. Returns ``path``."""
    from matplotlib.figure import Figure  # pylint: disable=import-outside-toplevel
    from matplotlib.patches import Patch, Rectangle, RegularPolygon  # pylint: disable=import-outside-toplevel
    owners = core_owners(mapping)
    ours = [row.name for row in mapping.layers + mapping.extra_rows]
    colours = dict(zip(ours, _layer_colours(len(ours))))
    centres = [chip_centre(x, y) for x, y, _ in mapping.machine_chips]
    width = max(cx for cx, _ in centres) - min(cx for cx, _ in centres) + 1
    height = max(cy for _, cy in centres) - min(cy for _, cy in centres) + 1
    figure = Figure(figsize=(1.2 * width + 3, 1.2 * height + 0.5),
                    layout="constrained")
    axes = figure.add_subplot()
    for (x, y, n_cores), (cx, cy) in zip(mapping.machine_chips, centres):
        axes.add_patch(RegularPolygon((cx, cy), 6, radius=0.56,
                                      facecolor="#eef0f4",
                                      edgecolor="#8890a0"))
        axes.text(cx, cy + 0.33, f"{x},{y}", ha="center", va="center",
                  fontsize=6, color="#333333")
        size = 0.8 / CORES_PER_ROW
        for p in range(n_cores):
            left = cx - 0.4 + (p % CORES_PER_ROW) * size
            top = cy + 0.17 - (p // CORES_PER_ROW) * size
            owner = owners.get((x, y, p))
            colour = FREE_COLOUR if owner is None else colours.get(
                owner, TOOLCHAIN_COLOUR)
            axes.add_patch(Rectangle((left, top - size), size * 0.9,
                                     size * 0.9, facecolor=colour,
                                     edgecolor="#b0b4bc", linewidth=0.3))
    axes.set_xlim(min(cx for cx, _ in centres) - 0.7,
                  max(cx for cx, _ in centres) + 0.7)
    axes.set_ylim(min(cy for _, cy in centres) - 0.7,
                  max(cy for _, cy in centres) + 0.7)
    axes.set_aspect("equal")
    axes.axis("off")
    rows = mapping.layers + mapping.extra_rows
    counts = [sum(owner == row.name for owner in owners.values())
              for row in rows]
    handles = [Patch(facecolor=colours[row.name],
                     label=f"{row.name}: {row.kind}, {count} "
                           f"core{'s' * (count != 1)}")
               for row, count in zip(rows, counts)]
    handles += [Patch(facecolor=TOOLCHAIN_COLOUR,
                      label="toolchain: monitors, support"),
                Patch(facecolor=FREE_COLOUR, edgecolor="#b0b4bc",
                      label="free")]
    axes.legend(handles=handles, loc="center left", fontsize=9,
                bbox_to_anchor=(1.0, 0.5), frameon=False)
    figure.suptitle(
        f"{'Training' if mapping.training else 'Inference'} layout on "
        f"{mapping.machine}: {mapping.total_cores} cores on "
        f"{mapping.chips} chip(s)", fontsize=11)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path
