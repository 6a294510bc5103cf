"""A numpy model of the fixed-point cores (docs/numerics.md), bit for bit:
the arithmetic of neural_modelling/src/common/fixed_maths.c and numeric.h's
SPINNDL_FIXED half, and the Dense kernels, activations, losses and
optimizers built on it. The parity tests (integration_tests/training/
test_fixed_parity.py) compare the emulator's dense_fixed / dense_train_fixed
cores with it.

Integers are int64 numpy arrays holding int32 values (raw: value * 2^15
for values, weight * 2^24 for weights).

Saturation is counted as the cores count it (docs/numerics.md,
"Saturation"): inside ``counting(counts)`` every result a function clips
to the int32 range adds one to ``counts[where]``, ``where`` being the
(layer, wire_format.SaturationKind) set by ``count_as``; only results the
cores compute are counted (a branch the C does not take is not).
FixedNetwork counts its predict and fit into ``saturations``.
"""

import math
from contextlib import contextmanager
from typing import Dict, List, Optional, Sequence

import numpy as np

from .numerics import (
    INT32_MAX, INT32_MIN, VALUE_FRACTION_BITS as VF, VALUE_SCALE,
    WEIGHT_FRACTION_BITS as WF, WEIGHT_SCALE, from_fixed, to_fixed)
from .wire_format import SATURATION_COUNTERS, SaturationKind

FORWARD, BACKWARD, UPDATE = (SaturationKind.FORWARD, SaturationKind.BACKWARD,
                             SaturationKind.UPDATE)


# --- saturation counting -------------------------------------------------------------
class _Counting:
    counts: Optional[np.ndarray] = None   # (layers, SATURATION_COUNTERS)
    where = (0, int(FORWARD))


@contextmanager
def counting(counts: np.ndarray):
    """Within the block, clipped results are counted into counts
    (an int64 array (layers, SATURATION_COUNTERS)) at count_as's place."""
    saved = _Counting.counts, _Counting.where
    _Counting.counts, _Counting.where = counts, (0, int(FORWARD))
    try:
        yield counts
    finally:
        _Counting.counts, _Counting.where = saved


def count_as(layer: int, kind: SaturationKind) -> None:
    """What is computed from now on: the layer (its index) and the kind,
    as a core's SATURATION_PHASE sets it."""
    _Counting.where = (layer, int(kind))


def _count(n) -> None:
    if _Counting.counts is not None:
        _Counting.counts[_Counting.where] += int(n)


def _clip(x):
    return np.clip(np.asarray(x, dtype=np.int64), INT32_MIN, INT32_MAX)


def _outside(x):
    return (x > INT32_MAX) | (x < INT32_MIN)


# --- fixed_maths.h / fixed_maths.c ---------------------------------------------
def saturate(x):
    x = np.asarray(x, dtype=np.int64)
    _count(np.count_nonzero(_outside(x)))
    return _clip(x)


def saturating_sum(terms, axis: int = -1):
    """value_add(... value_add(value_add(0, t0), t1) ..., tn) along axis:
    the cores' running sums, which saturate at every add that leaves the
    range (each counted), not once at the end."""
    terms = np.moveaxis(np.asarray(terms, dtype=np.int64), axis, -1)
    running = np.cumsum(terms, axis=-1)
    if not np.count_nonzero(_outside(running)):
        return running[..., -1] if terms.shape[-1] else running.sum(-1)
    total = np.zeros(terms.shape[:-1], dtype=np.int64)
    for k in range(terms.shape[-1]):
        total = saturate(total + terms[..., k])
    return total


def round_shift(x, shift: int):
    x = np.asarray(x, dtype=np.int64)
    return saturate((x + (1 << (shift - 1))) >> shift)


def divide(a, b, fraction_bits: int):
    a, b = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(b, np.int64))
    n = np.abs(a) << fraction_bits
    d = np.abs(b)
    safe = np.where(d == 0, 1, d)
    q = (n + (safe >> 1)) // safe
    q = np.where((a < 0) != (b < 0), -q, q)
    # a division by zero saturates (counted) without dividing
    _count(np.count_nonzero(d == 0)
           + np.count_nonzero((d != 0) & _outside(q)))
    return np.where(d == 0, np.where(a >= 0, INT32_MAX, INT32_MIN),
                    _clip(q))


