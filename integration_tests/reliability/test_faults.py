"""Each injected fault kind is either survived (results equal to a
fault-free run) or ends in an error naming the core / chip, the layer and
the lost packets (docs/reliability.md). Small models: one core per layer
(16-24-10) and a layer split over cores (16-24-10 with 4 atoms per core is
not settable, so a wider 64-300-10)."""

import re

import numpy as np
import pytest

from spinndl.backend.runner import Timeouts
from spinndl.backend.streaming import MachineError
from spinndl.emulator import CoreError
from spinndl.examples.thesis_models import mlp
from spinndl.faults import Faults, corrupt, crash, delay, drop, hang, stop
from spinndl.reference import numpy_forward

TIMEOUTS = Timeouts(callback_s=0.3, advance_s=60.0)
#: the float sums run in the same order as numpy's only up to a few ulp
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (6, 16)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 6)]
    return x, y


def _model():
    return mlp(16, 24, 10, seed=4)


def test_reinjected_drops_give_the_fault_free_outputs(data):
    x, _ = data
    model = _model()
    outputs = model.predict(x, faults=Faults(drop(rate=0.05), seed=2,
                                             reinjection=True))
    assert model.last_run.reinjected == model.last_run.drops > 0
    np.testing.assert_allclose(outputs, numpy_forward(model, x), rtol=0,
                               atol=TOLERANCE)


def test_lost_packet_names_key_chip_and_sender(data):
    x, _ = data
    with pytest.raises(MachineError) as error:
        _model().predict(x, faults=Faults(drop(layer="dense", first=3)))
    message = str(error.value)
    assert "example 0" in message
    assert re.search(r"key 0x[0-9a-f]{8} on chip \(\d+, \d+\) dropped "
                     r"\(injected fault\), sent by layer 'dense' core 0",
                     message), message


def test_corrupt_payload_is_a_parity_error_not_a_wrong_result(data):
    x, _ = data
    with pytest.raises(MachineError, match="parity error"):
        _model().predict(x, faults=Faults(corrupt(layer="dense", first=0),
                                          reinjection=True))


def test_delayed_packets_arrive_out_of_order_and_results_are_right(data):
    x, _ = data
    model = _model()
    outputs = model.predict(x, faults=Faults(delay(30.0, layer="dense",
                                                   first=1, count=4)))
    assert model.last_run.delayed == 4
    np.testing.assert_allclose(outputs, numpy_forward(model, x), rtol=0,
                               atol=TOLERANCE)


def test_stopped_core_is_named_with_its_layer(data):
    x, _ = data
    with pytest.raises(MachineError) as error:
        _model().predict(x, faults=Faults(stop("dense_1", after_packets=30)))
    assert re.search(r"layer 'dense_1' core 0 at chip \(\d+, \d+\) core \d+ "
                     r"\(atoms 0\.\.9\): finished \d of \d example\(s\), "
                     r"stopped", str(error.value)), str(error.value)


@pytest.mark.parametrize("fault, reason", [
    (hang("dense", after_packets=20), "wall-clock limit"),
    (crash("dense", after_packets=20), "signal 11")])
def test_hung_or_crashed_core_is_named(data, fault, reason):
    x, _ = data
    with pytest.raises(CoreError) as error:
        _model().predict(x, faults=Faults(fault), timeouts=TIMEOUTS)
    assert error.value.location is not None
    assert reason in str(error.value)
    assert "injected fault" in str(error.value)


def _fit(model, x, y, faults=None):
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=2, verbose=0, shuffle=False, faults=faults,
              timeouts=TIMEOUTS)
    return model.get_weights()


def test_training_survives_reinjected_drops(data):
    x, y = data
    expected = _fit(_model(), x, y)
    model = _model()
    weights = _fit(model, x, y, Faults(drop(rate=0.05), seed=5,
                                       reinjection=True))
    assert model.last_run.reinjected > 0
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE)


def test_training_loss_is_named_and_weights_are_kept(data):
    x, y = data
    model = _model()
    before = model.get_weights()
    with pytest.raises(MachineError, match=r"never acked .*layer 'dense'"):
        _fit(model, x, y, Faults(stop("dense", after_packets=40)))
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_faults_from_the_environment(data, monkeypatch):
    x, _ = data
    monkeypatch.setenv("SPINNDL_FAULTS", "drop:rate=0.05;reinject;seed=9")
    model = _model()
    model.predict(x)
    assert model.last_run.reinjected == model.last_run.drops > 0


def test_a_machine_that_never_goes_quiet_names_its_busy_cores():
    # 784 inputs at one packet per microsecond keep the first layer busy
    # for more than one simulated millisecond: with a tiny advance timeout
    # the run is "never quiet" after its first slice.
    model = mlp(784, 32, 10, seed=1)
    x = np.zeros((2, 784), np.float32)
    with pytest.raises(MachineError,
                       match=r"did not go quiet within 1e-06 s.*still busy: "
                             r"layer 'dense' core 0 at chip"):
        model.predict(x, timeouts=Timeouts(advance_s=1e-6))


def test_a_packet_reinjected_after_the_next_example_is_filed_right(data):
    # Example 0's first output value of layer 'dense' is dropped and sent
    # again 200 us later: after the rest of example 0 and after example 1's
    # values from the same core (24 values 1 us apart each).
    x, _ = data
    model = _model()
    outputs = model.predict(x, faults=Faults(
        drop(layer="dense", first=0), reinjection=True,
        reinject_delay_us=200.0, reinject_jitter_us=0.0))
    assert model.last_run.reinjected == model.last_run.drops == 1
    np.testing.assert_allclose(outputs, numpy_forward(model, x), rtol=0,
                               atol=TOLERANCE)
