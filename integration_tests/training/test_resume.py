"""Training saved mid-way, loaded in a new process and trained on, ends
exactly where an uninterrupted fit ends: same weights, Adam moments and
step, bit for bit (both sides run the same float32 operations in the same
order on the cores: the Adam powers continue from the saved step, and fit's
shuffling gives epoch e the same order whatever initial_epoch is)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import spinndl
from spinndl import callbacks, optimizers

from .helpers import examples
from .test_keras_parity import optimizer_net

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EPOCHS, SPLIT_AT, BATCH, SEED = 4, 2, 3, 9


def data():
    x = examples(4, 8, seed=50)
    y = np.random.default_rng(50).integers(0, 3, 8)
    return x, y


def fresh_model():
    model = optimizer_net(seed=50)
    model.compile("sparse_categorical_crossentropy",
                  optimizers.Adam(learning_rate=0.02), metrics=["accuracy"])
    return model


@pytest.mark.parametrize("saved_by", ["save", "checkpoint"])
def test_resumed_in_a_new_process_equals_uninterrupted(tmp_path, saved_by):
    """saved_by "save": a fit of SPLIT_AT epochs, then model.save;
    "checkpoint": the ModelCheckpoint the uninterrupted fit wrote after
    epoch SPLIT_AT, from weights and Adam state read back mid-run."""
    x, y = data()
    whole = fresh_model()
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / "epoch{epoch:02d}.spinndl"), monitor="loss")
    whole_history = whole.fit(x, y, epochs=EPOCHS, batch_size=BATCH,
                              seed=SEED, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == [
        f"epoch{e:02d}.spinndl" for e in range(1, EPOCHS + 1)]

    end = tmp_path / "end.spinndl"
    if saved_by == "save":
        first = fresh_model()
        first.fit(x, y, epochs=SPLIT_AT, batch_size=BATCH, seed=SEED,
                  verbose=0)
        middle = tmp_path / "middle.spinndl"
        first.save(middle)
    else:
        middle = tmp_path / f"epoch{SPLIT_AT:02d}.spinndl"
        first = spinndl.load_model(middle)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    script = f"""
import json
import numpy as np
import spinndl
assert spinndl.__file__.startswith({ROOT!r}), spinndl.__file__
data = np.load({str(tmp_path / "data.npz")!r})
model = spinndl.load_model({str(middle)!r})
history = model.fit(data["x"], data["y"], epochs={EPOCHS},
                    initial_epoch={SPLIT_AT}, batch_size={BATCH},
                    seed={SEED}, verbose=0)
model.save({str(end)!r})
print(json.dumps({{"epoch": history.epoch, "history": history.history}}))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed_history = json.loads(result.stdout.strip().splitlines()[-1])
    resumed = spinndl.load_model(end)

    assert resumed_history["epoch"] == [2, 3]
    for key in ("loss", "accuracy"):
        assert resumed_history["history"][key] == \
            whole_history.history[key][SPLIT_AT:]
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        assert np.array_equal(a, b)
    ours, theirs = whole._optimizer_state, resumed._optimizer_state
    assert ours.step == theirs.step == EPOCHS * 3
    for name, slots in ours.slots.items():
        for slot_a, slot_b in zip(slots, theirs.slots[name]):
            for a, b in zip(slot_a, slot_b):
                assert np.array_equal(a, b)
    # and the run did train: the second half moved the weights
    assert not all(np.array_equal(a, b) for a, b in
                   zip(first.get_weights(), resumed.get_weights()))
