"""Examples in flight, the network's choice (docs/streaming.md, "How many
in flight"): 4 where every layer's cores have the DTCM for them, else 2;
the cores, the keys and the host agree on it, and the results do not
depend on it."""

import numpy as np
import pytest

from spinndl import Model, optimizers
from spinndl.examples.thesis_models import mlp
from spinndl.packing import CapacityError
from spinndl.reference import numpy_forward


def _data(n, width, classes, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, width)).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]
    return x, y


def test_four_in_flight_give_the_two_in_flight_outputs():
    """The same programs and weights with 2 and 4 slots: the same bits
    (every example is computed alone), against numpy too; 4 slots are
    what the mapping reports and what every core's PARAMS say."""
    base = mlp(30, 20, 10, 4, seed=5)
    x, _ = _data(13, 30, 4)
    two = Model(list(base.layers), examples_in_flight=2)
    four = Model(list(base.layers), examples_in_flight=4)
    got_two, got_four = two.predict(x), four.predict(x)
    np.testing.assert_array_equal(got_four, got_two)
    # float32 sums in another order than numpy's: a few ulps
    np.testing.assert_allclose(got_four, numpy_forward(base, x), atol=1e-5)
    assert four.last_run.drops == 0
    assert (two.mapping().examples_in_flight,
            four.mapping().examples_in_flight) == (2, 4)
    assert "Examples in flight: 4 per core" in four.mapping().table()


def test_fixed_point_training_does_not_depend_on_the_slots():
    """Fixed point sums every gradient term exactly (integer adds), so
    the order examples reach a core in does not matter: fit with 2 and 4
    examples in flight ends with the same weights, bit for bit."""
    x, y = _data(24, 12, 3, seed=1)
    weights = []
    for slots in (2, 4):
        model = Model(list(mlp(12, 9, 3, seed=2).layers), numerics="fixed",
                      examples_in_flight=slots)
        model.compile("categorical_crossentropy",
                      optimizers.Adam(learning_rate=0.01))
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert model.last_run.drops == 0
        assert model.mapping(training=True).examples_in_flight == slots
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_the_default_is_four_where_they_fit_and_two_where_not():
    """Under "throughput" 784-512-512-10 takes 4 (its spread layers have
    the DTCM); 784-791-791-10 trains only with 2 (4 would need more cores
    than the neighbour tables allow), and asking it for 4 is refused
    before mapping, naming the layer."""
    wide = mlp(784, 512, 512, 10, seed=0)
    spread = Model(list(wide.layers), mapping_objective="throughput",
                   numerics="fixed")
    assert spread.mapping().examples_in_flight == 4
    # training takes 2 from the host's unpaced live input, 4 from the
    # board's data source
    on_board = Model(list(wide.layers), mapping_objective="throughput",
                     numerics="fixed", data_source="board")
    for model, slots in ((spread, 2), (on_board, 4)):
        model.compile("categorical_crossentropy", optimizers.Adam())
        assert model.mapping(training=True).examples_in_flight == slots
    widest = mlp(784, 791, 791, 10, seed=0)
    widest.compile("categorical_crossentropy", optimizers.SGD(0.1))
    assert widest.mapping(training=True).examples_in_flight == 2
    forced = Model(list(widest.layers), examples_in_flight=4)
    forced.compile("categorical_crossentropy", optimizers.SGD(0.1))
    with pytest.raises(CapacityError, match="layer 'dense"):
        forced.mapping(training=True)


@pytest.mark.parametrize("bad", [3, 0, 8, True, 2.0])
def test_a_slot_count_the_cores_cannot_take_is_refused(bad):
    with pytest.raises(ValueError, match=f"examples_in_flight must be one "
                                         f"of \\(1, 2, 4\\) or None, got "
                                         f"{bad!r}"):
        Model(examples_in_flight=bad)
