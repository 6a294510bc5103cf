"""Model.fit: validate, stream, read back, report (docs/training.md)."""

import copy
import numbers

import numpy as np
from tqdm import tqdm

from .. import losses
from ..backend.runner import run_network
from ..graph.network import LABELS_LABEL
from .history import History
from .stream import stream_batches

#: Keras' default batch size.
DEFAULT_BATCH_SIZE = 32


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_labels(model, y, n_examples: int, what: str) -> np.ndarray:
    """y as float32 of the output's shape, one row per example, or a
    ValueError: wrong shape, not numbers (strings, objects), non-finite."""
    expected = (n_examples,) + model.layers[-1].output_shape
    array = np.asarray(y)
    if not (np.issubdtype(array.dtype, np.number)
            or np.issubdtype(array.dtype, np.bool_)):
        raise ValueError(f"{what}: numbers expected, got {array.dtype} "
                         f"(labels must be numeric arrays)")
    if array.shape != expected:
        raise ValueError(f"{what}: shape {expected} expected (one row per "
                         f"example, the output layer "
                         f"{model.layers[-1].name!r} has "
                         f"{model.layers[-1].n_atoms} units), got "
                         f"{array.shape}")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{what}: non-finite value {array[index]} at "
                         f"index {index}")
    return array


def batches_of(n_examples: int, batch_size: int, epochs: int):
    """(start, end) of every batch over epochs run back to back; an epoch's
    last batch is smaller when batch_size does not divide n_examples."""
    for epoch in range(epochs):
        base = epoch * n_examples
        for start in range(0, n_examples, batch_size):
            yield base + start, base + min(start + batch_size, n_examples)


def read_back(run, model, config) -> None:
    """Every core's weights (and optimizer state) into the model, each
    layer's kind rebuilding its Keras-layout arrays from its cores."""
    for vertex in run.graph.layer_vertices:
        weights, slots = vertex.read_weights(run.read_region,
                                             config.optimizer_slots)
        vertex.layer.set_weights(weights)
        config.state.slots[vertex.layer.name] = slots


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto",
        validation_data=None, shuffle=True, seed=None, faults=None,
        timeouts=None) -> History:
    # Everything is checked before anything is mapped.
    x = model._check_inputs(x)
    y = check_labels(model, y, len(x), "y")
    batch_size = _check_positive_int(
        "batch_size", DEFAULT_BATCH_SIZE if batch_size is None
        else batch_size)
    epochs = _check_positive_int("epochs", epochs)
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ValueError("validation_data must be (x_val, y_val)")
        x_val = model._check_inputs(validation_data[0], "validation x")
        y_val = check_labels(model, validation_data[1], len(x_val),
                              "validation y")
    verbose = 1 if verbose == "auto" else int(verbose)
    loss_of = losses.get(model.loss)
    rng = np.random.default_rng(seed)

    # One run per epoch when validating (Keras validates with each epoch's
    # weights), otherwise every epoch in one run.
    epochs_per_run = 1 if validation_data is not None else epochs
    history = History()
    saved_weights = model.get_weights()
    saved_state = copy.deepcopy(model._optimizer_state)
    try:
        epoch = 0
        while epoch < epochs:
            run_epochs = min(epochs_per_run, epochs - epoch)
            orders = [rng.permutation(len(x)) if shuffle
                      else np.arange(len(x)) for _ in range(run_epochs)]
            order = np.concatenate(orders)
            outputs = _train_run(model, x[order], y[order], batch_size,
                                 run_epochs, epoch, epochs, verbose,
                                 faults, timeouts)
            for offset in range(run_epochs):
                part = slice(offset * len(x), (offset + 1) * len(x))
                logs = _logs(model, loss_of, y[order][part], outputs[part])
                if validation_data is not None:
                    val_loss, val_accuracy = model.evaluate(x_val, y_val)
                    logs["val_loss"] = val_loss
                    if "accuracy" in model.metrics:
                        logs["val_accuracy"] = val_accuracy
                history.record(epoch + offset, logs)
                if verbose:
                    text = " - ".join(f"{k}: {v:.4f}" for k, v in
                                      logs.items())
                    tqdm.write(f"Epoch {epoch + offset + 1}/{epochs} - "
                               f"{text}")
            epoch += run_epochs
    except BaseException:
        model.set_weights(saved_weights)
        model._optimizer_state = saved_state
        raise
    return history


def _logs(model, loss_of, y_true, y_pred):
    logs = {"loss": float(loss_of(y_true, y_pred))}
    if "accuracy" in model.metrics:
        logs["accuracy"] = losses.accuracy(y_true, y_pred)
    return logs


def _train_run(model, x, y, batch_size, run_epochs, first_epoch, epochs,
               verbose, faults=None, timeouts=None):
    """One toolchain run over run_epochs epochs of (x, y) in order."""
    n_examples = len(x) // run_epochs
    config = model._training_config(n_examples, batch_size)
    batches = list(batches_of(n_examples, batch_size, run_epochs))
    state = {}

    def job(run):
        bar = tqdm(total=len(batches), disable=verbose != 1, leave=False,
                   desc=f"Epochs {first_epoch + 1}-"
                        f"{first_epoch + run_epochs}/{epochs}")

        loss_of = losses.get(model.loss)
        running = {"start": 0, "sum": 0.0}

        def on_batch(end, collector):
            # the running mean over the examples so far, as Keras shows it
            start = running["start"]
            running["sum"] += (end - start) * float(loss_of(
                y[start:end], collector.outputs[start:end]))
            running["start"] = end
            bar.update(1)
            bar.set_postfix(loss=running["sum"] / end)

        try:
            outputs = stream_batches(run, x, y, batches, LABELS_LABEL,
                                     on_batch, run.diagnose)
        finally:
            bar.close()
        read_back(run, model, config)
        return outputs

    outputs, model.last_run = run_network(model.layers, config, job,
                                          faults, timeouts, model.machine)
    config.state.step += len(batches)
    model._optimizer_state = config.state
    return outputs
