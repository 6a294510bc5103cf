"""Sliding-window arithmetic shared by convolutions and pooling: output
sizes and padding as Keras computes them, and which input rows a band of
output positions reads. Pure; used by the layers, the numpy reference, the
packing maths and (through the params region) the C kernels.

Every window layer is described in two spatial dimensions (rows, columns):
a 1D layer over ``steps`` is a 2D one of ``steps`` rows and one column, so
that a core's band of consecutive positions reads a band of input rows in
both cases (docs/conv.md).
"""

import numbers
from dataclasses import dataclass
from typing import Tuple

PADDINGS = ("valid", "same")


def output_size(n: int, k: int, s: int, padding: str) -> int:
    """Keras' output length: ``floor((n - k) / s) + 1`` for "valid",
    ``ceil(n / s)`` for "same" (0 or less means the window does not fit)."""
    if padding == "valid":
        return (n - k) // s + 1 if n >= k else 0
    return -(-n // s)


def pad_before(n: int, k: int, s: int, padding: str) -> int:
    """Zeros before the first input value: none for "valid"; for "same"
    half the total padding, the odd one after (as TensorFlow and JAX pad)."""
    if padding == "valid":
        return 0
    total = max((output_size(n, k, s, padding) - 1) * s + k - n, 0)
    return total // 2


def as_tuple(value, rank: int, what: str, layer: str) -> Tuple[int, ...]:
    """Keras' ``standardize_tuple``: an int or a sequence of ``rank``
    positive ints, or a ValueError naming the layer and the value."""
    values = (value,) * rank if isinstance(value, numbers.Integral) \
        else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if values is None or len(values) != rank or any(
            isinstance(v, bool) or not isinstance(v, numbers.Integral)
            or v < 1 for v in values):
        raise ValueError(f"layer {layer!r}: {what} must be a positive int or "
                         f"a tuple of {rank} positive ints, got {value!r}")
    return tuple(int(v) for v in values)


def standard_padding(padding, layer: str) -> str:
    name = padding.lower() if isinstance(padding, str) else padding
    if name not in PADDINGS:
        raise ValueError(f"layer {layer!r}: padding must be 'valid' or "
                         f"'same', got {padding!r}")
    return name


@dataclass(frozen=True)
class WindowGeometry:
    """One window layer in rows × columns (a 1D layer has one column).

    ``channels_in`` values per input position; ``channels_out`` per output
    position (the filters of a convolution, the channels of a pooling)."""
    in_rows: int
    in_cols: int
    channels_in: int
    kernel_rows: int
    kernel_cols: int
    stride_rows: int
    stride_cols: int
    padding: str
    channels_out: int

    @classmethod
    def of(cls, input_shape, kernel, strides, padding, channels_out,
           layer: str = "layer") -> "WindowGeometry":
        """From a channels-last input shape (steps, c) or (h, w, c) and the
        layer's kernel/pool size and strides (tuples of the same rank); a
        ValueError naming the layer when the window does not fit."""
        rank = len(input_shape) - 1
        if rank not in (1, 2) or len(kernel) != rank or len(strides) != rank:
            raise ValueError(
                f"layer {layer!r}: takes inputs of shape "
                f"{'(steps, channels)' if len(kernel) == 1 else '(rows, columns, channels)'}"
                f", got {tuple(input_shape)}")
        spatial = tuple(input_shape[:-1]) + (1,) * (2 - rank)
        kernel = tuple(kernel) + (1,) * (2 - rank)
        strides = tuple(strides) + (1,) * (2 - rank)
        geometry = cls(spatial[0], spatial[1], int(input_shape[-1]),
                       kernel[0], kernel[1], strides[0], strides[1],
                       padding, int(channels_out))
        if geometry.out_rows < 1 or geometry.out_cols < 1:
            raise ValueError(
                f"layer {layer!r}: a window of {tuple(kernel[:rank])} does "
                f"not fit an input of {tuple(input_shape[:-1])} with "
                f"padding='valid' (the output would be empty); use a "
                f"smaller window or padding='same'")
        return geometry

    @property
    def out_rows(self) -> int:
        return output_size(self.in_rows, self.kernel_rows, self.stride_rows,
                           self.padding)

    @property
    def out_cols(self) -> int:
        return output_size(self.in_cols, self.kernel_cols, self.stride_cols,
                           self.padding)

    @property
    def pad_top(self) -> int:
        return pad_before(self.in_rows, self.kernel_rows, self.stride_rows,
                          self.padding)

    @property
    def pad_left(self) -> int:
        return pad_before(self.in_cols, self.kernel_cols, self.stride_cols,
                          self.padding)

    @property
    def positions(self) -> int:
        """Output positions: a layer's atoms."""
        return self.out_rows * self.out_cols

    @property
    def kernel_values(self) -> int:
        """Weights a convolution with this geometry has, without the bias."""
        return (self.kernel_rows * self.kernel_cols * self.channels_in
                * self.channels_out)

    def input_rows_of(self, first: int, last: int) -> Tuple[int, int]:
        """The input rows [lo, hi) that output positions first..last
        (inclusive, row-major) read, padding rows left out."""
        top = (first // self.out_cols) * self.stride_rows - self.pad_top
        bottom = ((last // self.out_cols) * self.stride_rows - self.pad_top
                  + self.kernel_rows)
        return max(top, 0), min(bottom, self.in_rows)

    def band_input_rows(self, n_positions: int) -> int:
        """The most input rows any band of ``n_positions`` consecutive
        output positions reads: the rows a core's input window holds.

        Such a band spans at most ``(n + out_cols - 2) // out_cols + 1``
        output rows (it may start on a row's last column)."""
        if n_positions < 1:
            return 0
        rows = min((n_positions + self.out_cols - 2) // self.out_cols + 1,
                   self.out_rows)
        return min((rows - 1) * self.stride_rows + self.kernel_rows,
                   self.in_rows)

    def window_values(self, n_positions: int) -> int:
        """Input values a core's window holds for one example."""
        return (self.band_input_rows(n_positions) * self.in_cols
                * self.channels_in)
