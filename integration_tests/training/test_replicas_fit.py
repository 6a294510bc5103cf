"""fit with replicas (Model(replicas=R)): each batch's examples are dealt
round R copies of the model, whose cores combine their gradient sums on
the machine at every batch end (src/layer/gradient_exchange.c). Every
replica must apply the same update (fit checks their weights are the same
bits), and the result must be the single copy's and Keras' within the
training tolerance (helpers.py: float32, a different summation order)."""

import numpy as np
import pytest

from spinndl import Model, optimizers
from spinndl.examples.thesis_models import mlp

from .helpers import (
    TOLERANCE, assert_weights_match, compile_both, examples, targets)


@pytest.mark.parametrize("replicas,optimizer", [
    (2, optimizers.SGD(learning_rate=0.3)),
    (3, optimizers.Adam(learning_rate=0.01)),
])
def test_replicas_train_as_one_copy_and_as_keras(replicas, optimizer):
    base = mlp(6, 9, 4, seed=5, hidden="tanh", output="softmax")
    x = examples(6, 24, seed=2)
    y = targets("categorical_crossentropy", 4, 24, seed=2)
    initial = [w.copy() for w in base.get_weights()]

    # one copy (the layers are shared: reset them before the second run)
    single = Model(list(base.layers))
    single.compile("categorical_crossentropy", optimizer)
    single.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    one_copy = [w.copy() for w in single.get_weights()]
    base.set_weights(initial)

    model = Model(list(base.layers), replicas=replicas)
    twin = compile_both(model, "categorical_crossentropy", optimizer)
    history = model.fit(x, y, batch_size=6, epochs=2, shuffle=False,
                        verbose=0)
    keras_history = twin.fit(x, y, batch_size=6, epochs=2, shuffle=False,
                             verbose=0)
    assert model.last_run.drops == 0
    assert model.mapping(training=True).replicas == replicas
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(initial, model.get_weights()))
    assert moved > 100 * TOLERANCE          # 8 batches really trained
    for ours, alone in zip(model.get_weights(), one_copy):
        np.testing.assert_allclose(ours, alone, rtol=0, atol=TOLERANCE)
    assert_weights_match(model, twin)
    np.testing.assert_allclose(history.history["loss"],
                               keras_history.history["loss"], rtol=0,
                               atol=TOLERANCE)


def test_fixed_point_replicas_train_the_one_copy_bits_and_report_its_loss():
    # Fixed-point adds are exact, so combining the replicas' gradient sums
    # in another order gives the same sums: the weights are the one copy's
    # bits, and the loss (decoded from the replicas' outputs) its numbers.
    x = examples(6, 24, seed=3)
    y = targets("categorical_crossentropy", 4, 24, seed=3)
    runs = []
    for replicas in (None, 3):
        base = mlp(6, 9, 4, seed=5, hidden="relu", output="softmax")
        model = Model(list(base.layers), replicas=replicas,
                      numerics="fixed")
        model.compile("categorical_crossentropy",
                      optimizers.Adam(learning_rate=0.01))
        history = model.fit(x, y, batch_size=6, epochs=2, shuffle=False,
                            verbose=0)
        assert model.last_run.drops == 0
        runs.append((model.get_weights(), history.history["loss"]))
    (one_copy, one_loss), (replicated, replicated_loss) = runs
    for ours, alone in zip(replicated, one_copy):
        np.testing.assert_array_equal(ours.view(np.uint32),
                                      alone.view(np.uint32))
    assert replicated_loss == one_loss
    assert 0.5 < one_loss[0] < 3.0      # a cross-entropy of 4 classes
