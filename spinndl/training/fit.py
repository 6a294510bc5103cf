"""Model.fit: validate, stream, read back, report (docs/training.md)."""

import copy
import math
import numbers

import numpy as np
from tqdm import tqdm

from ..backend.runner import run_network
from ..backend.streaming import MachineError
from ..callbacks import CallbackList, History
from ..graph.data_source import BoardTraining
from ..graph.network import LABELS_LABEL
from ..wire_format import encode_labels
from .config import LOSS_CODES, SPARSE_LOSSES
from .stream import collect_batches, stream_batches

#: Keras' default batch size.
DEFAULT_BATCH_SIZE = 32


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_labels(model, y, n_examples: int, what: str,
                 loss=None) -> np.ndarray:
    """Targets as float32 (n, *output shape), or for a sparse loss class
    indices as int64 (n,); or a ValueError: wrong shape, not numbers
    (strings, objects), non-finite, class index out of range. Keras'
    shapes: (n,) for a 1-unit output, (n,) or (n, 1) class indices."""
    output = model.layers[-1]
    array = np.asarray(y)
    if not (np.issubdtype(array.dtype, np.number)
            or np.issubdtype(array.dtype, np.bool_)):
        raise ValueError(f"{what}: numbers expected, got {array.dtype} "
                         f"(labels must be numeric arrays)")
    if (loss or model.loss) in SPARSE_LOSSES:
        return _check_class_indices(output, array, n_examples, what)
    expected = (n_examples,) + output.output_shape
    if output.output_shape == (1,) and array.shape == (n_examples,):
        array = array.reshape(expected)   # Keras expands (n,) to (n, 1)
    if array.shape != expected:
        raise ValueError(f"{what}: shape {expected} expected (one row per "
                         f"example, the output layer "
                         f"{output.name!r} has "
                         f"{output.n_values} units), got "
                         f"{array.shape}")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{what}: non-finite value {array[index]} at "
                         f"index {index}")
    return array


def _check_class_indices(output, y, n_examples: int, what: str
                         ) -> np.ndarray:
    array = np.asarray(y)
    if array.shape not in ((n_examples,), (n_examples, 1)):
        raise ValueError(f"{what}: class indices of shape ({n_examples},) "
                         f"or ({n_examples}, 1) expected for "
                         f"sparse_categorical_crossentropy, got "
                         f"{array.shape}")
    array = array.reshape(n_examples)
    if not (np.issubdtype(array.dtype, np.integer) or
            np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{what}: integer class indices expected, got "
                         f"dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            index = int(np.argwhere(bad)[0][0])
            raise ValueError(f"{what}: class index {array[index]} of "
                             f"example {index} is not an integer")
    bad = (array < 0) | (array >= output.n_values)
    if bad.any():
        index = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{what}: class index {array[index]:g} of example "
                         f"{index} is out of range: the output layer "
                         f"{output.name!r} has {output.n_values} units "
                         f"(indices 0..{output.n_values - 1})")
    return array.astype(np.int64)


def _check_sample_weight(sample_weight, n_examples: int, what: str):
    """Keras' per-example weights, (n,) or (n, 1), as float32 (n,)."""
    array = np.asarray(sample_weight)
    if array.shape not in ((n_examples,), (n_examples, 1)):
        raise ValueError(f"{what}: one weight per example expected, shape "
                         f"({n_examples},), got {array.shape}")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{what}: numbers expected, got {array.dtype}")
    array = array.reshape(n_examples).astype(np.float32)
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{what}: non-finite weight {array[index]} of "
                         f"example {index}")
    return array


