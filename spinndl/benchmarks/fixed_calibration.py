"""The ARM968 calibration of the fixed-point kernels (the SPINNDL_FIXED
build of the same sources, common/numeric.h): every case of
arm_calibration.Calibration again with s16.15 values and s7.24 weights,
each kernel's outputs checked bit for bit against spinndl.fixed_reference,
and the WORK_FIXED_* charges of common/work.h against the measured cycles.
"""

from __future__ import annotations

import struct

import numpy as np

from .. import fixed_reference as ref
from ..numerics import (
    VALUE_FRACTION_BITS as VF, VALUE_SCALE, WEIGHT_FRACTION_BITS as WF,
    WEIGHT_SCALE, to_fixed)
from ..optimizers import SGD, Adam
from .arm_calibration import Calibration
from ..wire_format import EXAMPLE_SLOT_BITS, SOFTMAX_KEYS_PER_CORE


def _signed(word: int) -> int:
    return struct.unpack("<i", struct.pack("<I", word & 0xFFFFFFFF))[0]


class FixedCalibration(Calibration):
    PREFIX = "fixed "

    def _values(self, values) -> np.ndarray:
        return to_fixed(values, VF).astype(np.int32)

    def _weights(self, values) -> np.ndarray:
        return to_fixed(values, WF).astype(np.int32)

    def _get(self, address, count):
        return self.m.get(address, count, np.int32).astype(np.int64)

    def windows(self):
        """None here: the window kinds (conv, pooling, the kernel
        reduction) have no fixed-point programs yet (docs/numerics.md);
        the float calibration measures their kernels."""

    def forward(self, n_atoms: int, n_inputs: int, zeros: float = 0.0):
        w = self._weights(self.rng.normal(0, 0.5, (n_atoms, n_inputs)))
        b = self._weights(self.rng.normal(0, 0.5, n_atoms))
        x = self._values(self.rng.uniform(-1, 1, n_inputs))
        x[self.rng.uniform(0, 1, n_inputs) < zeros] = 0
        pw = self.m.put(np.concatenate([w.ravel(), b]))
        px, pz = self.m.put(x), self.m.alloc(4 * n_atoms)
        want = ref.round_shift(w.astype(np.int64) @ x + b.astype(np.int64)
                               * VALUE_SCALE, WF)

        def check(values):
            np.testing.assert_array_equal(self._get(pz, n_atoms), want)
            assert _signed(values[0]) == want.max()
        self._run(f"forward {n_atoms}x{n_inputs}, {zeros:.0%} zero inputs",
                  "MAC", [("dense_weighted_sums",
                           (pw, px, pz, n_atoms, n_inputs))], check)

    def activations(self, n: int = 32):
        z = self._values(self.rng.uniform(-4, 4, n))
        for activation, name in [(0, "linear"), (1, "relu"),
                                 (2, "sigmoid"), (3, "tanh")]:
            p = self.m.put(z)
            want = ref.activate(name, z.astype(np.int64))

            def check(_values, p=p, want=want):
                np.testing.assert_array_equal(self._get(p, n), want)
            self._run(f"activation {name}", "atom",
                      [("forward_activate", (activation, p, n))], check)

    def softmax(self, n: int = 16):
        z = self._values(self.rng.uniform(-4, 4, n)).astype(np.int64)
        top = int(z.max())
        e = ref.exp_fixed(z - top)
        total = int(ref.saturate(e.sum()))
        p = self.m.put(z.astype(np.int32))

        def check_sum(values):
            assert _signed(values[0]) == total
        self._run("softmax sum", "atom",
                  [("softmax_local_sum", (p, n, top))], check_sum)

        def check_normalise(_values):
            np.testing.assert_array_equal(self._get(p, n),
                                          ref.value_div(e, total))
        self._run("softmax normalise", "atom",
                  [("softmax_normalise", (p, n, top, total))],
                  check_normalise)

    def losses(self, n: int = 16):
        y = self._values(self.rng.uniform(0.05, 0.95, n)).astype(np.int64)
        t = self._values(self.rng.uniform(0, 1, n) > 0.5).astype(np.int64)
        for loss, name, key in [(1, "mse", "mse"),
                                (2, "bce", "binary_crossentropy"),
                                (3, "cce", "categorical_crossentropy")]:
            py, pt = self.m.put(y.astype(np.int32)), \
                self.m.put(t.astype(np.int32))
            pg = self.m.alloc(4 * n)
            want = ref.loss_gradient(key, y, t)

            def check(_values, pg=pg, want=want):
                np.testing.assert_array_equal(self._get(pg, n), want)
            self._run(f"loss gradient {name}", "atom",
                      [("loss_gradient", (loss, py, pt, pg, n, n))], check)

    def sparse_loss_and_weights(self, n: int = 16):
        y = self._values(self.rng.uniform(0.05, 0.95, n))
        py, pg = self.m.put(y), self.m.alloc(4 * n)
        label, lo_atom = 21, 16
        want = np.zeros(n, np.int64)
        want[label - lo_atom] = ref.value_div(-VALUE_SCALE,
                                              int(y[label - lo_atom]))

        def check_sparse(_values):
            np.testing.assert_array_equal(self._get(pg, n), want)
        self._run("loss gradient sparse cce", "atom",
                  [("sparse_loss_gradient", (py, label, lo_atom, pg, n))],
                  check_sparse)
        g = self._values(self.rng.normal(0, 1, n))
        pg = self.m.put(g)
        weight = int(self._values([0.75])[0])

        def check_scale(_values):
            np.testing.assert_array_equal(self._get(pg, n),
                                          ref.value_mul(g, weight))
        self._run("sample weight", "atom", [("scale", (pg, weight, n))],
                  check_scale)

    def activations_backward(self, n: int = 32):
        y = self._values(self.rng.uniform(-0.9, 0.9, n)).astype(np.int64)
        g = self._values(self.rng.normal(0, 1, n)).astype(np.int64)
        one = VALUE_SCALE
        expected = {0: g, 1: np.where(y > 0, g, 0),
                    2: ref.value_mul(g, ref.value_mul(y, one - y)),
                    3: ref.value_mul(g, one - ref.value_mul(y, y))}
        for activation, name in [(0, "linear"), (1, "relu"),
                                 (2, "sigmoid"), (3, "tanh")]:
            py = self.m.put(y.astype(np.int32))
            pg = self.m.put(g.astype(np.int32))

            def check(_values, pg=pg, activation=activation):
                np.testing.assert_array_equal(self._get(pg, n),
                                              expected[activation])
            self._run(f"activation backward {name}", "atom",
                      [("activation_backward", (activation, py, pg, n))],
                      check)

    def softmax_backward(self, n: int = 16):
        y = self._values(self.rng.uniform(0, 1, n)).astype(np.int64)
        g = self._values(self.rng.normal(0, 1, n)).astype(np.int64)
        py, pg = self.m.put(y.astype(np.int32)), self.m.put(g.astype(np.int32))
        dot = int(ref.saturate(ref.value_mul(y, g).sum()))

        def check_dot(values):
            assert _signed(values[0]) == dot
        self._run("softmax backward dot", "atom",
                  [("softmax_dot", (py, pg, n))], check_dot)
        quarter = VALUE_SCALE // 4

        def check_delta(_values):
            np.testing.assert_array_equal(
                self._get(pg, n), ref.value_mul(y, g - quarter))
        self._run("softmax backward delta", "atom",
                  [("softmax_delta", (py, pg, quarter, n))], check_delta)

    def backward(self, n_atoms: int = 12, n_inputs: int = 24,
                 zeros: float = 0.0):
        w = self._weights(self.rng.normal(0, 0.5, (n_atoms, n_inputs)))
        delta = self._values(self.rng.normal(0, 1, n_atoms)).astype(np.int64)
        x = self._values(self.rng.uniform(-1, 1, n_inputs)).astype(np.int64)
        delta[self.rng.permutation(n_atoms)[:round(zeros * n_atoms)]] = 0
        x[self.rng.permutation(n_inputs)[:round(zeros * n_inputs)]] = 0
        label = f"{n_atoms}x{n_inputs}" + (f", {zeros:.0%} zeros"
                                           if zeros else "")
        sums = self._weights(self.rng.normal(0, 1, n_atoms * n_inputs
                                             + n_atoms)).astype(np.int64)
        pw, pd = self.m.put(w), self.m.put(delta.astype(np.int32))
        pe = self.m.alloc(4 * n_inputs)

        def check_errors_at(address):
            np.testing.assert_array_equal(
                self._get(address, n_inputs),
                ref.round_shift(delta @ w.astype(np.int64), WF))
        self._partial_errors(label, pw, pd, pe, n_atoms, n_inputs,
                             lambda _values: check_errors_at(pe))
        ps = self.m.put(sums.astype(np.int32))
        px = self.m.put(x.astype(np.int32))

        def check_gradients_at(address):
            want = sums.copy()
            want[:n_atoms * n_inputs] = ref.saturate(
                want[:n_atoms * n_inputs] + ref.gradient_terms(
                    np.outer(delta, x)).ravel())
            want[n_atoms * n_inputs:] = ref.saturate(
                want[n_atoms * n_inputs:] + ref.saturate(
                    delta * (WEIGHT_SCALE // VALUE_SCALE)))
            np.testing.assert_array_equal(self._get(address, len(sums)),
                                          want)
        self._run(f"gradient accumulation {label}", "MAC",
                  [("dense_accumulate_gradients",
                    (ps, pd, px, n_atoms, n_inputs))],
                  lambda _values: check_gradients_at(ps))
        # streamed: the bits of the buffered partial errors and of the sums
        self._streamed_backward(
            label, pw, sums.astype(np.int32), pd, px, n_atoms, n_inputs,
            lambda pe, ps: (check_errors_at(pe), check_gradients_at(ps)))

    def updates(self, n: int = 48, examples: int = 4):
        for code, name, optimizer in [
                (0, "sgd", SGD(learning_rate=0.01)),
                (1, "momentum", SGD(learning_rate=0.01, momentum=0.9)),
                (2, "adam", Adam(learning_rate=0.01))]:
            hyper = ref.optimizer_hyper(optimizer)
            w = self._weights(self.rng.normal(0, 1, n)).astype(np.int64)
            g = self._weights(self.rng.normal(0, 0.1, n)).astype(np.int64)
            state = np.zeros(2 * n, np.int64)
            training = struct.pack(
                "<4I5i5I2i", 0, code, 100, examples,
                hyper["learning_rate"], hyper["momentum"],
                hyper.get("beta_1", 0), hyper.get("beta_2", 0),
                hyper.get("epsilon", 0), 0, 0, 1, n, 0,
                hyper.get("one_minus_beta_1", 0),
                hyper.get("one_minus_beta_2", 0))
            pt = self.m.put(np.frombuffer(training, np.uint8))
            powers = self.m.put(np.array([WEIGHT_SCALE, WEIGHT_SCALE, 0],
                                         np.int32))
            pw, pg = self.m.put(w.astype(np.int32)), \
                self.m.put(g.astype(np.int32))
            ps = self.m.put(state.astype(np.int32))
            alpha = ref.adam_powers(hyper, [WEIGHT_SCALE] * 2)[1] \
                if code == 2 else None
            want, _, _ = ref.optimizer_step(code, hyper, w, g, state[:n],
                                            state[n:], examples, alpha)

            def check(_values, pw=pw, want=want):
                np.testing.assert_array_equal(self._get(pw, n), want)
            self._run(f"update {name}", "parameter",
                      [("optimizer_begin_step", (pt, powers)),
                       ("optimizer_update",
                        (pt, powers, pw, pg, ps, n, n, examples))], check)

    def packet_filing(self):
        # a fixed-point layer's forward stream takes pairs of values
        self._forward_pairs()
        streams = self._streams(8, 4)
        errors = [self.m.put(np.zeros(32, np.int32)) for _ in range(2)]
        perrors = self.m.words(*errors)
        values = self._values(self.rng.normal(0, 1, 32))
        keys = [0x1000 * (e + 1) + a for e in range(8) for a in range(4)]

        def check_errors(_values):
            np.testing.assert_array_equal(self._get(errors[0], 32), values)
        self._run("file partial error (8 senders)", "packet",
                  [("cal_file_partial_error",
                    (streams, keys[i], int(values[i]) & 0xFFFFFFFF,
                     perrors)) for i in range(32)], check_errors)

    def softmax_statistics(self, cores: int = 8):
        params = self.m.words(4, 0, 32, 4, 4, 0, 0, 0, 0x8000, 0x8000,
                              0xFFFFFF00, cores, 1, 0)
        self.m.call("softmax_exchange_init", params)
        values = self._values(self.rng.normal(0, 1, cores))
        calls = [("softmax_exchange_receive",
                  # round 1 (sum), slot 0 (as the float calibration's)
                  (0x8000 + SOFTMAX_KEYS_PER_CORE * c
                   + (1 << EXAMPLE_SLOT_BITS), int(values[c]) & 0xFFFFFFFF,
                   self.m.alloc(4))) for c in range(cores)]

        def check(results):
            assert [r for r in results[:-1]] == [0xFFFFFFFF] * (cores - 1)
            assert results[-1] == 1
            assert _signed(self.m.call("softmax_exchange_result", 1, 0)[0]) \
                == int(values.astype(np.int64).sum())
        self._run(f"file softmax statistic ({cores} cores)", "packet",
                  calls, check)
