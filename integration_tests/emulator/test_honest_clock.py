"""The emulator's clock counts the work the cores do (docs/emulator.md,
"Cost model"): the kernels' work counters reach the engine, simulated time
follows the work, and senders faster than their receivers lose packets."""
import numpy as np
import pytest

from spinndl.backend.streaming import MachineError
from spinndl.examples.thesis_models import mlp
from spinndl.graph import layer_machine_vertex

from spinndl.reference import numpy_forward

#: the forward MAC's cost, src/common/work.h
FORWARD_MAC_NS = 98 * 5


def examples(model, n, seed=0):
    return np.random.default_rng(seed).uniform(
        -1, 1, (n,) + model.layers[0].output_shape).astype(np.float32)


def test_every_multiply_accumulate_is_counted_and_charged():
    model = mlp(100, 60, 10, seed=0)
    x = examples(model, 8)
    outputs = model.predict(x)
    np.testing.assert_allclose(outputs, numpy_forward(model, x),
                               rtol=1e-5, atol=1e-6)
    run = model.last_run
    assert run.macs == 8 * (100 * 60 + 60 * 10)
    assert 0 < run.mac_utilisation <= 1
    # the first layer's cores alone need this long for 8 examples (they
    # work in parallel, at most 2 examples in flight: a loose bound)
    cores = model.mapping().layers[1].cores
    assert run.simulated_ns >= 8 * 100 * 60 * FORWARD_MAC_NS / cores / 2


def test_simulated_time_follows_the_work():
    """Four times the inputs, about four times the first layer's work: the
    run takes far longer on the board (a fixed cost per callback did not
    see the difference)."""
    times = {}
    for inputs in (50, 200):
        model = mlp(inputs, 40, 10, seed=1)
        model.predict(examples(model, 6))
        times[inputs] = model.last_run.simulated_ns
    assert times[200] > 2.5 * times[50]


def test_senders_faster_than_their_receivers_lose_packets(monkeypatch):
    """With one microsecond between packets from every core of a wide
    layer, a receiving core (over a microsecond per packet) falls behind,
    the router drops what waited past its limit, and the run says so."""
    monkeypatch.setattr(layer_machine_vertex, "send_period_ns",
                        lambda cores, training=False, **_: 1000)
    model = mlp(300, 400, 120, 10, seed=2)
    assert model.mapping().layers[1].cores >= 4
    with pytest.raises(MachineError, match="lost|dropped"):
        model.predict(examples(model, 4))