def mul_wide(x, c, shift: int):
    x = np.asarray(x, dtype=np.int64)
    high = x >> shift
    low = x - (high << shift)
    return high * c + ((low * c + (1 << (shift - 1))) >> shift)


def _sqrt_rounded(x: int) -> int:
    root = math.isqrt(int(x))
    if x - root * root > root:
        root += 1
    if root > INT32_MAX:
        _count(1)
        return INT32_MAX
    return root


def sqrt64(x):
    x = np.asarray(x, dtype=np.int64)
    flat = [_sqrt_rounded(v) for v in x.ravel()]
    return np.array(flat, dtype=np.int64).reshape(x.shape)


_INVERSE_FACTORIAL = [1073741824, 1073741824, 536870912, 178956971,
                      44739243, 8947849, 1491308]
_LOG2_E_Q30, _LN_2_Q30 = 1549082005, 744261118
_EXP_LIMIT = 12 << VF


def exp_fixed(x):
    x = np.asarray(x, dtype=np.int64)
    t = x * _LOG2_E_Q30
    n = (t + (1 << 44)) >> 45
    r = (t - n * (1 << 45)) >> 15
    u = (r * _LN_2_Q30) >> 30
    p = np.full_like(x, _INVERSE_FACTORIAL[6])
    for k in range(5, -1, -1):
        p = _INVERSE_FACTORIAL[k] + ((p * u) >> 30)
    shift = 30 - VF - n
    left = p << np.maximum(-shift, 0)
    right = (p + (np.int64(1) << np.maximum(shift - 1, 0))) \
        >> np.maximum(shift, 0)
    result = np.where(shift <= 0, left, right)
    # counted where the C computes: at and above the upper clamp, and a
    # result in between that leaves the range (none below -12)
    inside = (x < _EXP_LIMIT) & (x > -_EXP_LIMIT)
    _count(np.count_nonzero(x >= _EXP_LIMIT)
           + np.count_nonzero(inside & _outside(result)))
    return np.where(x >= _EXP_LIMIT, INT32_MAX,
                    np.where(x <= -_EXP_LIMIT, 0, _clip(result)))


def sigmoid_fixed(x):
    x = np.asarray(x, dtype=np.int64)
    e = exp_fixed(np.where(x < 0, x, -x))
    d = VALUE_SCALE + e
    s = ((1 << (2 * VF)) + (d >> 1)) // d
    s = np.where(x >= 0, s, VALUE_SCALE - s)
    limit = 16 << VF
    return np.where(x >= limit, VALUE_SCALE, np.where(x <= -limit, 0, s))


def tanh_fixed(x):
    x = np.asarray(x, dtype=np.int64)
    e = exp_fixed(-2 * np.abs(x))
    d = VALUE_SCALE + e
    t = (((VALUE_SCALE - e) << VF) + (d >> 1)) // d
    t = np.where(x >= 0, t, -t)
    limit = 10 << VF
    return np.where(x >= limit, VALUE_SCALE,
                    np.where(x <= -limit, -VALUE_SCALE, t))


# --- numeric.h (SPINNDL_FIXED) --------------------------------------------------
def value_mul(a, b):
    return round_shift(np.asarray(a, np.int64) * np.asarray(b, np.int64), VF)


def value_div(a, b):
    return divide(a, b, VF)


def weight_mul(a, b):
    return round_shift(np.asarray(a, np.int64) * np.asarray(b, np.int64), WF)


def weight_div(a, b):
    return divide(a, b, WF)


def weight_sqrt(x):
    x = np.asarray(x, dtype=np.int64)
    return np.where(x <= 0, 0, sqrt64(np.maximum(x, 0) << WF))


def gradient_terms(products):
    """delta x products (30 fraction bits) rounded to weight_t, not
    saturated (numeric.h's gradient_accumulate saturates the sum)."""
    shift = 2 * VF - WF
    return (np.asarray(products, np.int64) + (1 << (shift - 1))) >> shift


