"""The window layer kinds on the machine: convolutions and poolings, their
vertices, connectivity, cost models and codecs (docs/conv.md).

One atom per output position with all its channels; a core holds a band
of consecutive positions and, for a convolution, the kernel once. A band's
core is linked with the source cores that overlap its window and keeps the
window as its inputs, dropping the rest of those cores' values on arrival
(spinndl.window_connectivity). The
programs are the shared layer program with neural_modelling/src/conv's or
src/pool's kind.
"""

from typing import List, Sequence, Tuple

import numpy as np

from pacman.model.graphs.common import Slice

from ...layers import Layer
from ...window_connectivity import links_of_band, window_values_range
from ...window_geometry import WindowGeometry
from ...window_packing import (
    WINDOW_PARAMS_WORDS, conv_cost, pool_cost)
from ...wire_format import BYTES_PER_WORD, Region
from ..connectivity import Connectivity, Link
from ..layer_vertex import LayerVertex

#: pool_mode in neural_modelling/src/window/pool_kernels.h (read by a test)
POOL_MODES = {"max": 0, "average": 1}


def _ranges(slices: Sequence[Slice]) -> List[Tuple[int, int]]:
    return [(s.lo_atom, s.hi_atom + 1) for s in slices]


class WindowConnectivity(Connectivity):
    """A band of output positions is linked with the source slices that
    overlap the input rows it reads; its inputs are that window, a
    source's value i landing at window index first_input + i, and it keeps
    (and sends partial errors for) the source's values inside the
    window."""

    def __init__(self, geometry: WindowGeometry):
        self.geometry = geometry

    def links(self, sources: Sequence[Slice], targets: Sequence[Slice]
              ) -> List[Link]:
        ranges = _ranges(sources)
        return [Link(source=source, target=index, first_input=first_input,
                     kept_first=kept_first, kept_count=kept_count)
                for index, target in enumerate(targets)
                for source, first_input, kept_first, kept_count in
                links_of_band(self.geometry, target.lo_atom,
                              target.hi_atom + 1, ranges)]


class WindowVertex(LayerVertex):
    """What convolutions and poolings share: bands, links, KIND_PARAMS."""

    @property
    def geometry(self) -> WindowGeometry:
        return self.layer.geometry

    @property
    def connectivity(self) -> Connectivity:
        return WindowConnectivity(self.geometry)

    def core_inputs(self, machine_vertex) -> int:
        """The band's window: the input rows it reads."""
        vertex_slice = machine_vertex.vertex_slice
        start, end = window_values_range(
            self.geometry, vertex_slice.lo_atom, vertex_slice.hi_atom + 1)
        return end - start

    def window_params(self, machine_vertex) -> List[int]:
        """window_params (window_geometry.h); the core's inputs are the
        band's window."""
        g = self.geometry
        lo, hi = (machine_vertex.vertex_slice.lo_atom,
                  machine_vertex.vertex_slice.hi_atom + 1)
        first_row, end_row = g.input_rows_of(lo, hi - 1)
        words = [g.in_rows, g.in_cols, g.channels_in, g.kernel_rows,
                 g.kernel_cols, g.stride_rows, g.stride_cols, g.pad_top,
                 g.pad_left, g.out_rows, g.out_cols, g.channels_out, lo,
                 hi - lo, first_row, end_row - first_row]
        assert len(words) == WINDOW_PARAMS_WORDS
        return words

    def kind_words(self, machine_vertex) -> List[int]:
        return self.window_params(machine_vertex)

    def kind_regions(self, machine_vertex):
        return [(Region.KIND_PARAMS,
                 np.array(self.kind_words(machine_vertex), dtype="<u4"))]

    def kind_region_sizes(self, machine_vertex) -> dict:
        return {Region.KIND_PARAMS:
                BYTES_PER_WORD * len(self.kind_words(machine_vertex))}


class ConvVertex(WindowVertex):
    """Conv1D and Conv2D: WEIGHTS is the kernel in Keras' C order, then the
    bias, the same on every core."""

    INFERENCE_BINARY = "conv.aplx"
    TRAINING_BINARY = "conv_train.aplx"
    SHARES_PARAMETERS = True

    @classmethod
    def cost_model(cls, layer: Layer):
        _check_activation(layer)
        return lambda k, n_inputs, n_sources, training=False, slots=0, \
            examples_in_flight=2: conv_cost(k, layer.geometry, n_sources,
                                            training, slots,
                                            examples_in_flight)

    def parameter_words(self, arrays: Sequence[np.ndarray],
                        vertex_slice: Slice) -> np.ndarray:
        kernel, bias = arrays
        return np.concatenate([np.ravel(kernel).astype("<f4"),
                               np.asarray(bias).astype("<f4")]).view("<u4")

    def parameter_count(self, vertex_slice: Slice) -> int:
        return self.geometry.kernel_values + self.geometry.channels_out

    def arrays_from_cores(self, cores: Sequence[Tuple[Slice, bytes]],
                          arrays: Sequence[np.ndarray]) -> List[np.ndarray]:
        """The kernel and bias, which every core of the layer holds the
        same (the reduction gives them one update): a core that differs
        is an error naming it."""
        kernel, bias = arrays
        count = self.parameter_count(cores[0][0])
        first = None
        for vertex_slice, data in cores:
            values = np.frombuffer(data, dtype="<f4", count=count)
            if first is None:
                first = values
            elif not np.array_equal(values, first):
                raise RuntimeError(
                    f"layer {self.label!r}: the core of positions "
                    f"{vertex_slice.lo_atom}..{vertex_slice.hi_atom} holds "
                    f"another kernel than the layer's first core (the "
                    f"kernel-gradient reduction failed)")
        return [first[:kernel.size].reshape(kernel.shape).copy(),
                first[kernel.size:].copy()]


class PoolVertex(WindowVertex):
    """MaxPooling and AveragePooling: no weights."""

    INFERENCE_BINARY = "pool.aplx"
    TRAINING_BINARY = "pool_train.aplx"

    @classmethod
    def cost_model(cls, layer: Layer):
        return lambda k, n_inputs, n_sources, training=False, slots=0, \
            examples_in_flight=2: pool_cost(k, layer.geometry, n_sources,
                                            training, slots,
                                            examples_in_flight)

    def kind_words(self, machine_vertex) -> List[int]:
        return self.window_params(machine_vertex) + [
            POOL_MODES[self.layer.mode]]

    def parameter_words(self, arrays, vertex_slice) -> np.ndarray:
        return np.zeros(0, dtype="<u4")

    def parameter_count(self, vertex_slice: Slice) -> int:
        return 0

    def arrays_from_cores(self, cores, arrays) -> List[np.ndarray]:
        return []


def _check_activation(layer: Layer) -> None:
    """Keras' softmax on a map is per position (over the channels); the
    shared program's softmax spans the whole layer."""
    if layer.activation == "softmax":
        raise ValueError(
            f"layer {layer.name!r}: activation='softmax' on a "
            f"{type(layer).__name__} cannot run on the cores yet (Keras "
            f"takes it over each position's channels); put it on a Dense "
            f"after a Flatten")