def class_weights_to_sample_weights(y, class_weight) -> np.ndarray:
    """Keras' rule: each example weighs class_weight[its class] (1 for a
    class not in the dict); the class is the argmax of a target row, or
    the rounded value of a single target or class index."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class index: "
                         f"weight}}, got {class_weight!r}")
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, numbers.Integral):
            raise ValueError(f"class_weight: class indices must be ints, "
                             f"got {key!r}")
        if not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"class_weight[{key}]: a finite number "
                             f"expected, got {value!r}")
    classes = np.asarray(y)
    if classes.ndim > 1:
        classes = np.argmax(classes, -1) if classes.shape[-1] != 1 \
            else classes[..., 0]
    classes = np.round(classes).astype(np.int64)
    return np.array([class_weight.get(int(c), 1.0) for c in classes],
                    dtype=np.float32)


def _check_initial_epoch(initial_epoch, epochs: int) -> int:
    if isinstance(initial_epoch, bool) or not isinstance(
            initial_epoch, numbers.Integral) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be an integer >= 0, got "
                         f"{initial_epoch!r}")
    if initial_epoch >= epochs:
        raise ValueError(f"initial_epoch ({initial_epoch}) must be below "
                         f"epochs ({epochs}): epochs is the index of the "
                         f"last epoch + 1, as in Keras")
    return int(initial_epoch)


def _check_validation_data(model, validation_data):
    """(x_val, y_val, weights or None), checked."""
    if len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be (x_val, y_val) or "
                         "(x_val, y_val, sample_weight_val)")
    x_val = model._check_inputs(validation_data[0], "validation x")
    y_val = check_labels(model, validation_data[1], len(x_val),
                          "validation y")
    w_val = None
    if len(validation_data) == 3 and validation_data[2] is not None:
        w_val = _check_sample_weight(validation_data[2], len(x_val),
                                     "validation sample_weight")
    return x_val, y_val, w_val


def _check_validation_freq(validation_freq) -> None:
    ok = (isinstance(validation_freq, numbers.Integral) and
          not isinstance(validation_freq, bool) and validation_freq >= 1) \
        or (isinstance(validation_freq, (list, tuple)) and all(
            isinstance(e, numbers.Integral) for e in validation_freq))
    if not ok:
        raise ValueError(f"validation_freq must be a positive integer or a "
                         f"list of epochs (from 1), got {validation_freq!r}")


def _validates(epoch: int, validation_freq) -> bool:
    """Keras' rule: validate after epoch (from 0) when epoch + 1 is a
    multiple of an int validation_freq, or is in a list of them."""
    if isinstance(validation_freq, numbers.Integral):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def split_validation(x, y, weights, validation_split: float):
    """Keras' split: the last fraction of x, y (and the sample weights),
    taken before any shuffling, validates."""
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1), got "
                         f"{validation_split!r}")
    split_at = int(math.floor(len(x) * (1.0 - validation_split)))
    if split_at in (0, len(x)):
        raise ValueError(
            f"Training data contains {len(x)} samples, which is not "
            f"sufficient to split it into a validation and training set as "
            f"specified by `validation_split={validation_split}`. Either "
            f"provide more data, or a different value for the "
            f"`validation_split` argument.")
    return ((x[:split_at], y[:split_at],
             None if weights is None else weights[:split_at]),
            (x[split_at:], y[split_at:],
             None if weights is None else weights[split_at:]))


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
        _check_replicas_agree(run, vertex, weights)
        vertex.layer.set_weights(weights)
        config.state.slots[vertex.layer.name] = slots


def _check_replicas_agree(run, vertex, weights) -> None:
    """Replicas apply the same combined update: their weights must be the
    same bits; a replica that differs names itself (nothing is set)."""
    for peer in vertex.replica_peers[1:]:
        theirs, _ = peer.read_weights(run.read_region, 0)
        for index, (mine, other) in enumerate(zip(weights, theirs)):
            if not np.array_equal(mine.view(np.uint32),
                                  other.view(np.uint32)):
                where = np.argwhere(mine.view(np.uint32)
                                    != other.view(np.uint32))[0]
                raise MachineError(
                    f"replica {peer.replica_index} of layer "
                    f"{vertex.layer.name!r} ({peer.label!r}) ended with "
                    f"other weights than replica 0: array {index} at "
                    f"{tuple(int(i) for i in where)}: "
                    f"{other[tuple(where)]} vs {mine[tuple(where)]}")


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto",
        callbacks=None, validation_split=0.0, validation_data=None,
        shuffle=True, class_weight=None, sample_weight=None,
        initial_epoch=0, validation_freq=1, seed=None, faults=None,
        timeouts=None) -> History:
    # Everything is checked before anything is mapped.
    x = model._check_inputs(x)
    y = check_labels(model, y, len(x), "y")
    batch_size = _check_positive_int(
        "batch_size", DEFAULT_BATCH_SIZE if batch_size is None
        else batch_size)
    epochs = _check_positive_int("epochs", epochs)
    initial_epoch = _check_initial_epoch(initial_epoch, epochs)
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at "
                         "the same time.")
    weights = None if sample_weight is None else _check_sample_weight(
        sample_weight, len(x), "sample_weight")
    if validation_data is not None:   # overrides validation_split (Keras)
        validation_data = _check_validation_data(model, validation_data)
    elif validation_split:
        (x, y, weights), validation_data = split_validation(
            x, y, weights, validation_split)
    if class_weight is not None:   # Keras weighs the training part only
        weights = class_weights_to_sample_weights(y, class_weight)
    _check_validation_freq(validation_freq)
    verbose = 1 if verbose == "auto" else int(verbose)
    rng = np.random.default_rng(seed)
    for _ in range(initial_epoch if shuffle else 0):
        rng.permutation(len(x))   # the orders earlier epochs used
    steps = math.ceil(len(x) / batch_size)
    history = History()
    params = {"verbose": verbose, "epochs": epochs, "steps": steps}
    callback_list = CallbackList(list(callbacks or []) + [history], model,
                                 params)
    if model.loss not in SPARSE_LOSSES:
        model._numerics.check_values(y, "y (labels)")
    if weights is not None:
        model._numerics.check_values(weights, "sample_weight")
    words = encode_labels(LOSS_CODES[model.loss], y, weights,
                          model._numerics)
    on_board = model.layout.data_source == "board"
    if on_board and callback_list.has_batch_hooks:
        hooked = type(callback_list.batch_hooked()[0]).__name__
        raise ValueError(
            f"callback {hooked} acts at batch ends, but with "
            f"data_source='board' the data source streams a whole epoch "
            f"on the machine without the host (docs/training.md); use "
            f"data_source='host' for batch callbacks")

    # With validation one run per epoch (Keras validates each epoch's
    # weights, and a run cannot start another), and with an on-board data
    # source too (its SDRAM holds one epoch's order, and the host reads
    # the weights back between runs); otherwise every epoch in one run,
    # each finished from the stream as its last batch is acked.
    epochs_per_run = 1 if validation_data is not None or on_board \
        else epochs
    saved_weights = model.get_weights()
    saved_state = copy.deepcopy(model._optimizer_state)
    model.stop_training = False
    try:
        callback_list.on_train_begin()
        logs = None
        epoch = initial_epoch
        while epoch < epochs and not model.stop_training:
            run_epochs = min(epochs_per_run, epochs - epoch)
            order = np.concatenate([
                rng.permutation(len(x)) if shuffle else np.arange(len(x))
                for _ in range(run_epochs)])
            trainer = _EpochReporter(
                model, callback_list, y[order],
                None if weights is None else weights[order], epoch, epochs,
                steps, verbose, validation_data, validation_freq)
            _train_run(model, model._numerics.input_payloads(x[order]),
                       words[order], batch_size, len(x),
                       run_epochs, weights is not None, trainer, faults,
                       timeouts)
            trainer.finish_pending()
            logs = trainer.logs
            epoch += trainer.epochs_done
        callback_list.on_train_end(logs)
    except BaseException:
        model.set_weights(saved_weights)
        model._optimizer_state = saved_state
        raise
    return history


class _EpochReporter:
    """Loss and metrics as batches and epochs end, callbacks, progress.

    In a run without validation an epoch is finished (logs, line, callbacks)
    as soon as its last batch is acked, with the weights read back from
    the cores at that barrier; a callback setting model.stop_training ends
    the run there. With validation the epoch is finished after its run, as
    validation needs a run of its own."""

    def __init__(self, model, callback_list, y, weights, first_epoch,
                 epochs, steps, verbose, validation_data, validation_freq):
        self.model, self.callbacks, self.y = model, callback_list, y
        self.weights = weights
        self.first_epoch, self.epochs, self.steps = first_epoch, epochs, steps
        self.verbose, self.validation_data = verbose, validation_data
        self.validation_freq = validation_freq
        self.epochs_done = 0
        self.logs = None
        self._pending = None
        self._bar = None
        self._running = None

    def epoch_begins(self, offset: int) -> None:
        epoch = self.first_epoch + offset
        self.callbacks.on_epoch_begin(epoch)
        self._running = {"examples": 0, "sums": {}}
        self._bar = tqdm(total=self.steps, disable=self.verbose != 1,
                         leave=False, desc=f"Epoch {epoch + 1}/{self.epochs}")
        self.callbacks.on_train_batch_begin(0)

    def _weights(self, start, end):
        return None if self.weights is None else self.weights[start:end]

    def batch_ends(self, batch: int, start: int, end: int, y_pred) -> None:
        """Keras' batch logs: running means over the epoch so far."""
        running = self._running
        size = end - start
        for name, value in self.model._logs(
                self.y[start:end], y_pred,
                sample_weight=self._weights(start, end)).items():
            running["sums"][name] = running["sums"].get(name, 0.0) \
                + size * value
        running["examples"] += size
        logs = {name: total / running["examples"]
                for name, total in running["sums"].items()}
        self._bar.update(1)
        self._bar.set_postfix(loss=logs["loss"])
        self.callbacks.on_train_batch_end(batch, logs)
        if batch + 1 < self.steps and not self.model.stop_training:
            # the stream sends it once we return
            self.callbacks.on_train_batch_begin(batch + 1)

    def epoch_ends(self, offset: int, start: int, end: int, outputs,
                   read_back) -> bool:
        """Examples start..end of the run were the epoch's (all of them,
        or fewer when a batch callback stopped training, as Keras ends an
        epoch early). Returns True to stop the run."""
        self.close_bar()
        logs = self.model._logs(self.y[start:end], outputs,
                                sample_weight=self._weights(start, end))
        if self.validation_data is not None and \
                _validates(self.first_epoch + offset, self.validation_freq):
            self._pending = (offset, logs)   # after the run: validate
            return False
        read_back()
        self._finish(offset, logs)
        return bool(self.model.stop_training)

    def close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def finish_pending(self) -> None:
        if self._pending is not None:
            offset, logs = self._pending
            self._pending = None
            x_val, y_val, w_val = self.validation_data
            values = self.model.evaluate(x_val, y_val, sample_weight=w_val,
                                         return_dict=True)
            logs.update({f"val_{name}": value
                         for name, value in values.items()})
            self._finish(offset, logs)

    def _finish(self, offset: int, logs) -> None:
        epoch = self.first_epoch + offset
        if self.verbose:
            text = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            tqdm.write(f"Epoch {epoch + 1}/{self.epochs} - {text}")
        self.callbacks.on_epoch_end(epoch, logs)
        self.logs = logs
        self.epochs_done = offset + 1