def batch_divisor(examples: int) -> int:
    return 0 if examples <= 1 else ((1 << 32) + examples // 2) // examples


def batch_mean(sums, divisor: int):
    sums = np.asarray(sums, dtype=np.int64)
    return sums if divisor == 0 else round_shift(sums * divisor, 32)


def rms_update(root, g, one_minus_beta_2):
    """Adam's v (kept as its root): returns the new root."""
    v = root * root
    v = v + mul_wide(g * g - v, one_minus_beta_2, WF)
    return np.where(v <= 0, 0, sqrt64(np.maximum(v, 0)))


def loss_gradient(loss: str, y, t):
    """dLoss/dy of one example (training_maths.c's loss_gradient): y, t
    raw s16.15; the width the means divide by is y's last axis."""
    width = y.shape[-1] << VF
    y, t = np.broadcast_arrays(np.asarray(y, np.int64),
                               np.asarray(t, np.int64))
    # the cross-entropies compute (and may saturate) where not clipped only
    kept = ~((y <= 0) | (y >= VALUE_SCALE))
    if loss in ("mse", "mean_squared_error"):
        return value_div(value_mul(2 * VALUE_SCALE, y - t), width)
    g = np.zeros(y.shape, dtype=np.int64)
    if loss == "binary_crossentropy":
        g[kept] = value_div(saturate(value_div(-t[kept], y[kept]) + value_div(
            VALUE_SCALE - t[kept], VALUE_SCALE - y[kept])), width)
        return g
    if loss == "categorical_crossentropy":
        g[kept] = value_div(-t[kept], y[kept])
        return g
    raise ValueError(f"no fixed-point reference for loss {loss!r}")


def optimizer_hyper(optimizer) -> Dict[str, int]:
    """A spinndl optimizer's hyper-parameters as the TRAINING region's
    s7.24 words."""
    return {name: int(to_fixed([value], WF)[0]) for name, value
            in optimizer.hyper_parameters().items()}


def adam_powers(hyper, powers):
    """beta^t after one more update, and that update's alpha."""
    powers = [int(weight_mul(powers[0], hyper["beta_1"])),
              int(weight_mul(powers[1], hyper["beta_2"]))]
    alpha = weight_div(weight_mul(hyper["learning_rate"], weight_sqrt(
        WEIGHT_SCALE - powers[1])), WEIGHT_SCALE - powers[0])
    return powers, alpha


def optimizer_step(code: int, hyper, p, sums, slot, slot2, examples: int,
                   alpha=None):
    """training_maths.c's optimizer_update for one array of parameters p
    (raw s7.24) with gradient sums over `examples`; slot, slot2: momentum,
    or Adam's m and sqrt(v). Returns the new (p, slot, slot2)."""
    g = batch_mean(sums, batch_divisor(examples))
    lr = hyper["learning_rate"]
    if code == 0:
        return saturate(p - weight_mul(g, lr)), slot, slot2
    if code == 1:
        slot = saturate(weight_mul(slot, hyper["momentum"])
                        - weight_mul(g, lr))
        return saturate(p + slot), slot, slot2
    slot = saturate(slot + weight_mul(saturate(g - slot),
                                      hyper["one_minus_beta_1"]))
    slot2 = rms_update(slot2, g, hyper["one_minus_beta_2"])
    p = saturate(p - weight_div(weight_mul(slot, alpha),
                                saturate(slot2 + hyper["epsilon"])))
    return p, slot, slot2


# --- layers -------------------------------------------------------------------------
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")


def dense_forward(w, b, x):
    """z of a Dense layer: w (n_inputs, n_atoms) and b raw s7.24, x raw
    s16.15 (n_examples, n_inputs)."""
    acc = x @ w + b * VALUE_SCALE
    return round_shift(acc, WF)


def _per_core(n_atoms: int, per_core: Optional[int]):
    """The (lo, hi) atoms of each core of a layer of n_atoms."""
    per_core = per_core or n_atoms
    return [(lo, min(lo + per_core, n_atoms))
            for lo in range(0, n_atoms, per_core)]


def layer_sum(terms, per_core: Optional[int] = None):
    """A softmax statistic's layer-wide sum along the last axis: each
    core's running sum of its atoms' terms, then the cores' sums added
    in core order as they arrive (the first taken as it is)."""
    parts = [saturating_sum(terms[..., lo:hi])
             for lo, hi in _per_core(terms.shape[-1], per_core)]
    return saturating_sum(np.stack(parts, axis=-1))


def activate(activation: str, z, per_core: Optional[int] = None):
    """per_core: the atoms of each of the layer's cores (softmax sums its
    statistics core by core)."""
    if activation == "relu":
        return np.where(z > 0, z, 0)
    if activation == "sigmoid":
        return sigmoid_fixed(z)
    if activation == "tanh":
        return tanh_fixed(z)
    if activation == "softmax":
        top = z.max(axis=-1, keepdims=True)
        e = exp_fixed(z - top)
        total = layer_sum(e, per_core)[..., None]
        return value_div(e, total)
    return z


class FixedNetwork:
    """Raw fixed-point parameters of a Dense stack, and what its cores
    compute: ``predict`` and ``fit`` as the emulated cores do."""

    def __init__(self, layers, atoms_per_core: Optional[Sequence] = None):
        """layers: a spinndl model's layers after its Input (Dense);
        atoms_per_core: per layer, the atoms of each of its cores (its
        Mapping's atoms_per_core) when it is split: each core rounds its
        share of the partial errors it sends once (None: one core)."""
        self.activations = [layer.activation for layer in layers]
        self.atoms_per_core = list(atoms_per_core or [None] * len(layers))
        self.kernels = [to_fixed(layer.get_weights()[0], WF).astype(np.int64)
                        for layer in layers]
        self.biases = [to_fixed(layer.get_weights()[1], WF).astype(np.int64)
                       for layer in layers]
        #: results clipped by the last predict or fit, by layer and
        #: SaturationKind, as the cores count them
        self.saturations = np.zeros((len(layers), SATURATION_COUNTERS),
                                    dtype=np.int64)

    def weights(self) -> List[np.ndarray]:
        """Keras-layout float32 arrays, as get_weights returns them."""
        out = []
        for kernel, bias in zip(self.kernels, self.biases):
            out += [from_fixed(kernel, WF), from_fixed(bias, WF)]
        return out

    def forward(self, x_raw) -> List[np.ndarray]:
        """Every layer's outputs (raw) for inputs x_raw (raw s16.15)."""
        outputs = [np.asarray(x_raw, dtype=np.int64)]
        for index, (kernel, bias, activation) in enumerate(zip(
                self.kernels, self.biases, self.activations)):
            count_as(index, FORWARD)
            outputs.append(activate(
                activation, dense_forward(kernel, bias, outputs[-1]),
                self.atoms_per_core[index]))
        return outputs

    def predict(self, x) -> np.ndarray:
        self.saturations[...] = 0
        with counting(self.saturations):
            return from_fixed(self.forward(to_fixed(x, VF))[-1], VF)

    # --- training ---------------------------------------------------------
    def _backward_example(self, outputs, g, sums):
        """One example's gradients into sums (in place), from dLoss/dy g."""
        for index in range(len(self.kernels) - 1, -1, -1):
            count_as(index, BACKWARD)
            y, x = outputs[index + 1], outputs[index]
            activation = self.activations[index]
            if activation == "relu":
                g = np.where(y > 0, g, 0)
            elif activation == "sigmoid":
                g = value_mul(g, value_mul(y, VALUE_SCALE - y))
            elif activation == "tanh":
                g = value_mul(g, VALUE_SCALE - value_mul(y, y))
            elif activation == "softmax":
                dot = layer_sum(value_mul(y, g), self.atoms_per_core[index])
                g = value_mul(y, g - dot)
            delta = g
            kernel_sums, bias_sums = sums[index]
            kernel_sums[...] = saturate(kernel_sums + gradient_terms(
                np.outer(x, delta)))
            bias_sums[...] = saturate(bias_sums + saturate(
                delta * (WEIGHT_SCALE // VALUE_SCALE)))
            if index > 0:
                kernel = self.kernels[index]
                # each core's share rounded (and saturated) by that core,
                # then filed by the previous layer's cores, which add the
                # shares as they arrive (in core order here)
                shares = [round_shift(kernel[:, lo:hi] @ delta[lo:hi], WF)
                          for lo, hi in _per_core(
                              len(delta), self.atoms_per_core[index])]
                count_as(index - 1, BACKWARD)
                g = saturating_sum(np.stack(shares, axis=-1))

    def fit(self, x, y, loss: str, optimizer, batch_size: int,
            epochs: int = 1, sample_weight=None):
        """Trains as fit(shuffle=False) does on the cores; returns the
        forward outputs (float32) of every example run. optimizer: a
        spinndl SGD or Adam (its hyper_parameters()); sample_weight: one
        per example, scaling its loss gradient."""
        hyper = optimizer_hyper(optimizer)
        code = optimizer.code
        x_raw = to_fixed(x, VF).astype(np.int64)
        t_raw = to_fixed(y, VF).astype(np.int64)
        w_raw = None if sample_weight is None else \
            to_fixed(sample_weight, VF).astype(np.int64)
        slots = [[np.zeros_like(k), np.zeros_like(b)] for k, b in
                 zip(self.kernels, self.biases)]
        slots2 = [[np.zeros_like(k), np.zeros_like(b)] for k, b in
                  zip(self.kernels, self.biases)]
        powers = [WEIGHT_SCALE, WEIGHT_SCALE]
        outputs_seen = []
        self.saturations[...] = 0
        with counting(self.saturations):
            for _ in range(epochs):
                powers = self._epoch(x_raw, t_raw, w_raw, loss, code, hyper,
                                     powers, slots, slots2, batch_size,
                                     outputs_seen)
        return from_fixed(np.array(outputs_seen), VF)

    def _epoch(self, x_raw, t_raw, w_raw, loss, code, hyper, powers, slots,
               slots2, batch_size, outputs_seen):
        """One epoch of fit; returns Adam's powers after it."""
        n = len(x_raw)
        output_layer = len(self.kernels) - 1
        for start in range(0, n, batch_size):
            end = min(start + batch_size, n)
            sums = [[np.zeros_like(k), np.zeros_like(b)] for k, b in
                    zip(self.kernels, self.biases)]
            for i in range(start, end):
                outputs = self.forward(x_raw[i])
                outputs_seen.append(outputs[-1])
                count_as(output_layer, BACKWARD)
                g = loss_gradient(loss, outputs[-1], t_raw[i])
                if w_raw is not None:
                    g = value_mul(g, w_raw[i])
                self._backward_example(outputs, g, sums)
            powers = self._update(code, hyper, powers, sums, slots,
                                  slots2, end - start)
        return powers

    def _update(self, code, hyper, powers, sums, slots, slots2, examples):
        alpha, stepped = None, powers
        for index in range(len(self.kernels)):
            count_as(index, UPDATE)
            if code == 2:   # every core steps its own powers
                stepped, alpha = adam_powers(hyper, powers)
            params = [self.kernels[index], self.biases[index]]
            for which in range(2):
                params[which][...], slots[index][which], \
                    slots2[index][which] = optimizer_step(
                        code, hyper, params[which], sums[index][which],
                        slots[index][which], slots2[index][which],
                        examples, alpha)
        return stepped


@contextmanager
def weight_fraction_bits(bits: int):
    """Within the block the model computes as if weight_t had ``bits``
    fraction bits (fixed_maths.h's WEIGHT_FRACTION_BITS): for measuring
    the format's choice (spinndl.benchmarks.numerics), not the cores."""
    global WF, WEIGHT_SCALE  # pylint: disable=global-statement
    saved = WF, WEIGHT_SCALE
    WF, WEIGHT_SCALE = bits, 1 << bits
    try:
        yield
    finally:
        WF, WEIGHT_SCALE = saved
