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


@pytest.mark.parametrize("learning_rate", [0.01, 0.001])
def test_fixed_point_replicas_train_the_one_copy_bits_and_report_its_loss(
        learning_rate):
    # Fixed-point adds are exact, so combining the replicas' gradient sums
    # in another order gives the same sums: the weights are the one copy's
    # bits, and the loss (decoded from the replicas' outputs) its numbers.
    # Each replica updates only its segment of every core's parameters,
    # with its own part of Adam's state: fit reads each segment's state
    # from its owner, which must give the one copy's m and v bits.
    # The new weights go as changes two to a packet where both fit 16 bits
    # (weight_deltas.h): at a learning rate of 0.001 Adam's first step is
    # 0.001 = 16,777 units of s7.24, so most pairs do; at 0.01 few do.
    x = examples(6, 24, seed=3)
    y = targets("categorical_crossentropy", 4, 24, seed=3)
    runs = []
    for replicas in (None, 3):
        base = mlp(6, 9, 4, seed=5, hidden="relu", output="softmax")
        model = Model(list(base.layers), replicas=replicas,
                      numerics="fixed")
        model.compile("categorical_crossentropy",
                      optimizers.Adam(learning_rate=learning_rate))
        history = model.fit(x, y, batch_size=6, epochs=2, shuffle=False,
                            verbose=0)
        assert model.last_run.drops == 0
        pairs = model.last_run.work_totals.get("WORK_WEIGHT_PAIR_APPLIED", 0)
        if replicas is None:
            assert pairs == 0       # one copy exchanges nothing
        elif learning_rate == 0.001:
            assert pairs > 0
        slots = [array for layer in model.layers for slot in
                 model._optimizer_state.slots.get(layer.name, [])
                 for array in slot]
        runs.append((model.get_weights(), history.history["loss"], slots))
    (one_copy, one_loss, one_slots), (replicated, replicated_loss,
                                      replicated_slots) = runs
    for ours, alone in zip(replicated, one_copy):
        np.testing.assert_array_equal(ours.view(np.uint32),
                                      alone.view(np.uint32))
    # Adam's m and v of both layers' kernels and biases
    assert len(one_slots) == len(replicated_slots) == 8
    for ours, alone in zip(replicated_slots, one_slots):
        assert np.any(alone != 0)
        np.testing.assert_array_equal(ours.view(np.uint32),
                                      alone.view(np.uint32))
    assert replicated_loss == one_loss
    assert 0.5 < one_loss[0] < 3.0      # a cross-entropy of 4 classes


def test_more_replicas_than_a_core_s_parameters():
    """A 1-input, 1-unit output core has 2 parameters, so of 3 replicas one
    owns no segment of it (wire_format.shard_bounds): it still takes part
    in the ring and ends with the others' weights; with momentum, each
    owner's state is the one read back."""
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    x = examples(3, 24, seed=4)
    y = targets("mean_squared_error", 1, 24, seed=4)
    runs = []
    for replicas in (None, 3):
        base = mlp(3, 1, 1, seed=7, hidden="tanh", output="linear")
        model = Model(list(base.layers), replicas=replicas)
        model.compile("mean_squared_error", optimizer)
        model.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        assert model.last_run.drops == 0
        slots = [array for layer in model.layers for slot in
                 model._optimizer_state.slots.get(layer.name, [])
                 for array in slot]
        runs.append((model.get_weights(), slots))
    (alone, alone_slots), (ours, our_slots) = runs
    assert len(our_slots) == len(alone_slots) == 4
    for mine, theirs in zip(ours + our_slots, alone + alone_slots):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOLERANCE)
    assert max(float(np.max(np.abs(s))) for s in our_slots) > 100 * TOLERANCE
