"""numpy forward and backward passes of convolutions and pooling, the
reference the C kernels and the cores are checked against (and that is
itself checked against Keras, unit_tests/test_window_reference.py).

Arrays are batch-first and channels-last: x is (n, steps, c) or
(n, rows, cols, c). Sums run in float64 and results are float32, so the
reference is closer to exact than either Keras or the cores.
"""

import itertools
from typing import Tuple

import numpy as np

from .window_geometry import WindowGeometry


def _rank(x: np.ndarray) -> int:
    return x.ndim - 2


def _as_2d(x: np.ndarray) -> np.ndarray:
    """(n, steps, c) as (n, steps, 1, c); 2D arrays unchanged."""
    return x[:, :, None, :] if x.ndim == 3 else x


def _from_2d(y: np.ndarray, rank: int) -> np.ndarray:
    return y[:, :, 0, :] if rank == 1 else y


def _padded(x2: np.ndarray, g: WindowGeometry, fill: float) -> np.ndarray:
    """x (n, rows, cols, c) with the padding rows/columns of ``g`` and
    enough at the end for every window."""
    bottom = max((g.out_rows - 1) * g.stride_rows + g.kernel_rows
                 - g.in_rows - g.pad_top, 0)
    right = max((g.out_cols - 1) * g.stride_cols + g.kernel_cols
                - g.in_cols - g.pad_left, 0)
    return np.pad(x2, ((0, 0), (g.pad_top, bottom), (g.pad_left, right),
                       (0, 0)), constant_values=fill)


def _offsets(g: WindowGeometry):
    return itertools.product(range(g.kernel_rows), range(g.kernel_cols))


def _window(xp: np.ndarray, g: WindowGeometry, i: int, j: int):
    """The index of the values kernel offset (i, j) meets at every output
    position, in padded coordinates."""
    return (slice(None),
            slice(i, i + g.stride_rows * (g.out_rows - 1) + 1, g.stride_rows),
            slice(j, j + g.stride_cols * (g.out_cols - 1) + 1, g.stride_cols),
            slice(None))


def _crop(xp: np.ndarray, g: WindowGeometry) -> np.ndarray:
    return xp[:, g.pad_top:g.pad_top + g.in_rows,
              g.pad_left:g.pad_left + g.in_cols, :]


def geometry_of(x_shape, kernel_size, strides, padding, channels_out
                ) -> WindowGeometry:
    return WindowGeometry.of(tuple(x_shape[1:]), tuple(kernel_size),
                             tuple(strides), padding, channels_out)


# --- convolution --------------------------------------------------------------
def conv_forward(x, kernel, bias, strides, padding) -> np.ndarray:
    """Pre-activations z = conv(x, kernel) + bias; kernel (k, c_in, f) or
    (kh, kw, c_in, f) as Keras keeps it."""
    x = np.asarray(x, np.float64)
    rank = _rank(x)
    g = geometry_of(x.shape, kernel.shape[:rank], strides, padding,
                    kernel.shape[-1])
    k2 = np.asarray(kernel, np.float64).reshape(
        g.kernel_rows, g.kernel_cols, g.channels_in, g.channels_out)
    xp = _padded(_as_2d(x), g, 0.0)
    z = np.zeros((len(x), g.out_rows, g.out_cols, g.channels_out))
    for i, j in _offsets(g):
        z += xp[_window(xp, g, i, j)] @ k2[i, j]
    z += np.asarray(bias, np.float64)
    return _from_2d(z, rank).astype(np.float32)


def conv_backward(x, kernel, dz, strides, padding
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given dL/dz (the error after the activation's derivative), the
    kernel gradient (kernel's shape), the bias gradient (f,) and the input
    error dL/dx (x's shape), each summed over the batch."""
    x = np.asarray(x, np.float64)
    rank = _rank(x)
    g = geometry_of(x.shape, kernel.shape[:rank], strides, padding,
                    kernel.shape[-1])
    k2 = np.asarray(kernel, np.float64).reshape(
        g.kernel_rows, g.kernel_cols, g.channels_in, g.channels_out)
    dz2 = _as_2d(np.asarray(dz, np.float64))
    xp = _padded(_as_2d(x), g, 0.0)
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(k2)
    for i, j in _offsets(g):
        index = _window(xp, g, i, j)
        dk[i, j] = np.einsum("nrsc,nrsf->cf", xp[index], dz2)
        dxp[index] += dz2 @ k2[i, j].T
    dx = _from_2d(_crop(dxp, g), rank)
    return (dk.reshape(kernel.shape).astype(np.float32),
            dz2.sum(axis=(0, 1, 2)).astype(np.float32),
            dx.astype(np.float32))


# --- pooling --------------------------------------------------------------------
POOL_MODES = ("max", "average")


def _pool_geometry(x, pool_size, strides, padding) -> WindowGeometry:
    return geometry_of(x.shape, pool_size, strides, padding, x.shape[-1])


def _valid_counts(g: WindowGeometry) -> np.ndarray:
    """Input values (not padding) under each window: Keras' average over
    "same" padding divides by these, not by the pool size."""
    ones = _padded(np.ones((1, g.in_rows, g.in_cols, 1)), g, 0.0)
    counts = np.zeros((1, g.out_rows, g.out_cols, 1))
    for i, j in _offsets(g):
        counts += ones[_window(ones, g, i, j)]
    return counts


def pool_forward(x, mode, pool_size, strides, padding) -> np.ndarray:
    """Max or average pooling as Keras computes it."""
    x = np.asarray(x, np.float64)
    rank = _rank(x)
    g = _pool_geometry(x, pool_size, strides, padding)
    xp = _padded(_as_2d(x), g, -np.inf if mode == "max" else 0.0)
    windows = np.stack([xp[_window(xp, g, i, j)] for i, j in _offsets(g)])
    if mode == "max":
        y = windows.max(axis=0)
    else:
        y = windows.sum(axis=0) / _valid_counts(g)
    return _from_2d(y, rank).astype(np.float32)


def pool_backward(x, dy, mode, pool_size, strides, padding) -> np.ndarray:
    """dL/dx: a max window passes its error to the first largest input it
    read; an average window shares it equally among the inputs it read."""
    x = np.asarray(x, np.float64)
    rank = _rank(x)
    g = _pool_geometry(x, pool_size, strides, padding)
    dy2 = _as_2d(np.asarray(dy, np.float64))
    xp = _padded(_as_2d(x), g, -np.inf if mode == "max" else 0.0)
    dxp = np.zeros_like(xp)
    offsets = list(_offsets(g))
    if mode == "max":
        windows = np.stack([xp[_window(xp, g, i, j)] for i, j in offsets])
        winner = windows.argmax(axis=0)
        for number, (i, j) in enumerate(offsets):
            dxp[_window(xp, g, i, j)] += np.where(winner == number, dy2, 0.0)
    else:
        share = dy2 / _valid_counts(g)
        for i, j in offsets:
            dxp[_window(xp, g, i, j)] += share
    return _from_2d(_crop(dxp, g), rank).astype(np.float32)
