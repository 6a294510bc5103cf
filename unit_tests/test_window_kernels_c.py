"""The C kernels of window layers (neural_modelling/src/window/), built on
this machine into a small shared object and called through ctypes, against
the numpy reference (spinndl.window_reference) — which is itself checked
against Keras (test_window_reference.py).

Each layer is cut into bands of consecutive positions as the cores would
hold them: each band's outputs must be the reference's, and the bands'
partial input errors and kernel gradients must add up to the reference's
(that is what the previous layer and the kernel reduction do with them).
Tolerance 2e-5 absolute: float32 sums of at most 5*5*16 products of values
below 1 against a float64 reference.

The window_params struct and pool modes are read from the C header, so
Python and C cannot disagree on the layout silently."""

import ctypes
import os
import re
import subprocess

import numpy as np
import pytest

from spinndl.window_geometry import WindowGeometry
from spinndl.window_packing import WINDOW_PARAMS_WORDS
from spinndl.window_reference import (
    conv_backward, conv_forward, pool_backward, pool_forward)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "neural_modelling", "src", "window")
TOLERANCE = 2e-5


def header_text(name):
    with open(os.path.join(SOURCES, name), encoding="utf-8") as header:
        return header.read()


def params_fields():
    body = re.search(r"typedef struct window_params \{(.*?)\} window_params;",
                     header_text("window_geometry.h"), re.S).group(1)
    return re.findall(r"uint32_t (\w+);", body)


def pool_modes():
    return {name: int(value) for name, value in re.findall(
        r"(POOL_\w+) = (\d+)", header_text("pool_kernels.h"))}


class WindowParams(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in params_fields()]


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    library = tmp_path_factory.mktemp("window") / "window_kernels.so"
    subprocess.run(
        ["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC",
         "-shared", "-o", str(library),
         os.path.join(SOURCES, "conv_kernels.c"),
         os.path.join(SOURCES, "pool_kernels.c"),
         os.path.join(SOURCES, "..", "common", "float_maths.c"),
         os.path.join(SOURCES, "..", "common", "work.c")], check=True)
    return ctypes.CDLL(str(library))


def test_the_params_words_python_counts_are_the_headers():
    assert len(params_fields()) == WINDOW_PARAMS_WORDS
    assert pool_modes() == {"POOL_MAX": 0, "POOL_AVERAGE": 1}


def pointer(array):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def bands(positions, cores):
    edges = np.linspace(0, positions, cores + 1).astype(int)
    return [(lo, hi) for lo, hi in zip(edges, edges[1:]) if hi > lo]


def band_params(g: WindowGeometry, lo, hi):
    first_row, end_row = g.input_rows_of(lo, hi - 1)
    params = WindowParams(
        g.in_rows, g.in_cols, g.channels_in, g.kernel_rows, g.kernel_cols,
        g.stride_rows, g.stride_cols, g.pad_top, g.pad_left, g.out_rows,
        g.out_cols, g.channels_out, lo, hi - lo, first_row,
        end_row - first_row)
    assert end_row - first_row <= g.band_input_rows(hi - lo)
    return params, first_row, end_row


def as_2d(x):
    """One example (rows, cols, c) of a (steps, c) or (h, w, c) array."""
    return x[:, None, :] if x.ndim == 2 else x


CONV_CASES = [
    ((64, 4), (3,), 20, (1,), "valid", 3),
    ((62, 20), (3,), 5, (2,), "same", 2),
    ((9, 3), (4,), 2, (3,), "same", 2),
    ((7, 9, 3), (3, 3), 4, (2, 2), "same", 3),
    ((8, 8, 2), (4, 4), 3, (2, 3), "same", 4),
    ((5, 6, 16), (1, 1), 8, (1, 1), "valid", 5),
    ((12, 12, 6), (5, 5), 16, (1, 1), "valid", 3),
    ((6, 5, 1), (5, 5), 2, (3, 3), "same", 2),
    ((11, 4, 2), (2, 2), 3, (4, 1), "valid", 3),    # stride > kernel
]


@pytest.mark.parametrize("shape,kernel_size,filters,strides,padding,cores",
                         CONV_CASES)
