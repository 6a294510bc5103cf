"""fit in one process with predict, and what fit does with bad inputs:
a clear ValueError naming the problem, the model's weights untouched
(compared with np.array_equal, bit for bit)."""

import numpy as np
import pytest

from spinndl import Model, optimizers
from spinndl.examples.thesis_models import mlp, xor_mlp
from spinndl.layers import Dense, Input

from .helpers import (
    TOLERANCE, XOR_X, XOR_Y, assert_weights_match, compile_both, examples,
    numpy_forward, targets)


def test_fit_predict_fit_predict_in_one_process():
    """Predictions after each fit are the numpy forward pass of the weights
    fit left (tolerance 1e-4, as in the inference parity tests), and the
    weights track Keras doing the same two fits."""
    model = xor_mlp(seed=1)
    twin = compile_both(model, "mean_squared_error",
                        optimizers.SGD(learning_rate=0.1, momentum=0.9))
    previous = model.predict(XOR_X)
    for round_ in range(2):
        model.fit(XOR_X, XOR_Y, epochs=5, batch_size=3, shuffle=False,
                  verbose=0)
        assert model.last_run.drops == 0
        twin.fit(XOR_X, XOR_Y, epochs=5, batch_size=3, shuffle=False,
                 verbose=0)
        assert_weights_match(model, twin)
        outputs = model.predict(XOR_X)
        assert model.last_run.drops == 0
        expected = numpy_forward(model, XOR_X)
        assert np.max(np.abs(outputs - expected)) <= TOLERANCE, round_
        assert not np.array_equal(outputs, previous), \
            f"fit {round_ + 1} did not change the predictions"
        previous = outputs


def test_fit_reports_zero_drops_and_counts():
    model = mlp(6, 10, 4, seed=2, output="sigmoid")
    model.compile("binary_crossentropy", optimizers.SGD(0.1))
    model.fit(examples(6, 8), targets("binary_crossentropy", 4, 8),
              epochs=2, batch_size=3, shuffle=False, verbose=0)
    run = model.last_run
    assert run.drops == 0
    assert run.packets_sent > 0 and run.packets_delivered > 0


def test_shuffled_fit_trains_and_history_has_epochs():
    """shuffle=True (the default) with a seed is reproducible."""
    results = []
    for _ in range(2):
        model = xor_mlp(seed=3)
        model.compile("mean_squared_error", optimizers.SGD(0.1),
                      metrics=["accuracy"])
        history = model.fit(XOR_X, XOR_Y, epochs=3, batch_size=2, seed=7,
                            verbose=0)
        assert history.epoch == [0, 1, 2]
        assert set(history.history) == {"loss", "accuracy"}
        results.append(model.get_weights())
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def compiled_xor():
    model = xor_mlp(seed=4)
    model.compile("categorical_crossentropy", optimizers.SGD(0.1),
                  metrics=["accuracy"])
    return model


def nan_x():
    x = XOR_X.copy()
    x[2, 1] = np.nan
    return x


# (name, what to call on a compiled XOR model, words the message must hold)
BAD_FITS = [
    ("labels of the wrong shape",
     lambda m: m.fit(XOR_X, XOR_Y[:, :1], epochs=1, batch_size=2, verbose=0),
     r"y: shape \(4, 2\) expected"),
    ("too few labels",
     lambda m: m.fit(XOR_X, XOR_Y[:3], epochs=1, batch_size=2, verbose=0),
     r"y: shape \(4, 2\) expected"),
    ("NaN in x",
     lambda m: m.fit(nan_x(), XOR_Y, epochs=1, batch_size=2, verbose=0),
     r"x: non-finite value nan at index \(2, 1\)"),
    ("NaN in y",
     lambda m: m.fit(XOR_X, np.where(XOR_Y == 1, np.nan, XOR_Y), epochs=1,
                     batch_size=2, verbose=0),
     r"y: non-finite"),
    ("x of the wrong shape",
     lambda m: m.fit(XOR_X[:, :1], XOR_Y, epochs=1, verbose=0),
     r"x: examples of shape \(2,\) expected"),
    ("batch_size 0",
     lambda m: m.fit(XOR_X, XOR_Y, epochs=1, batch_size=0, verbose=0),
     r"batch_size must be a positive integer, got 0"),
    ("epochs 0",
     lambda m: m.fit(XOR_X, XOR_Y, epochs=0, batch_size=2, verbose=0),
     r"epochs must be a positive integer, got 0"),
    ("bad validation labels",
     lambda m: m.fit(XOR_X, XOR_Y, epochs=1, batch_size=2, verbose=0,
                     validation_data=(XOR_X, XOR_Y[:, :1])),
     r"validation y: shape"),
    ("unknown loss in compile",
     lambda m: m.compile("hinge", optimizers.SGD(0.1)),
     r"unknown loss 'hinge'"),
    ("unknown optimizer in compile",
     lambda m: m.compile("mean_squared_error", "rmsprop"),
     r"unknown optimizer 'rmsprop'"),
]


@pytest.mark.parametrize("name,call,message", BAD_FITS,
                         ids=[case[0] for case in BAD_FITS])
def test_bad_input_raises_and_keeps_weights(name, call, message):
    model = compiled_xor()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        call(model)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert model.loss == "categorical_crossentropy"   # still compiled as was
    # and the model still trains afterwards
    model.fit(XOR_X, XOR_Y, epochs=1, batch_size=2, shuffle=False,
              verbose=0)
    assert model.last_run.drops == 0


def test_categorical_crossentropy_needs_softmax_output():
    model = mlp(2, 5, 2, seed=5, output="sigmoid")
    before = model.get_weights()
    with pytest.raises(ValueError,
                       match=r"categorical_crossentropy needs a softmax "
                             r"output layer.*'sigmoid'"):
        model.compile("categorical_crossentropy", optimizers.SGD(0.1))
    assert model.loss is None
    assert all(np.array_equal(a, b)
               for a, b in zip(before, model.get_weights()))


def test_fit_before_compile():
    model = xor_mlp(seed=6)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"model\.compile"):
        model.fit(XOR_X, XOR_Y, epochs=1, batch_size=2, verbose=0)
    assert all(np.array_equal(a, b)
               for a, b in zip(before, model.get_weights()))


def test_thesis_form_of_fit_compiles_with_sgd():
    """fit(x, y, loss=..., learning_rate=...) as the thesis wrote it is
    compile(loss, SGD(lr)) then fit."""
    model = xor_mlp(seed=7)
    twin = compile_both(model, "mean_squared_error",
                        optimizers.SGD(learning_rate=0.05))
    model.loss = None
    model.fit(XOR_X, XOR_Y, epochs=3, batch_size=4, shuffle=False,
              verbose=0, loss="mean_squared_error", learning_rate=0.05)
    twin.fit(XOR_X, XOR_Y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    assert_weights_match(model, twin)


def test_single_layer_model_trains_like_keras():
    """One Dense layer: the first layer is also the output layer (acks and
    the loss stage on the same cores)."""
    model = Model(seed=8)
    model.add(Input(3))
    model.add(Dense(2, activation="sigmoid"))
    x = examples(3, 7, seed=8)
    y = targets("binary_crossentropy", 2, 7, seed=8)
    twin = compile_both(model, "binary_crossentropy",
                        optimizers.SGD(learning_rate=0.5))
    model.fit(x, y, epochs=3, batch_size=2, shuffle=False, verbose=0)
    twin.fit(x, y, epochs=3, batch_size=2, shuffle=False, verbose=0)
    assert model.last_run.drops == 0
    assert_weights_match(model, twin)
