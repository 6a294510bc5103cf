"""The packing maths of window layers (convolutions and pooling): the bytes
one core needs for a band of consecutive output positions. Pure, in the
style of ``spinndl.packing`` (whose runtime constants and slicing it uses);
docs/conv.md explains the layout.

A core holds a band of output positions (row-major) with all their
channels; it keeps the layer's kernel once, and per example in flight the
input rows its band reads (its *window*, full input width, every input
channel). A Flatten holds nothing: it renumbers values (no core).
"""

from .packing import (
    ALLOCATIONS_INFERENCE, BYTES_PER_ALLOCATION, DTCM_BYTES_PER_TABLE_ROW,
    SYSTEM_REGION_BYTES, TRAINING_NEIGHBOUR_TABLES_BYTES, CoreCost,
    slot_allocations)
from .window_geometry import WindowGeometry
from .wire_format import BYTES_PER_WORD, key_table_bytes

#: The params region of a window core: the geometry and band words of
#: ``window_params`` in neural_modelling/src/window/window_geometry.h (a
#: test reads the header), before the kind's own words.
WINDOW_PARAMS_WORDS = 16
WINDOW_PARAMS_BYTES = WINDOW_PARAMS_WORDS * BYTES_PER_WORD
#: DTCM blocks of a training window core besides the per-slot ones (x, y,
#: the output errors and the labels of each example in flight): the
#: gradient accumulators, the partial input errors, the neighbour tables
#: and the backward targets, counted as 4 (12 in all with two slots, as
#: before the slot count was the network's).
ALLOCATIONS_TRAINING = 4


def _inputs(geometry: WindowGeometry, n_atoms: int) -> int:
    """Values a core keeps per example: its window, the most any band of
    n_atoms positions reads (the rest of the linked source cores' values
    are dropped on arrival, spinndl.window_connectivity)."""
    return geometry.window_values(n_atoms)


def _common(window_values: int, outputs: int, n_sources: int,
            training: bool, parameters: int, examples_in_flight: int):
    """(DTCM words, DTCM extra bytes, allocations) every window core has;
    ``window_values``: the inputs it keeps per example."""
    words = parameters + examples_in_flight * (window_values + outputs)
    extra = n_sources * DTCM_BYTES_PER_TABLE_ROW + WINDOW_PARAMS_BYTES
    allocations = ALLOCATIONS_INFERENCE
    if training:
        # The parameters' gradients (reduced in place over the layer's
        # cores), each example's output errors, and one example's partial
        # input errors over the window (sent back as soon as computed).
        words += parameters + examples_in_flight * outputs + window_values
        extra += TRAINING_NEIGHBOUR_TABLES_BYTES
        allocations = ALLOCATIONS_TRAINING
    return words, extra, allocations + slot_allocations(training,
                                                        examples_in_flight)


def conv_cost(n_atoms: int, geometry: WindowGeometry, n_sources: int,
              training: bool = False, optimizer_slots: int = 0,
              examples_in_flight: int = 2) -> CoreCost:
    """Bytes for a band of ``n_atoms`` output positions of a convolution.

    DTCM: the kernel and bias once; per example in flight the window (the
    input rows the band reads, with the rest of the source cores that
    overlap it) and the band's outputs (all filters); the
    key table rows; training adds gradients as big as the kernel and bias,
    per example the output errors, one window of partial input errors and
    the neighbour tables' allowance. SDRAM: the regions the host writes
    (kernel once) and the optimizer state (``optimizer_slots`` per
    parameter)."""
    if n_atoms < 0 or n_sources < 1:
        raise ValueError("conv_cost needs n_atoms >= 0, n_sources >= 1")
    parameters = geometry.kernel_values + geometry.channels_out
    words, extra, allocations = _common(
        _inputs(geometry, n_atoms),
        n_atoms * geometry.channels_out,
        n_sources, training, parameters, examples_in_flight)
    dtcm = (words * BYTES_PER_WORD + extra
            + allocations * BYTES_PER_ALLOCATION)
    slots = optimizer_slots if training else 0
    sdram = (SYSTEM_REGION_BYTES + WINDOW_PARAMS_BYTES
             + key_table_bytes(n_sources)
             + (1 + slots) * parameters * BYTES_PER_WORD)
    return CoreCost(dtcm_bytes=dtcm, sdram_bytes=sdram)


def pool_cost(n_atoms: int, geometry: WindowGeometry, n_sources: int,
              training: bool = False, optimizer_slots: int = 0,
              examples_in_flight: int = 2) -> CoreCost:
    """Bytes for a band of ``n_atoms`` output positions of a pooling: as
    a convolution without a kernel (a max pooling finds its winners again
    in the kept window when the errors come back)."""
    if n_atoms < 0 or n_sources < 1:
        raise ValueError("pool_cost needs n_atoms >= 0, n_sources >= 1")
    words, extra, allocations = _common(
        _inputs(geometry, n_atoms),
        n_atoms * geometry.channels_out,
        n_sources, training, 0, examples_in_flight)
    dtcm = (words * BYTES_PER_WORD + extra
            + allocations * BYTES_PER_ALLOCATION)
    sdram = (SYSTEM_REGION_BYTES + WINDOW_PARAMS_BYTES
             + key_table_bytes(n_sources))
    return CoreCost(dtcm_bytes=dtcm, sdram_bytes=sdram)


def kernel_reduction_packets(parameters: int, cores: int) -> int:
    """Packets the kernel-gradient reduction sends per batch: each core but
    the last passes its running sum on along the chain of the layer's
    cores (``parameters`` each), and the last core multicasts the total
    once to all of them — linear in the cores, not quadratic."""
    if cores <= 1:
        return 0
    return (cores - 1) * parameters + parameters
