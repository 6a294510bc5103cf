"""Callbacks with Keras 3's hook names and rules: ``fit`` calls
``on_train_begin``, then per epoch ``on_epoch_begin``,
``on_train_batch_end`` after each batch and ``on_epoch_end(epoch, logs)``,
and ``on_train_end``. A callback stops training by setting
``self.model.stop_training = True``.

``EarlyStopping`` follows Keras' stopping rule line for line (the tests
drive Keras' own EarlyStopping with the same logs); ``ModelCheckpoint``
saves with ``model.save`` / ``model.save_weights`` (spinndl's format,
docs/saving.md), not Keras' ``.keras`` files.
"""

import csv
import math
import os
import warnings
from typing import Dict, List, Optional

from .metrics import HIGHER_IS_BETTER, LOWER_IS_BETTER


class Callback:
    """Base class: override the hooks you need. ``self.model`` is the model
    being trained, ``self.params`` fit's {"verbose", "epochs", "steps"}."""

    def __init__(self) -> None:
        self.model = None
        self.params: Dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: Dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass

    # Keras' training batch hooks call the older generic ones.
    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class CallbackList:
    """Calls every callback's hook in order."""

    def __init__(self, callbacks, model, params: Dict):
        self.callbacks: List[Callback] = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be spinndl.callbacks."
                                f"Callback instances, got {callback!r}")
            callback.set_model(model)
            callback.set_params(params)

    #: the hooks fit calls around every batch
    BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end",
                   "on_batch_begin", "on_batch_end")

    @property
    def has_batch_hooks(self) -> bool:
        """Whether any callback does something around batches (fit then
        reads the weights back after every batch for them)."""
        return bool(self.batch_hooked())

    def batch_hooked(self) -> List[Callback]:
        """The callbacks that do something around batches."""
        return [callback for callback in self.callbacks
                if any(hook in vars(callback) or
                       getattr(type(callback), hook) is not getattr(
                           Callback, hook)
                       for hook in self.BATCH_HOOKS)]

    # As Keras' CallbackList: logs always passed, positionally, {} if none.
    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", logs, epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", logs, epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", logs, batch)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", logs, batch)

    def _call(self, hook: str, logs, *index) -> None:
        logs = logs or {}
        for callback in self.callbacks:
            getattr(callback, hook)(*index, logs)


class LambdaCallback(Callback):
    """Hooks from plain functions: ``LambdaCallback(on_epoch_end=lambda
    epoch, logs: ...)``, as Keras' LambdaCallback."""

    HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin",
             "on_train_end", "on_train_batch_begin", "on_train_batch_end")

    def __init__(self, **hooks):
        super().__init__()
        for name, function in hooks.items():
            if name not in self.HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; "
                                 f"choose from {list(self.HOOKS)}")
            if function is not None:
                setattr(self, name, function)


class TerminateOnNaN(Callback):
    """Stop training (or raise, with raise_error) when a batch's loss is
    NaN or infinite, as Keras' TerminateOnNaN."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss "
                    f"value: {loss}. Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """One CSV row per epoch: ``epoch`` then the logs' keys, sorted (and
    their ``val_`` forms when the first epoch had no validation), as
    Keras' CSVLogger writes it."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = str(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._file = None
        self._writer = None
        self._header = True

    def on_train_begin(self, logs=None):
        mode, self._header = "w", True
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as file:
                    self._header = not file.readline()
            mode = "a"
        self._file = open(self.filename, mode, newline="")
        self._writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_")
                                     for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch"] + self.keys,
                delimiter=self.sep)
            if self._header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, logs.get(key, "NA")) for key in self.keys)
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._writer = None


class History(Callback):
    """What fit returns: ``history.history["loss"]`` etc., ``.epoch`` (the
    epoch indices run) and ``.params``."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch: List[int] = []
        self.history: Dict[str, List[float]] = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.model.history = self

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class MonitorCallback(Callback):
    """A monitored quantity and which way is better (Keras'
    MonitorCallback): mode "min", "max" or "auto" (from the name: losses,
    mse and mae go down, accuracies up)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None,
                 min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown, "
                          f"fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self._lower_is_better: Optional[bool] = None

    def _set_direction(self) -> None:
        if self.mode != "auto":
            self._lower_is_better = self.mode == "min"
        else:
            name = self.monitor.removeprefix("val_")
            if name in LOWER_IS_BETTER:
                self._lower_is_better = True
            elif name in HIGHER_IS_BETTER:
                self._lower_is_better = False
            else:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor="
                    f"{self.monitor}, but spinndl cannot tell whether that "
                    f"metric should be maximized or minimized. Pass "
                    f"mode='max' or mode='min'.")
        if self._lower_is_better:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        if self._lower_is_better:
            return value - self.min_delta < reference
        return value - self.min_delta > reference


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta``
    for ``patience`` epochs (Keras 3's rule: an epoch counts once
    ``epoch >= start_from_epoch``; training never stops at epoch 0; with a
    ``baseline`` the wait restarts only on beating it too). With
    ``restore_best_weights`` the model gets the best epoch's weights when
    training ends (if an epoch was monitored)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0,
                 verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self._lower_is_better is None:
            self._set_direction()
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric "
                          f"`{self.monitor}` which is not available. "
                          f"Available metrics are: "
                          f"{','.join(logs or {})}", stacklevel=2)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(
                    current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best "
                      f"epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``, or ``model.save_weights`` with
    ``save_weights_only``) at each epoch's end, to ``filepath`` formatted
    with ``epoch`` (from 1) and the logs, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.spinndl"``. With ``save_best_only``
    only when ``monitor`` improved (the file is overwritten unless its name
    changes). ``initial_value_threshold`` as in Keras. Only
    ``save_freq="epoch"``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0,
                 save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint: only save_freq='epoch' is "
                             f"supported, got {save_freq!r}")
        self.filepath = str(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch, logs=None):
        if self._lower_is_better is None:
            self._set_direction()
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as error:
            raise KeyError(f"Failed to format this callback filepath: "
                           f"\"{self.filepath}\". Reason: {error}") from None
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with "
                              f"{self.monitor} available.", stacklevel=2)
            elif not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not "
                          f"improve from {self.best:.5f}")
                return
            else:
                if self.verbose > 0:
                    best = "None" if self.best is None \
                        else f"{self.best:.5f}"
                    print(f"Epoch {epoch + 1}: {self.monitor} improved from "
                          f"{best} to {current:.5f}, saving model to {path}")
                self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
