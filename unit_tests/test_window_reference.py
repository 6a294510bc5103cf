"""The numpy reference of convolutions and pooling (spinndl.window_reference)
against Keras itself: forward values through Keras' ops, and backward
(kernel and bias gradients, input errors) through the JAX backend's vjp of
the same ops.

Tolerance 1e-5 absolute: the reference sums in float64, Keras in float32
over at most 5*5*16 = 400 products of values below 1, whose rounding error
stays below 400 * 2**-24 * 1 ~ 2.4e-5 in the worst case and ~1e-6 typically.
"""

import numpy as np
import pytest

from spinndl import keras_io
from spinndl.window_reference import (
    conv_backward, conv_forward, pool_backward, pool_forward)

TOLERANCE = 1e-5

#: (input shape without batch, kernel size, filters, strides, padding)
CONV_CASES = [
    ((64, 4), (3,), 20, (1,), "valid"),          # Listing 3, layer 1
    ((62, 20), (3,), 5, (2,), "same"),           # Listing 3, layer 2
    ((9, 3), (4,), 2, (3,), "same"),             # even kernel, odd length
    ((10, 2), (1,), 3, (2,), "valid"),           # 1x1, stride 2
    ((7, 9, 3), (3, 3), 4, (2, 2), "same"),      # odd sizes, stride 2
    ((7, 9, 3), (3, 2), 4, (2, 1), "valid"),
    ((8, 8, 2), (4, 4), 3, (2, 3), "same"),      # even kernel: pad after
    ((5, 6, 16), (1, 1), 8, (1, 1), "valid"),    # 1x1 kernel, many channels
    ((12, 12, 6), (5, 5), 16, (1, 1), "valid"),  # LeNet's second conv
    ((6, 5, 1), (5, 5), 2, (3, 3), "same"),      # kernel ~ input
]

#: (input shape, pool size, strides, padding)
POOL_CASES = [
    ((10, 3), (2,), (2,), "valid"),
    ((11, 3), (3,), (2,), "same"),
    ((7, 9, 2), (2, 2), (2, 2), "valid"),
    ((7, 9, 2), (3, 3), (2, 2), "same"),
    ((7, 9, 2), (2, 3), (1, 2), "same"),
    ((5, 5, 4), (1, 1), (1, 1), "valid"),
]


@pytest.fixture(scope="module")
def keras():
    keras = keras_io.import_keras()
    if keras.backend.backend() != "jax":
        pytest.skip("the gradients are taken with the JAX backend")
    return keras


def keras_conv(keras, x, kernel, bias, strides, padding):
    return keras.ops.conv(x, kernel, strides=strides, padding=padding) + bias


def vjp(function, args, cotangent):
    import jax   # pylint: disable=import-outside-toplevel
    value, pullback = jax.vjp(function, *args)
    return np.asarray(value), [np.asarray(g) for g in pullback(cotangent)]


@pytest.mark.parametrize("shape,kernel_size,filters,strides,padding",
                         CONV_CASES)
def test_conv_matches_keras(keras, shape, kernel_size, filters, strides,
                            padding):
    rng = np.random.default_rng(len(shape) * 100 + filters)
    x = rng.uniform(-1, 1, (3,) + shape).astype(np.float32)
    kernel = rng.uniform(-1, 1, kernel_size + (shape[-1], filters)
                         ).astype(np.float32)
    bias = rng.uniform(-1, 1, filters).astype(np.float32)
    z = conv_forward(x, kernel, bias, strides, padding)
    dz = rng.uniform(-1, 1, z.shape).astype(np.float32)
    expected, (dx, dk, db) = vjp(
        lambda x_, k_, b_: keras_conv(keras, x_, k_, b_, strides, padding),
        (x, kernel, bias), dz)
    assert z.shape == expected.shape
    np.testing.assert_allclose(z, expected, atol=TOLERANCE, rtol=0)
    got_dk, got_db, got_dx = conv_backward(x, kernel, dz, strides, padding)
    np.testing.assert_allclose(got_dk, dk, atol=TOLERANCE * 10, rtol=1e-5)
    np.testing.assert_allclose(got_db, db, atol=TOLERANCE * 10, rtol=1e-5)
    np.testing.assert_allclose(got_dx, dx, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape,pool_size,strides,padding", POOL_CASES)
def test_pool_matches_keras(keras, mode, shape, pool_size, strides,
                            padding):
    rng = np.random.default_rng(sum(shape))
    x = rng.uniform(-1, 1, (3,) + shape).astype(np.float32)
    op = keras.ops.max_pool if mode == "max" else keras.ops.average_pool
    y = pool_forward(x, mode, pool_size, strides, padding)
    dy = rng.uniform(-1, 1, y.shape).astype(np.float32)
    expected, (dx,) = vjp(
        lambda x_: op(x_, pool_size, strides=strides, padding=padding),
        (x,), dy)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(pool_backward(x, dy, mode, pool_size,
                                             strides, padding),
                               dx, atol=TOLERANCE, rtol=0)


def test_conv_backward_is_the_gradient_of_forward():
    """Independent of Keras: a central finite difference of sum(z * dz)
    in one kernel entry and one input value."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (2, 7, 6, 3))
    kernel = rng.uniform(-1, 1, (3, 2, 3, 4))
    bias = np.zeros(4)
    dz = rng.uniform(-1, 1, conv_forward(x, kernel, bias, (2, 2),
                                         "same").shape)
    dk, _, dx = conv_backward(x, kernel, dz, (2, 2), "same")

    def loss(x_, k_):
        return float(np.sum(conv_forward(x_, k_, bias, (2, 2), "same")
                            .astype(np.float64) * dz))
    step = 1e-2        # the loss is linear in each: exact up to rounding
    bumped = kernel.copy()
    bumped[1, 0, 2, 3] += step
    numeric = (loss(x, bumped) - loss(x, kernel)) / step
    assert numeric == pytest.approx(dk[1, 0, 2, 3], abs=1e-3)
    moved = x.copy()
    moved[1, 0, 5, 1] += step
    numeric = (loss(moved, kernel) - loss(x, kernel)) / step
    assert numeric == pytest.approx(dx[1, 0, 5, 1], abs=1e-3)
