"""Metrics with Keras 3's names and formulas (numpy, host side): each is a
per-example value averaged over the examples, as Keras' mean metrics
report them at an epoch's end.

``y_true`` is a target row per example, or a class index per example for
the sparse metrics; ``y_pred`` the output rows.
"""

from typing import Callable, Dict, List

import numpy as np

#: Keras' default k of the top-k accuracies.
TOP_K = 5


def _class_indices(y_true) -> np.ndarray:
    return np.asarray(y_true).reshape(-1).astype(np.int64)


def _in_top_k(targets: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Keras' in_top_k: the target's rank (1 + outputs strictly above it)
    is at most k, so ties count in."""
    at_target = np.take_along_axis(y_pred, targets[:, None], axis=-1)
    return 1 + np.sum(y_pred > at_target, axis=-1) <= k


def binary_accuracy(y_true, y_pred) -> float:
    return float(np.mean((y_pred > 0.5).astype(np.float32) == y_true))


def categorical_accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.argmax(y_true, -1) == np.argmax(y_pred, -1)))


def sparse_categorical_accuracy(y_true, y_pred) -> float:
    return float(np.mean(_class_indices(y_true) == np.argmax(y_pred, -1)))


def top_k_categorical_accuracy(y_true, y_pred, k: int = TOP_K) -> float:
    return float(np.mean(_in_top_k(np.argmax(y_true, -1), y_pred, k)))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = TOP_K
                                      ) -> float:
    return float(np.mean(_in_top_k(_class_indices(y_true), y_pred, k)))


def mean_squared_error(y_true, y_pred) -> float:
    return float(np.mean(np.mean((y_pred - y_true) ** 2, axis=-1)))


def mean_absolute_error(y_true, y_pred) -> float:
    return float(np.mean(np.mean(np.abs(y_pred - y_true), axis=-1)))


#: Keras names (and aliases) → function; "accuracy" / "acc" are resolved
#: by ``resolve`` as Keras does.
METRICS: Dict[str, Callable] = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
}
ACCURACY_NAMES = ("accuracy", "acc")
#: Which way is better, for EarlyStopping and ModelCheckpoint's mode="auto"
#: (Keras' metrics' _direction).
HIGHER_IS_BETTER = {name for name in METRICS if "accuracy" in name} | set(
    ACCURACY_NAMES)
LOWER_IS_BETTER = {"loss"} | (set(METRICS) - HIGHER_IS_BETTER)
#: Metrics whose labels are class indices.
SPARSE_METRICS = ("sparse_categorical_accuracy",
                  "sparse_top_k_categorical_accuracy")


def check_names(metrics) -> List[str]:
    """The metric names, or a ValueError naming the unknown one."""
    if isinstance(metrics, str):
        metrics = [metrics]
    names = list(metrics or [])
    for name in names:
        if not isinstance(name, str) or (name not in METRICS and
                                         name not in ACCURACY_NAMES):
            raise ValueError(
                f"unknown metric {name!r}; spinndl computes "
                f"{sorted(ACCURACY_NAMES + tuple(METRICS))}")
    return names


def resolve(name: str, sparse_labels: bool, output_units: int) -> Callable:
    """The function behind a metric name. "accuracy" is Keras' choice:
    binary for a single output, sparse categorical for class-index labels,
    else categorical."""
    if name in ACCURACY_NAMES:
        if output_units == 1:
            return binary_accuracy
        return sparse_categorical_accuracy if sparse_labels \
            else categorical_accuracy
    return METRICS[name]
