"""Shared pieces of the training tests: data, Keras twins trained the same
way, and the comparison.

Tolerance: 1e-4 absolute on every weight, as the issue states. Both sides
compute in float32 from the same initial weights and see the examples in
the same order (shuffle=False); they differ only in summation order (the
cores sum products and per-example gradients in input/example order,
XLA may reorder) and in exp (float_maths.c, ~2 ulp). Those differences are
a few float32 ulps per step; over the runs here they stay orders of
magnitude below 1e-4 unless the on-core training computes something else.
"""

import numpy as np

from spinndl import optimizers

from ..inference.keras_reference import keras, keras_twin, numpy_forward

TOLERANCE = 1e-4

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
#: one-hot, two classes: class 1 where the inputs differ
XOR_Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)

__all__ = ["TOLERANCE", "XOR_X", "XOR_Y", "keras", "keras_twin",
           "numpy_forward", "keras_optimizer", "compile_both",
           "weight_differences", "assert_weights_match", "examples"]


def keras_optimizer(optimizer):
    """The Keras optimizer with the same hyper-parameters."""
    if isinstance(optimizer, optimizers.Adam):
        return keras.optimizers.Adam(
            learning_rate=optimizer.learning_rate, beta_1=optimizer.beta_1,
            beta_2=optimizer.beta_2, epsilon=optimizer.epsilon)
    return keras.optimizers.SGD(learning_rate=optimizer.learning_rate,
                                momentum=optimizer.momentum)


def compile_both(model, loss, optimizer):
    """Compile the spinndl model and a Keras twin holding the same initial
    weights (build the twin before any fit)."""
    twin = keras_twin(model)
    twin.compile(loss=loss, optimizer=keras_optimizer(optimizer),
                 metrics=["accuracy"])
    model.compile(loss, optimizer=optimizer, metrics=["accuracy"])
    return twin


def weight_differences(model, twin):
    """[(index, shape, max abs difference)] per weight array, Keras order."""
    return [(index, ours.shape, float(np.max(np.abs(ours - theirs))))
            for index, (ours, theirs) in
            enumerate(zip(model.get_weights(), twin.get_weights()))]


def assert_weights_match(model, twin, tolerance=TOLERANCE):
    ours, theirs = model.get_weights(), twin.get_weights()
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
    differences = weight_differences(model, twin)
    worst = max(d for _, _, d in differences)
    assert worst <= tolerance, (
        f"weights differ from Keras by up to {worst:.3g} (tolerance "
        f"{tolerance}); per array (index, shape, max |diff|): "
        f"{differences}")


def examples(n_in, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, n_in)).astype(np.float32)


def targets(loss, n_out, n, seed=0):
    """Labels suited to the loss: one-hot (CCE), independent 0/1 (BCE),
    real values in [-1, 1] (MSE)."""
    rng = np.random.default_rng(seed + 1000)
    if loss == "categorical_crossentropy":
        return np.eye(n_out, dtype=np.float32)[rng.integers(0, n_out, n)]
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (n, n_out)).astype(np.float32)
    return rng.uniform(-1, 1, (n, n_out)).astype(np.float32)