def test_conv_bands_match_the_reference(kernels, shape, kernel_size,
                                        filters, strides, padding, cores):
    rng = np.random.default_rng(filters * 31 + cores)
    x = rng.uniform(-1, 1, (1,) + shape).astype(np.float32)
    kernel = rng.uniform(-1, 1, kernel_size + (shape[-1], filters)
                         ).astype(np.float32)
    bias = rng.uniform(-1, 1, filters).astype(np.float32)
    z = conv_forward(x, kernel, bias, strides, padding)
    dz = rng.uniform(-1, 1, z.shape).astype(np.float32)
    dk, db, dx = conv_backward(x, kernel, dz, strides, padding)
    g = WindowGeometry.of(shape, kernel_size, strides, padding, filters)
    x2, dx2 = as_2d(x[0]), as_2d(dx[0])
    z_flat, dz_flat = z[0].reshape(-1, filters), dz[0].reshape(-1, filters)
    got_dx = np.zeros_like(dx2)
    got_dk = np.zeros_like(kernel)
    got_db = np.zeros_like(bias)
    for lo, hi in bands(g.positions, cores):
        params, first_row, end_row = band_params(g, lo, hi)
        window = np.ascontiguousarray(x2[first_row:end_row])
        out = np.zeros((hi - lo, filters), np.float32)
        kernels.conv_forward_band(ctypes.byref(params), pointer(kernel),
                                  pointer(bias), pointer(window),
                                  pointer(out))
        np.testing.assert_allclose(out, z_flat[lo:hi], atol=TOLERANCE,
                                   rtol=0)
        errors = np.ascontiguousarray(dz_flat[lo:hi])
        window_errors = np.zeros_like(window)
        kernels.conv_input_errors_band(ctypes.byref(params), pointer(kernel),
                                       pointer(errors),
                                       pointer(window_errors))
        got_dx[first_row:end_row] += window_errors
        kernels.conv_kernel_gradients_band(
            ctypes.byref(params), pointer(window), pointer(errors),
            pointer(got_dk), pointer(got_db))
    np.testing.assert_allclose(got_dx, dx2, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(got_dk, dk, atol=TOLERANCE * 5, rtol=1e-5)
    np.testing.assert_allclose(got_db, db, atol=TOLERANCE * 5, rtol=1e-5)


POOL_CASES = [
    ((10, 3), (2,), (2,), "valid", 2),
    ((11, 3), (3,), (2,), "same", 3),
    ((24, 24, 6), (2, 2), (2, 2), "valid", 2),
    ((7, 9, 2), (3, 3), (2, 2), "same", 3),
    ((7, 9, 2), (2, 3), (1, 2), "same", 4),
    ((5, 5, 4), (1, 1), (1, 1), "valid", 2),
]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape,pool_size,strides,padding,cores", POOL_CASES)
def test_pool_bands_match_the_reference(kernels, mode, shape, pool_size,
                                        strides, padding, cores):
    rng = np.random.default_rng(sum(shape) + cores)
    x = rng.uniform(-1, 1, (1,) + shape).astype(np.float32)
    y = pool_forward(x, mode, pool_size, strides, padding)
    dy = rng.uniform(-1, 1, y.shape).astype(np.float32)
    dx = pool_backward(x, dy, mode, pool_size, strides, padding)
    g = WindowGeometry.of(shape, pool_size, strides, padding, shape[-1])
    channels = shape[-1]
    code = pool_modes()["POOL_MAX" if mode == "max" else "POOL_AVERAGE"]
    x2, dx2 = as_2d(x[0]), as_2d(dx[0])
    y_flat, dy_flat = y[0].reshape(-1, channels), dy[0].reshape(-1, channels)
    got_dx = np.zeros_like(dx2)
    for lo, hi in bands(g.positions, cores):
        params, first_row, end_row = band_params(g, lo, hi)
        window = np.ascontiguousarray(x2[first_row:end_row])
        out = np.zeros((hi - lo, channels), np.float32)
        kernels.pool_forward_band(ctypes.byref(params), code,
                                  pointer(window), pointer(out))
        np.testing.assert_allclose(out, y_flat[lo:hi], atol=TOLERANCE,
                                   rtol=0)
        errors = np.ascontiguousarray(dy_flat[lo:hi])
        window_errors = np.zeros_like(window)
        kernels.pool_backward_band(ctypes.byref(params), code,
                                   pointer(window), pointer(errors),
                                   pointer(window_errors))
        got_dx[first_row:end_row] += window_errors
    np.testing.assert_allclose(got_dx, dx2, atol=TOLERANCE, rtol=0)
