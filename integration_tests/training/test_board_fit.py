"""fit with Model(data_source="board"): each replica's examples and labels
sit in its data source core's SDRAM, and that core streams them itself,
paced by the first layer's acks and stopping at every batch end until the
batch is acked (docs/training.md, "Examples from the board's SDRAM"). The
host only collects outputs and acks.

The cores compute exactly what they compute when the host streams the
same examples in the same order, so the weights must be the same bits as
a host-streamed fit's (which the other training tests hold to Keras), and
the loss history the same numbers."""

import numpy as np
import pytest

from spinndl import Model, callbacks, optimizers
from spinndl.examples.cnn_models import small_cnn
from spinndl.examples.thesis_models import mlp
from spinndl.packing import CapacityError

from .helpers import examples, targets


def _fit_both(make, loss, optimizer, x, y, **fit_options):
    """(host-streamed model, history), (on-board model, history), both
    from the same initial weights."""
    results = []
    for source in ("host", "board"):
        model = make(source)
        model.compile(loss, optimizer)
        history = model.fit(x, y, verbose=0, **fit_options)
        assert model.last_run.drops == 0
        results.append((model, history))
    return results


def _assert_same_bits(host, board):
    for ours, theirs in zip(board.get_weights(), host.get_weights()):
        np.testing.assert_array_equal(ours.view(np.uint32),
                                      theirs.view(np.uint32))


def _mlp_maker(numerics="float", replicas=None, **options):
    def make(source):
        base = mlp(7, 9, 4, seed=3, **options)
        return Model(list(base.layers), data_source=source,
                     replicas=replicas, numerics=numerics)
    return make


@pytest.mark.parametrize("numerics,replicas", [
    ("float", None), ("float", 2), ("fixed", None), ("fixed", 3)])
def test_board_fit_trains_the_same_bits_as_the_host_stream(numerics,
                                                           replicas):
    # 23 examples in batches of 6: a smaller last batch; shuffled, 2 epochs
    x = examples(7, 23, seed=4)
    y = targets("categorical_crossentropy", 4, 23, seed=4)
    (host, host_history), (board, board_history) = _fit_both(
        _mlp_maker(numerics, replicas), "categorical_crossentropy",
        optimizers.Adam(learning_rate=0.02), x, y, batch_size=6,
        epochs=2, seed=7)
    assert board.mapping(training=True).replicas == (replicas or 1)
    initial = _mlp_maker(numerics)("host").get_weights()
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(initial, board.get_weights()))
    assert moved > 1e-3                     # it really trained
    _assert_same_bits(host, board)
    assert board_history.history == host_history.history


def test_board_fit_with_sparse_labels_and_sample_weights():
    x = examples(7, 16, seed=5)
    classes = np.random.default_rng(5).integers(0, 4, 16)
    weights = np.linspace(0.5, 2.0, 16).astype(np.float32)
    (host, host_history), (board, board_history) = _fit_both(
        _mlp_maker(hidden="relu"), "sparse_categorical_crossentropy",
        optimizers.SGD(learning_rate=0.1, momentum=0.9), x, classes,
        batch_size=5, epochs=2, sample_weight=weights, shuffle=False)
    _assert_same_bits(host, board)
    assert board_history.history == host_history.history


def test_board_fit_of_a_cnn_reduces_its_kernel_as_the_host_fit_does():
    digits = np.random.default_rng(6).uniform(0, 1, (12, 8, 8, 1)).astype(
        np.float32)
    y = np.eye(10, dtype=np.float32)[np.arange(12) % 10]

    def make(source):
        return Model(list(small_cnn(seed=2).layers), data_source=source)
    (host, _), (board, _) = _fit_both(
        make, "categorical_crossentropy", optimizers.Adam(0.01), digits, y,
        batch_size=4, epochs=1, shuffle=False)
    _assert_same_bits(host, board)


def test_board_fit_runs_callbacks_at_epoch_ends():
    x = examples(7, 12, seed=8)
    y = targets("mean_squared_error", 4, 12, seed=8)
    model = _mlp_maker(output="linear")("board")
    model.compile("mse", optimizers.SGD(learning_rate=0.05))
    seen = []
    epoch_ends = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            (epoch, logs["loss"], model.get_weights()[0].copy())))
    stop = callbacks.EarlyStopping(monitor="loss", patience=0,
                                   min_delta=1e9)   # stops after epoch 2
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0,
                        callbacks=[epoch_ends, stop])
    assert [epoch for epoch, _, _ in seen] == [0, 1]
    assert len(history.history["loss"]) == 2
    # each epoch's callback saw that epoch's weights (one run per epoch)
    assert not np.array_equal(seen[0][2], seen[1][2])
    np.testing.assert_array_equal(seen[1][2], model.get_weights()[0])


def test_board_fit_refuses_batch_callbacks_before_mapping():
    model = _mlp_maker()("board")
    model.compile("categorical_crossentropy", "sgd")
    before = model.get_weights()
    batch_logger = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: None)
    with pytest.raises(ValueError, match="callback LambdaCallback acts at "
                                         "batch ends.*data_source='host'"):
        model.fit(examples(7, 8), targets("categorical_crossentropy", 4, 8),
                  verbose=0, callbacks=[batch_logger])
    assert model.last_run is None
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_board_fit_names_the_sdram_limit_with_the_labels():
    base = mlp(784, 2, seed=0)
    model = Model(list(base.layers), data_source="board")
    model.compile("categorical_crossentropy", "sgd")
    # 39,000 MNIST-sized examples with 2 label words each: over a chip
    x = np.broadcast_to(np.zeros(784, np.float32), (39_500, 784))
    y = np.zeros((39_500, 2), np.float32)
    with pytest.raises(CapacityError, match=r"data source of replica 0: "
                                            r"39500 examples of 784 values "
                                            r"with 2 label words each need "
                                            r"124188000 B of SDRAM"):
        model.fit(x, y, verbose=0, epochs=1)
    assert model.last_run is None
