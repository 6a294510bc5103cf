"""Copies of a model on one board (Model(replicas=...), the mapping
objective "throughput") and the host link's rate, run in the emulator."""

import numpy as np
import pytest

from spinndl import Model
from spinndl.examples.thesis_models import listing4_mlp, mlp
from spinndl.host_link import max_examples_per_second
from spinndl.packing import CapacityError
from spinndl.reference import numpy_forward


def _x(n, width, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, width)).astype(
        np.float32)


def test_replicas_give_the_single_copy_outputs_in_order():
    base = listing4_mlp(seed=3)
    x = _x(11, 224)               # not a multiple of the replicas
    single = base.predict(x)
    copies = Model(list(base.layers), replicas=3)
    got = copies.predict(x)
    # the same programs on the same weights: the same bits, in order
    np.testing.assert_array_equal(got, single)
    np.testing.assert_allclose(got, numpy_forward(base, x), atol=1e-5)
    assert copies.last_run.drops == 0
    mapping = copies.mapping()
    assert mapping.replicas == 3
    assert mapping.total_cores == 3 * mapping.replica_cores + 1


def test_the_throughput_objective_spreads_and_replicates():
    base = listing4_mlp(seed=4)
    model = Model(list(base.layers), mapping_objective="throughput")
    mapping = model.mapping()
    dense = base.mapping()
    assert mapping.objective == "throughput"
    assert mapping.replicas > 1
    assert mapping.total_cores <= 759
    assert mapping.total_cores > 4 * dense.total_cores
    assert "Objective: throughput" in mapping.table()
    x = _x(20, 224, seed=1)
    np.testing.assert_allclose(model.predict(x), numpy_forward(base, x),
                               atol=1e-5)
    assert model.last_run.drops == 0


def test_fit_replicas_that_cannot_share_every_batch_are_refused():
    base = mlp(8, 4, 2, seed=0)
    model = Model(list(base.layers), replicas=3)
    model.compile("mse", "sgd")
    before = [w.copy() for w in model.get_weights()]
    # 10 examples in batches of 4: the last batch has 2, one too few
    with pytest.raises(CapacityError, match=r"replicas=3: .* smallest "
                                            r"batch has 2"):
        model.fit(_x(10, 8), np.zeros((10, 2), np.float32), batch_size=4,
                  verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_host_streamed_inputs_are_not_faster_than_the_ethernet():
    # A tiny layer behind a 784-wide input: the cores are quick, the link
    # (about 1,500 images a second) is the limit.
    base = mlp(784, 2, seed=0, output="linear")
    model = Model(list(base.layers), replicas=8)
    x = _x(48, 784)
    model.predict(x)
    rate = len(x) / (model.last_run.simulated_ns * 1e-9)
    assert rate <= max_examples_per_second(784) * 1.001
    assert rate > 0.5 * max_examples_per_second(784)


def test_inputs_on_the_board_give_the_same_outputs_beyond_the_ethernet():
    base = mlp(784, 2, seed=0, output="linear")
    x = _x(48, 784)
    host = Model(list(base.layers), replicas=8)
    streamed = host.predict(x)
    board = Model(list(base.layers), replicas=8, data_source="board")
    got = board.predict(x)
    np.testing.assert_array_equal(got, streamed)
    assert board.last_run.drops == 0
    rate = len(x) / (board.last_run.simulated_ns * 1e-9)
    # no host link in the way: faster than the Ethernet could carry
    assert rate > 1.5 * max_examples_per_second(784)
    assert rate > 1.5 * len(x) / (host.last_run.simulated_ns * 1e-9)


def test_on_board_inputs_name_the_sdram_limit_before_mapping():
    base = mlp(784, 2, seed=0, output="linear")
    model = Model(list(base.layers), data_source="board")
    # 40,000 MNIST-sized examples: 125 MB, more than a chip's SDRAM
    huge = np.broadcast_to(np.zeros(784, np.float32), (40_000, 784))
    with pytest.raises(CapacityError, match=r"data source of replica 0: "
                                            r"40000 examples of 784 values "
                                            r"need 125440000 B of SDRAM"):
        model.predict(huge)