def _train_run(model, x, label_words, batch_size, n_examples, run_epochs,
               weighted, reporter: _EpochReporter, faults=None,
               timeouts=None) -> None:
    """One toolchain run over up to run_epochs epochs of (x, labels) in
    order; the reporter may stop it after any epoch."""
    config = model._training_config(n_examples, batch_size)
    config.sample_weights = weighted
    batches = list(batches_of(n_examples, batch_size, run_epochs))

    def job(run):
        state = {"start": 0, "batch": 0}

        def on_batch(end, collector):
            start = state["start"]
            config.state.step += 1
            if reporter.callbacks.has_batch_hooks:
                # batch callbacks see this batch's weights, as in Keras: the
                # batch end is a barrier, the cores' SDRAM is up to date
                read_back(run, model, config)
            reporter.batch_ends(state["batch"], start, end,
                                collector.outputs[start:end])
            state["start"], state["batch"] = end, state["batch"] + 1
            # a batch callback may stop training mid-epoch (Keras does too)
            stopped_in_batch = bool(model.stop_training)
            if end % n_examples and not stopped_in_batch:
                return False
            offset = (end - 1) // n_examples
            epoch_start = offset * n_examples
            state["batch"] = 0
            stop = reporter.epoch_ends(
                offset, epoch_start, end, collector.outputs[epoch_start:end],
                lambda: read_back(run, model, config))
            if not (stop or stopped_in_batch) and offset + 1 < run_epochs:
                reporter.epoch_begins(offset + 1)
            return stop or stopped_in_batch

        reporter.epoch_begins(0)
        try:
            if on_board:
                collect_batches(run, batches, on_batch, run.diagnose)
            else:
                stream_batches(run, x, label_words, batches, LABELS_LABEL,
                               on_batch, run.diagnose)
        finally:
            reporter.close_bar()
        read_back(run, model, config)

    # data_source="board": the examples and labels of the run go to the
    # data sources' SDRAM at load time
    on_board = model.layout.data_source == "board"
    _, model.last_run = run_network(
        model.layers, config, job, faults, timeouts, model.machine,
        model._numerics, model._layout(True),
        BoardTraining(x, label_words, batches) if on_board else None)
    model._optimizer_state = config.state
