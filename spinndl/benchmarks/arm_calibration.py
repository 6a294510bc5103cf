"""The ARM968 calibration of the emulator's cost table.

The kernels of ``neural_modelling/src`` (no SARK, spin1 or FEC: the pure
files, with ``neural_modelling/calibration/harness.c`` as entry point) are
built with Debian's ``arm-none-eabi-gcc`` and the SpiNNaker build's flags,
loaded into ``unicorn`` (ARM, ARM946 model, the ARMv5TE core nearest the
ARM968) and run function by function on test data. Every executed
instruction is counted with the cycle model of docs/emulator.md:

    1 cycle per instruction, +1 per load, LDM/STM n (registers), MUL/MLA 2,
    64-bit multiplies 3, a taken branch or PC write 3, an instruction whose
    condition fails 1.

Each kernel's outputs are checked against numpy; its work counters (the
ARM build's own, read from its memory) times the cost table of
``src/common/work.h`` are the emulator's charge, compared with the measured
cycles. ``python -m spinndl.benchmarks.arm_calibration`` prints the table.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..wire_format import EXAMPLE_SLOT_BITS, SOFTMAX_KEYS_PER_CORE

#: Room for an input_streams_t (common/input_streams.h) and more.
STREAMS_BYTES = 256

REPO = Path(__file__).resolve().parents[2]
NM = REPO / "neural_modelling"
WORK_HEADER = NM / "src" / "common" / "work.h"
ARM_GCC = "arm-none-eabi-gcc"
#: The SpiNNaker build's code generation flags (spinnaker_tools make/
#: spinnaker_tools.mk, GNU tools, ARM mode).
BOARD_FLAGS = ["-march=armv5te", "-mthumb-interwork", "-marm", "-Ofast"]
KERNEL_SOURCES = ["common/layer_forward.c", "common/float_maths.c",
                  "common/fixed_maths.c",
                  "common/input_streams.c", "common/softmax_exchange.c",
                  "common/work.c", "layer/training_maths.c",
                  "dense/dense_maths.c", "layer/weight_deltas.c",
                  "common/value_pairs.c",
                  "window/conv_kernels.c",
                  "window/pool_kernels.c", "common/kernel_reduction.c"]
#: Largest |charged - measured| / measured allowed for any kernel.
TOLERANCE = 0.25

CODE_BASE, CODE_SIZE = 0x0, 0x100000
DATA_BASE, DATA_SIZE = 0x200000, 0x100000
STACK_TOP = 0x400000 - 0x100
RETURN_ADDRESS = 0x3FFF00   # never executed: the emulation stops there


class CalibrationUnavailable(RuntimeError):
    """The ARM compiler or unicorn is missing."""


def cost_table() -> dict[str, int]:
    """The cycles per unit of every work kind, from common/work.h."""
    text = WORK_HEADER.read_text()
    return {name: int(cycles) for name, cycles in
            re.findall(r"X\((WORK_\w+),\s*(\d+)\)", text)}


def fixed_costs() -> dict[str, int]:
    """The per-event costs of work.h (spin1's own code, not calibrated)."""
    text = WORK_HEADER.read_text()
    return {name: int(value) for name, value in
            re.findall(r"#define (WORK_CYCLES_\w+) (\d+)", text)}


def require_tools():
    if shutil.which(ARM_GCC) is None:
        raise CalibrationUnavailable(
            f"{ARM_GCC} not found (Debian: apt-get install gcc-arm-none-eabi "
            "libnewlib-arm-none-eabi)")
    try:
        import unicorn  # noqa: F401
    except ImportError as error:
        raise CalibrationUnavailable(
            f"unicorn not importable ({error}); pip install unicorn") from error


def build(out_dir: Path, fixed: bool = False) -> Path:
    """The kernels and the harness as one ARM ELF, board flags; with
    fixed, built as the fixed-point programs are (SPINNDL_FIXED)."""
    src = NM / "src"
    elf = out_dir / ("calibration_fixed.elf" if fixed else "calibration.elf")
    numeric = ["-DSPINNDL_FIXED"] if fixed else []
    command = [ARM_GCC, *BOARD_FLAGS, *numeric, "-std=gnu11", "-Wall",
               "-Wextra",
               "-Werror", f"-I{src}", f"-I{NM / 'host'}", "-nostartfiles",
               "-Wl,-e,_start", "-o", str(elf),
               str(NM / "calibration" / "harness.c"),
               *[str(src / s) for s in KERNEL_SOURCES], "-lc", "-lgcc"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("ARM build failed:\n" + result.stderr)
    return elf


def symbols(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


def load_segments(elf: Path):
    """(address, bytes, memory size) of every PT_LOAD segment."""
    data = elf.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 1, "32-bit ELF expected"
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    segments = []
    for i in range(phnum):
        (p_type, p_offset, p_vaddr, _paddr, p_filesz, p_memsz, _flags,
         _align) = struct.unpack_from("<8I", data, phoff + i * phentsize)
        if p_type == 1:
            segments.append((p_vaddr, data[p_offset:p_offset + p_filesz],
                             p_memsz))
    return segments


# ---- the cycle model ----------------------------------------------------

def _condition_passes(cond: int, cpsr: int) -> bool:
    n, z, c, v = (cpsr >> 31) & 1, (cpsr >> 30) & 1, (cpsr >> 29) & 1, \
        (cpsr >> 28) & 1
    base = {0: z, 1: z, 2: c, 3: c, 4: n, 5: n, 6: v, 7: v,
            8: c and not z, 9: c and not z, 10: n == v, 11: n == v,
            12: (not z) and n == v, 13: (not z) and n == v}[cond]
    return bool(base) if cond % 2 == 0 else not base


def _base_cycles(word: int) -> int:
    """Cycles of an ARM instruction whose condition passed, before any
    taken-branch penalty."""
    if (word & 0x0FC000F0) == 0x00000090:          # MUL, MLA
        return 2
    if (word & 0x0F8000F0) == 0x00800090:          # UMULL..SMLAL
        return 3
    if (word & 0x0F900090) == 0x01000080:          # SMULxy, SMLAxy (v5TE)
        return 3 if (word & 0x00600000) == 0x00400000 else 2
    if (word & 0x0E000000) == 0x08000000:          # LDM, STM
        return max(1, bin(word & 0xFFFF).count("1"))
    if (word & 0x0C000000) == 0x04000000:          # LDR, STR (B)
        return 2 if word & 0x00100000 else 1
    if (word & 0x0E000090) == 0x00000090 and (word & 0x60):  # LDRH.., LDRD
        if word & 0x00100000:
            return 2                                # LDRH, LDRSB, LDRSH
        return 3 if (word & 0x60) == 0x40 else 1    # LDRD, STRH/STRD
    return 1


class ArmMachine:
    """An ARM ELF in unicorn, its functions callable with cycle counting."""

    def __init__(self, elf: Path):
        from unicorn import Uc, UC_ARCH_ARM, UC_MODE_ARM, UC_HOOK_CODE
        from unicorn import arm_const
        self._arm = arm_const
        self.uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
        cpu = getattr(arm_const, "UC_CPU_ARM_946", None)
        if cpu is not None:
            self.uc.ctl_set_cpu_model(cpu)
        self.uc.mem_map(CODE_BASE, CODE_SIZE)
        self.uc.mem_map(DATA_BASE, DATA_SIZE * 2)
        for address, data, size in load_segments(elf):
            self.uc.mem_write(address, data + bytes(size - len(data)))
        self.symbols = symbols(elf)
        self._decoded: dict[int, tuple[int, int]] = {}
        self._cycles = 0
        self._instructions = 0
        self._previous = None
        self.uc.hook_add(UC_HOOK_CODE, self._on_instruction)
        self._next_free = DATA_BASE

    # memory for test data
    def alloc(self, n_bytes: int) -> int:
        address = self._next_free
        self._next_free += (n_bytes + 15) & ~15
        if self._next_free > DATA_BASE + DATA_SIZE:
            raise MemoryError("calibration data area full")
        return address

    def put(self, array) -> int:
        data = np.ascontiguousarray(array).tobytes()
        address = self.alloc(len(data))
        self.uc.mem_write(address, data)
        return address

    def words(self, *values) -> int:
        return self.put(np.array(values, dtype=np.uint32))

    def get(self, address: int, count: int, dtype=np.float32):
        size = np.dtype(dtype).itemsize * count
        return np.frombuffer(bytes(self.uc.mem_read(address, size)),
                             dtype=dtype).copy()

    def _on_instruction(self, uc, address, size, _user):
        previous = self._previous
        if previous is not None and address != previous + 4:
            self._cycles += 2          # taken branch / PC write: 3 in all
        self._previous = address
        self._instructions += 1
        decoded = self._decoded.get(address)
        if decoded is None:
            if size != 4:
                raise RuntimeError(f"Thumb code at {address:#x}: the "
                                   "calibration counts ARM code only")
            word, = struct.unpack("<I", uc.mem_read(address, 4))
            decoded = (word >> 28, _base_cycles(word))
            self._decoded[address] = decoded
        cond, cycles = decoded
        if cond < 14 and not _condition_passes(
                cond, uc.reg_read(self._arm.UC_ARM_REG_CPSR)):
            self._cycles += 1
        else:
            self._cycles += cycles

    def call(self, function: str, *args) -> tuple[int, int]:
        """Runs function(args) (ints, or floats as their bits); returns
        (r0, cycles)."""
        arm = self._arm
        words = [struct.unpack("<I", struct.pack("<f", a))[0]
                 if isinstance(a, float) else int(a) & 0xFFFFFFFF
                 for a in args]
        sp = STACK_TOP - 4 * max(0, len(words) - 4)
        sp &= ~7
        for i, word in enumerate(words[4:]):
            self.uc.mem_write(sp + 4 * i, struct.pack("<I", word))
        for i, word in enumerate(words[:4]):
            self.uc.reg_write(getattr(arm, f"UC_ARM_REG_R{i}"), word)
        self.uc.reg_write(arm.UC_ARM_REG_SP, sp)
        self.uc.reg_write(arm.UC_ARM_REG_LR, RETURN_ADDRESS)
        self._cycles = 0
        self._instructions = 0
        self._previous = None
        self.uc.emu_start(self.symbols[function], RETURN_ADDRESS)
        cycles = self._cycles + 2      # the return itself is a PC write
        return self.uc.reg_read(arm.UC_ARM_REG_R0), cycles

    def work(self) -> np.ndarray:
        # after the n_kinds word
        return self.get(self.symbols["work_counters"] + 4, len(cost_table()),
                        np.uint32)

    def reset_work(self):
        self.uc.mem_write(self.symbols["work_counters"] + 4,
                          bytes(4 * len(cost_table())))


def as_float(word: int) -> float:
    return struct.unpack("<f", struct.pack("<I", word & 0xFFFFFFFF))[0]


@dataclass
class KernelResult:
    name: str
    measured_cycles: int
    charged_cycles: int
    units: str
    #: the work kinds (work.h names) the kernel counted
    kinds: tuple = ()

    @property
    def relative_error(self) -> float:
        return abs(self.charged_cycles - self.measured_cycles) \
            / self.measured_cycles


class Calibration:
    """Runs every kernel case; results in .results."""

    PREFIX = ""

    def __init__(self, machine: ArmMachine):
        self.m = machine
        table = cost_table()
        # SDRAM wait states are charged by the emulator but not in the
        # cycle model (all memory is 1 cycle here): left out of the check.
        self.costs = np.array([0 if name == "WORK_SDRAM_WORD" else cycles
                               for name, cycles in table.items()],
                              dtype=np.int64)
        self.results: list[KernelResult] = []
        self.rng = np.random.default_rng(1234)

    def _run(self, name: str, units: str, calls, check=None):
        """calls: (function, args) pairs, all measured as one kernel."""
        self.m.reset_work()
        measured = 0
        values = []
        for function, args in calls:
            value, cycles = self.m.call(function, *args)
            measured += cycles
            values.append(value)
        work = self.m.work().astype(np.int64)
        charged = int(work @ self.costs)
        if check is not None:
            check(values)
        kinds = tuple(kind for kind, count in zip(cost_table(), work)
                      if count)
        self.results.append(KernelResult(self.PREFIX + name, measured,
                                         charged, units, kinds))

    # ---- forward -------------------------------------------------------
    def forward(self, n_atoms: int, n_inputs: int, zeros: float = 0.0):
        w = self.rng.normal(0, 0.5, (n_atoms, n_inputs)).astype(np.float32)
        b = self.rng.normal(0, 0.5, n_atoms).astype(np.float32)
        x = self.rng.uniform(-1, 1, n_inputs).astype(np.float32)
        x[self.rng.uniform(0, 1, n_inputs) < zeros] = 0.0
        # the Dense kind's parameters: the weight rows, then the biases
        pw = self.m.put(np.concatenate([w.ravel(), b]))
        px = self.m.put(x)
        pz = self.m.alloc(4 * n_atoms)

        def check(values):
            z = self.m.get(pz, n_atoms)
            np.testing.assert_allclose(z, w @ x + b, rtol=1e-4, atol=1e-5)
            assert abs(as_float(values[0]) - float(np.max(z))) == 0
        self._run(f"forward {n_atoms}x{n_inputs}, {zeros:.0%} zero inputs",
                  "MAC",
                  [("dense_weighted_sums",
                    (pw, px, pz, n_atoms, n_inputs))], check)

    def activations(self, n: int = 32):
        z = self.rng.uniform(-4, 4, n).astype(np.float32)
        expected = {0: z, 1: np.maximum(z, 0), 2: 1 / (1 + np.exp(-z)),
                    3: np.tanh(z)}
        for activation, name in [(0, "linear"), (1, "relu"),
                                 (2, "sigmoid"), (3, "tanh")]:
            p = self.m.put(z)

            def check(_values, p=p, activation=activation):
                np.testing.assert_allclose(self.m.get(p, n),
                                           expected[activation],
                                           rtol=1e-5, atol=1e-6)
            self._run(f"activation {name}", "atom",
                      [("forward_activate", (activation, p, n))], check)

    def softmax(self, n: int = 16):
        z = self.rng.uniform(-4, 4, n).astype(np.float32)
        top = float(np.max(z))
        total = float(np.sum(np.exp(z - top)))
        p = self.m.put(z)

        def check_sum(values):
            assert abs(as_float(values[0]) - total) <= 1e-5 * total
        self._run("softmax sum", "atom",
                  [("softmax_local_sum", (p, n, top))], check_sum)

        def check_normalise(_values):
            np.testing.assert_allclose(self.m.get(p, n),
                                       np.exp(z - top) / total, rtol=1e-5)
        self._run("softmax normalise", "atom",
                  [("softmax_normalise", (p, n, top, float(total)))],
                  check_normalise)

    def losses(self, n: int = 16):
        y = self.rng.uniform(0.05, 0.95, n).astype(np.float32)
        t = (self.rng.uniform(0, 1, n) > 0.5).astype(np.float32)
        expected = {1: 2 * (y - t) / n,
                    2: (-t / y + (1 - t) / (1 - y)) / n, 3: -t / y}
        for loss, name in [(1, "mse"), (2, "bce"), (3, "cce")]:
            py, pt, pg = self.m.put(y), self.m.put(t), self.m.alloc(4 * n)

            def check(_values, pg=pg, loss=loss):
                np.testing.assert_allclose(self.m.get(pg, n),
                                           expected[loss], rtol=1e-5)
            self._run(f"loss gradient {name}", "atom",
                      [("loss_gradient", (loss, py, pt, pg, n, n))], check)

    def sparse_loss_and_weights(self, n: int = 16):
        y = self.rng.uniform(0.05, 0.95, n).astype(np.float32)
        py, pg = self.m.put(y), self.m.alloc(4 * n)
        label, lo_atom = 21, 16      # this core holds atoms 16..31

        def check_sparse(_values):
            want = np.zeros(n, np.float32)
            want[label - lo_atom] = -1 / y[label - lo_atom]
            np.testing.assert_allclose(self.m.get(pg, n), want, rtol=1e-6)
        self._run("loss gradient sparse cce", "atom",
                  [("sparse_loss_gradient", (py, label, lo_atom, pg, n))],
                  check_sparse)
        g = self.rng.normal(0, 1, n).astype(np.float32)
        pg = self.m.put(g)

        def check_scale(_values):
            np.testing.assert_allclose(self.m.get(pg, n), g * 0.75,
                                       rtol=1e-6)
        self._run("sample weight", "atom", [("scale", (pg, 0.75, n))],
                  check_scale)

        def check_reset(_values):
            assert not self.m.get(pg, n).any()
        self._run("errors reset", "atom", [("reset_errors", (pg, n))],
                  check_reset)

    def activations_backward(self, n: int = 32):
        y = self.rng.uniform(-0.9, 0.9, n).astype(np.float32)
        g = self.rng.normal(0, 1, n).astype(np.float32)
        expected = {0: g, 1: np.where(y > 0, g, 0), 2: g * (y * (1 - y)),
                    3: g * (1 - y * y)}
        for activation, name in [(0, "linear"), (1, "relu"),
                                 (2, "sigmoid"), (3, "tanh")]:
            py, pg = self.m.put(y), self.m.put(g)

            def check(_values, pg=pg, activation=activation):
                np.testing.assert_allclose(self.m.get(pg, n),
                                           expected[activation], rtol=1e-5)
            self._run(f"activation backward {name}", "atom",
                      [("activation_backward", (activation, py, pg, n))],
                      check)

    def softmax_backward(self, n: int = 16):
        y = self.rng.uniform(0, 1, n).astype(np.float32)
        g = self.rng.normal(0, 1, n).astype(np.float32)
        py, pg = self.m.put(y), self.m.put(g)
        dot = float(np.dot(y, g))

        def check_dot(values):
            assert abs(as_float(values[0]) - dot) <= 1e-5 * max(1, abs(dot))
        self._run("softmax backward dot", "atom",
                  [("softmax_dot", (py, pg, n))], check_dot)

        def check_delta(_values):
            np.testing.assert_allclose(self.m.get(pg, n), y * (g - 0.25),
                                       rtol=1e-5, atol=1e-6)
        self._run("softmax backward delta", "atom",
                  [("softmax_delta", (py, pg, 0.25, n))], check_delta)

    def _partial_errors(self, label, pw, pd, pe, n_atoms, n_inputs, check):
        """The Dense partial errors both ways the cores compute them: all
        into a buffer (dense_partial_errors), and one by one as they are
        sent (the harness's loop over dense_partial_error)."""
        for name, function in (("partial errors", "dense_partial_errors"),
                               ("partial errors one by one",
                                "cal_partial_errors_one_by_one")):
            self._run(f"{name} {label}", "MAC",
                      [(function, (pw, pd, pe, n_atoms, n_inputs,
                                   self.m.alloc(8 * n_atoms)))], check)

    def _streamed_backward(self, label, pw, sums, pd, px, n_atoms,
                           n_inputs, check):
        """The backward step as a core streams it while it sends the
        partial errors (dense_training_impl.c, the harness's
        cal_streamed_backward): the biases' sums, then per input e_i and
        its column of weight sums. ``check(e address, sums address)``."""
        ps, pe = self.m.put(sums), self.m.alloc(4 * n_inputs)
        self._run(f"streamed backward {label}", "MAC",
                  [("cal_streamed_backward",
                    (pw, ps, pd, px, pe, n_atoms, n_inputs,
                     self.m.alloc(8 * n_atoms)))],
                  lambda _values: check(pe, ps))

    def backward(self, n_atoms: int = 12, n_inputs: int = 24,
                 zeros: float = 0.0):
        """zeros: the fraction of deltas and of inputs that are 0 (a ReLU
        layer's: the kernels skip their terms)."""
        w = self.rng.normal(0, 0.5, (n_atoms, n_inputs)).astype(np.float32)
        delta = self.rng.normal(0, 1, n_atoms).astype(np.float32)
        x = self.rng.uniform(-1, 1, n_inputs).astype(np.float32)
        delta[self.rng.permutation(n_atoms)[:round(zeros * n_atoms)]] = 0
        x[self.rng.permutation(n_inputs)[:round(zeros * n_inputs)]] = 0
        label = f"{n_atoms}x{n_inputs}" + (f", {zeros:.0%} zeros"
                                           if zeros else "")
        sums = self.rng.normal(0, 1, n_atoms * n_inputs + n_atoms).astype(
            np.float32)
        pw, pd, pe = self.m.put(w), self.m.put(delta), self.m.alloc(
            4 * n_inputs)

        def check_errors_at(address):
            np.testing.assert_allclose(self.m.get(address, n_inputs),
                                       delta @ w, rtol=1e-4, atol=1e-5)
        self._partial_errors(label, pw, pd, pe, n_atoms, n_inputs,
                             lambda _values: check_errors_at(pe))
        ps, px = self.m.put(sums), self.m.put(x)

        def check_gradients_at(address):
            want = sums.copy()
            want[:n_atoms * n_inputs] += np.outer(delta, x).ravel()
            want[n_atoms * n_inputs:] += delta
            np.testing.assert_allclose(self.m.get(address, len(sums)), want,
                                       rtol=1e-5, atol=1e-6)
        self._run(f"gradient accumulation {label}", "MAC",
                  [("dense_accumulate_gradients",
                    (ps, pd, px, n_atoms, n_inputs))],
                  lambda _values: check_gradients_at(ps))
        self._streamed_backward(
            label, pw, sums, pd, px, n_atoms, n_inputs,
            lambda pe, ps: (check_errors_at(pe), check_gradients_at(ps)))

    def updates(self, n: int = 48, examples: int = 4):
        lr, momentum, beta_1, beta_2, epsilon = 0.01, 0.9, 0.9, 0.999, 1e-7
        for optimizer, name in [(0, "sgd"), (1, "momentum"), (2, "adam")]:
            w = self.rng.normal(0, 1, n).astype(np.float32)
            g = self.rng.normal(0, 1, n).astype(np.float32)
            state = np.zeros(2 * n, np.float32)
            training = struct.pack(
                "<4I5f5I2f", 0, optimizer, 100, examples, lr, momentum,
                beta_1, beta_2, epsilon, 0, 0, 1, n, 0, 1 - beta_1,
                1 - beta_2)
            pt = self.m.put(np.frombuffer(training, np.uint8))
            # beta_1^t, beta_2^t, the rate optimizer_begin_step sets
            powers = self.m.put(np.array([1, 1, 0], np.float32))
            pw, pg, ps = self.m.put(w), self.m.put(g), self.m.put(state)

            def check(_values, pw=pw, w=w, g=g, optimizer=optimizer):
                mean = g / examples
                if optimizer == 0:
                    want = w - mean * lr
                elif optimizer == 1:
                    want = w - mean * lr
                else:
                    m = mean * (1 - beta_1)
                    v = mean * mean * (1 - beta_2)
                    alpha = lr * np.sqrt(1 - beta_2) / (1 - beta_1)
                    want = w - m * alpha / (np.sqrt(v) + epsilon)
                np.testing.assert_allclose(self.m.get(pw, n), want,
                                           rtol=1e-4, atol=1e-6)
            self._run(f"update {name}", "parameter",
                      [("optimizer_begin_step", (pt, powers)),
                       ("optimizer_update",
                        (pt, powers, pw, pg, ps, n, n, examples))], check)

    @staticmethod
    def _sender_keys(n_entries: int, evenly_spaced: bool = True) -> list:
        """Senders' base keys, 0x1000 apart; not evenly_spaced: the last
        one a block further (the program then searches its table)."""
        keys = [0x1000 * (e + 1) for e in range(n_entries)]
        if not evenly_spaced:
            keys[-1] += 0x1000
        return keys

    def _streams(self, n_entries: int, atoms_per_entry: int,
                 evenly_spaced: bool = True):
        """An input_streams_t over a key table of n_entries senders, set
        up by the program's own input_streams_init (not measured)."""
        entries = []
        for e, key in enumerate(self._sender_keys(n_entries, evenly_spaced)):
            entries += [key, 0xFFFFF000, e * atoms_per_entry,
                        atoms_per_entry]
        table = self.m.words(n_entries, *entries)
        streams = self.m.alloc(STREAMS_BYTES)
        self.m.call("input_streams_init", streams, table)
        return streams

    def packet_filing(self):
        for n_entries, evenly_spaced in ((1, True), (8, True), (64, True),
                                         (8, False), (64, False)):
            atoms = 4
            streams = self._streams(n_entries, atoms, evenly_spaced)
            n_inputs = n_entries * atoms
            buffers = [self.m.alloc(4 * n_inputs) for _ in range(2)]
            pbuffers = self.m.words(*buffers)
            keys = [base + a
                    for base in self._sender_keys(n_entries, evenly_spaced)
                    for a in range(atoms)]
            order = self.rng.permutation(len(keys))[:32]
            payloads = {k: int(self.rng.integers(0, 2**32)) for k in keys}

            def check(values, order=order, buffers=buffers,
                      n_inputs=n_inputs, keys=keys, payloads=payloads):
                got = self.m.get(buffers[0], n_inputs, np.uint32)
                for i in order:
                    assert got[i] == payloads[keys[i]]
                assert all(v in (0, 1) for v in values)
            table = "evenly spaced" if evenly_spaced else "searched"
            self._run(f"file forward packet ({n_entries} senders, {table})",
                      "packet",
                      [("cal_file_input",
                        (streams, keys[i], payloads[keys[i]], pbuffers))
                       for i in order], check)
        streams = self._streams(8, 4)
        errors = [self.m.put(np.zeros(32, np.float32)) for _ in range(2)]
        perrors = self.m.words(*errors)
        values = self.rng.normal(0, 1, 32).astype(np.float32)
        keys = [0x1000 * (e + 1) + a for e in range(8) for a in range(4)]

        def check_errors(_values):
            np.testing.assert_allclose(self.m.get(errors[0], 32), values)
        self._run("file partial error (8 senders)", "packet",
                  [("cal_file_partial_error",
                    (streams, keys[i], int(values[i].view(np.uint32)),
                     perrors)) for i in range(32)], check_errors)

    def softmax_statistics(self, cores: int = 8):
        params = self.m.words(4, 0, 32, 4, 4, 0, 0, 0, 0x8000, 0x8000,
                              0xFFFFFF00, cores, 1, 0)
        self.m.call("softmax_exchange_init", params)
        values = self.rng.normal(0, 1, cores).astype(np.float32)
        # round 1 (sum), slot 0: key = base + (1 << EXAMPLE_SLOT_BITS)
        calls = [("softmax_exchange_receive",
                  (0x8000 + SOFTMAX_KEYS_PER_CORE * c
                   + (1 << EXAMPLE_SLOT_BITS),
                   int(values[c].view(np.uint32)),
                   self.m.alloc(4))) for c in range(cores)]

        def check(results):
            assert [r for r in results[:-1]] == [0xFFFFFFFF] * (cores - 1)
            assert results[-1] == 1
        self._run(f"file softmax statistic ({cores} cores)", "packet",
                  calls, check)

    # ---- window layers (src/window) ------------------------------------
    def _band(self, shape, kernel_size, strides, padding, filters):
        """A whole layer as one core's band: its window_params words and
        its input rows as (rows, cols, channels)."""
        from spinndl.window_geometry import WindowGeometry
        g = WindowGeometry.of(shape, kernel_size, strides, padding, filters)
        first_row, end_row = g.input_rows_of(0, g.positions - 1)
        params = self.m.words(
            g.in_rows, g.in_cols, g.channels_in, g.kernel_rows,
            g.kernel_cols, g.stride_rows, g.stride_cols, g.pad_top,
            g.pad_left, g.out_rows, g.out_cols, g.channels_out, 0,
            g.positions, first_row, end_row - first_row)
        return g, params

    def conv(self, shape, kernel_size, filters, strides, padding,
             zeros: float = 0.0):
        from spinndl.window_reference import conv_backward, conv_forward
        g, params = self._band(shape, kernel_size, strides, padding, filters)
        x = self.rng.uniform(-1, 1, (1,) + shape).astype(np.float32)
        x[self.rng.uniform(0, 1, x.shape) < zeros] = 0.0
        kernel = self.rng.normal(0, 0.3, tuple(kernel_size)
                                 + (shape[-1], filters)).astype(np.float32)
        bias = self.rng.normal(0, 0.3, filters).astype(np.float32)
        z = conv_forward(x, kernel, bias, strides, padding)
        dz = self.rng.normal(0, 1, z.shape).astype(np.float32)
        dk, db, dx = conv_backward(x, kernel, dz, strides, padding)
        pk, pb, px = self.m.put(kernel), self.m.put(bias), self.m.put(x)
        pz = self.m.alloc(4 * z.size)
        label = (f"{'x'.join(map(str, shape))} k{'x'.join(map(str, kernel_size))}"
                 f" f{filters} s{strides[0]} {padding}")
        if zeros:
            label += f", {zeros:.0%} zero inputs"

        def check_forward(values):
            got = self.m.get(pz, z.size)
            np.testing.assert_allclose(got, z.ravel(), rtol=1e-4, atol=2e-5)
            assert as_float(values[0]) == float(np.max(got))
        self._run(f"conv forward {label}", "MAC",
                  [("conv_forward_band", (params, pk, pb, px, pz))],
                  check_forward)
        pd = self.m.put(dz)
        pe = self.m.put(np.zeros(x.size, np.float32))

        def check_errors(_values):
            np.testing.assert_allclose(self.m.get(pe, x.size), dx.ravel(),
                                       rtol=1e-4, atol=2e-5)
        self._run(f"conv input errors {label}", "MAC",
                  [("conv_input_errors_band", (params, pk, pd, pe))],
                  check_errors)
        pgk = self.m.put(np.zeros(kernel.size, np.float32))
        pgb = self.m.put(np.zeros(filters, np.float32))

        def check_gradients(_values):
            np.testing.assert_allclose(self.m.get(pgk, kernel.size),
                                       dk.ravel(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(self.m.get(pgb, filters), db,
                                       rtol=1e-4, atol=1e-4)
        self._run(f"conv kernel gradients {label}", "MAC",
                  [("conv_kernel_gradients_band", (params, px, pd, pgk, pgb))],
                  check_gradients)

    def pool(self, shape, pool_size, strides, padding):
        from spinndl.window_reference import pool_backward, pool_forward
        channels = shape[-1]
        g, params = self._band(shape, pool_size, strides, padding, channels)
        x = self.rng.uniform(-1, 1, (1,) + shape).astype(np.float32)
        px = self.m.put(x)
        label = (f"{'x'.join(map(str, shape))} {'x'.join(map(str, pool_size))}"
                 f" s{strides[0]} {padding}")
        for mode, name in [(0, "max"), (1, "average")]:
            y = pool_forward(x, name, pool_size, strides, padding)
            dy = self.rng.normal(0, 1, y.shape).astype(np.float32)
            dx = pool_backward(x, dy, name, pool_size, strides, padding)
            py = self.m.alloc(4 * y.size)

            def check_forward(values, py=py, y=y):
                got = self.m.get(py, y.size)
                np.testing.assert_allclose(got, y.ravel(), rtol=1e-5,
                                           atol=1e-6)
                assert as_float(values[0]) == float(np.max(got))
            self._run(f"pool {name} forward {label}", "output",
                      [("pool_forward_band", (params, mode, px, py))],
                      check_forward)
            pd = self.m.put(dy)
            pe = self.m.put(np.zeros(x.size, np.float32))

            def check_backward(_values, pe=pe, dx=dx):
                np.testing.assert_allclose(self.m.get(pe, x.size),
                                           dx.ravel(), rtol=1e-5, atol=1e-6)
            self._run(f"pool {name} backward {label}", "output",
                      [("pool_backward_band", (params, mode, px, pd, pe))],
                      check_backward)

    def window_errors_clear(self, n: int = 864):
        pe = self.m.put(np.ones(n, np.float32))

        def check(_values):
            assert not self.m.get(pe, n).any()
        self._run("clear input errors", "value",
                  [("cal_clear_errors", (pe, n))], check)

    def kernel_reduction(self, n: int = 64):
        """A middle core of three: files the previous core's running
        sums, adds them to its own and sends them on; then files the
        layer's total."""
        own = self.rng.normal(0, 1, n).astype(np.float32)
        previous = self.rng.normal(0, 1, n).astype(np.float32)
        total = self.rng.normal(0, 1, n).astype(np.float32)
        chain_key, chain_in, total_key, total_in = \
            0x20000, 0x10000, 0x40000, 0x30000
        mask = 0xFFFFFF00
        params = self.m.words(3, 1, chain_key, chain_in, mask, total_key,
                              total_in, mask, 0)
        sums = self.m.put(own)
        self.m.call("kernel_reduction_init", params, sums, n)

        def check_filed(values):
            assert values == [0] * n   # own batch not done yet
        self._run(f"file reduction packet ({n} parameters)", "packet",
                  [("kernel_reduction_receive",
                    (chain_in + j, int(previous[j].view(np.uint32))))
                   for j in range(n)], check_filed)
        ready, _ = self.m.call("kernel_reduction_batch_done")
        assert ready == 1

        def check_add(values):
            assert values == [0]       # sent on, waits for the total
            np.testing.assert_allclose(self.m.get(sums, n), own + previous,
                                       rtol=1e-6)
            count = self.m.get(self.m.symbols["n_sent"], 1, np.uint32)[0]
            keys = self.m.get(self.m.symbols["sent_keys"], 64, np.uint32)
            assert chain_key + n - 1 in keys and count >= n
        self._run(f"kernel reduction add and send ({n} parameters)",
                  "parameter", [("kernel_reduction_step", ())], check_add)
        for j in range(n):
            self.m.call("kernel_reduction_receive", total_in + j,
                        int(total[j].view(np.uint32)))
        done, _ = self.m.call("kernel_reduction_step")
        assert done == 1
        np.testing.assert_array_equal(self.m.get(sums, n), total)

    def _forward_pairs(self, n_entries: int = 8, atoms: int = 4):
        """Forward values two to a packet (common/value_pairs.c): pairs
        packed (signed, unsigned, and ones that fit neither), and pair
        packets filed on a stream that takes them, signed and unsigned
        halves extended back to the words, in slot 1 of
        examples_in_flight 4 (a pair key comes after every slot's
        singles)."""
        words = np.array([5, 70000, 0xFFFF8000, 32767, 65535, 0, 0x10000,
                          0xFFFFFFFF, 1 << 20, 3, 40000, 1, 0xFFFF0000, 7,
                          9, 0x7FFF], np.uint32)
        expected = []
        for first, second in zip(words[::2], words[1::2]):
            if (int(first) | int(second)) >> 16 == 0:
                expected.append(2)
            elif ((int(first) + 0x8000) & 0xFFFFFFFF
                  | (int(second) + 0x8000) & 0xFFFFFFFF) >> 16 == 0:
                expected.append(1)
            else:
                expected.append(0)
        packed = self.m.alloc(4 * len(expected))
        self._run(f"pack {len(expected)} forward value pairs", "pair",
                  [("value_pair_pack", (int(a), int(b), packed + 4 * j))
                   for j, (a, b) in enumerate(zip(words[::2], words[1::2]))],
                  lambda values: self._check_pair_kinds(values, expected))
        slots, slot_bits = 4, 2
        in_flight = self.m.symbols["examples_in_flight"]
        in_flight_bits = self.m.symbols["examples_in_flight_bits"]
        defaults = [int(self.m.get(address, 1, np.uint32)[0])
                    for address in (in_flight, in_flight_bits)]
        self.m.uc.mem_write(in_flight, struct.pack("<I", slots))
        self.m.uc.mem_write(in_flight_bits, struct.pack("<I", slot_bits))
        streams = self._streams(n_entries, atoms)
        self.m.call("cal_take_pairs", streams)
        n_inputs = n_entries * atoms
        buffers = [self.m.alloc(4 * n_inputs) for _ in range(2)]
        pbuffers = self.m.words(*buffers)
        half = atoms // 2
        values = self.rng.integers(-32768, 32768, n_inputs)
        calls, want = [], {}
        for e, base in enumerate(self._sender_keys(n_entries, True)):
            for j in range(half):
                first, second = values[e * atoms + 2 * j:
                                       e * atoms + 2 * j + 2]
                unsigned = (e + j) % 2 == 1
                if unsigned:
                    first, second = abs(first), abs(second)
                # slot 1, past every slot's singles: pair j of slot p at
                # (j << (slot bits + 1)) | p << 1 | unsigned
                key = base + slots * atoms + (j << (slot_bits + 1)) \
                    + (1 << 1) + int(unsigned)
                payload = (int(first) & 0xFFFF) | (int(second) & 0xFFFF) \
                    << 16
                calls.append(("cal_file_input", (streams, key, payload,
                                                 pbuffers)))
                index = e * atoms + 2 * j
                want[index], want[index + 1] = first, second

        def check(results):
            got = self.m.get(buffers[1], n_inputs, np.int32)
            for index, value in want.items():
                assert got[index] == value
            assert results[-1] == 1 and set(results[:-1]) == {0}
        self._run(f"file forward pair ({n_entries} senders, evenly spaced)",
                  "packet", calls, check)
        for address, value in zip((in_flight, in_flight_bits), defaults):
            self.m.uc.mem_write(address, struct.pack("<I", value))

    @staticmethod
    def _check_pair_kinds(values, expected):
        assert list(values) == expected

    def weight_deltas(self, n: int = 16):
        """The gradient exchange's new weights as changes, two to a packet
        (layer/weight_deltas.c): a chunk's old words kept, its pairs
        packed (changes up to 40,000 units: about a fifth do not fit 16
        bits) and the packed ones applied to the old words."""
        old = self.rng.integers(0, 2**32, n, dtype=np.uint64).astype(
            np.uint32)
        changes = self.rng.integers(-40000, 40000, n)
        new = ((old.astype(np.int64) + changes) % 2**32).astype(np.uint32)
        fits = [bool(np.all(np.abs(changes[2 * p:2 * p + 2] + 0.5) < 32768))
                for p in range(n // 2)]
        p_new, p_old = self.m.put(new), self.m.put(old)
        p_kept = self.m.alloc(4 * n)

        def check_kept(_values):
            np.testing.assert_array_equal(self.m.get(p_kept, n, np.uint32),
                                          old)
        self._run(f"keep {n} old weights", "value",
                  [("weight_words_keep", (p_old, p_kept, n))], check_kept)
        p_packed = self.m.alloc(2 * n)

        def check_packed(values):
            assert [bool(v & 1) for v in values] == fits
        self._run(f"pack {n // 2} pairs of weight changes", "pair",
                  [("weight_pair_pack", (p_new + 8 * p, p_old + 8 * p,
                                         p_packed + 4 * p))
                   for p in range(n // 2)], check_packed)
        packed = self.m.get(p_packed, n // 2, np.uint32)
        p_words = self.m.put(old)
        applied = [p for p in range(n // 2) if fits[p]]

        def check_applied(_values):
            words = self.m.get(p_words, n, np.uint32)
            for p in applied:
                np.testing.assert_array_equal(words[2 * p:2 * p + 2],
                                              new[2 * p:2 * p + 2])
        self._run(f"apply {len(applied)} packed weight changes", "pair",
                  [("weight_pair_apply", (p_words + 8 * p, int(packed[p])))
                   for p in applied], check_applied)

    def windows(self):
        # LeNet's first layer (MNIST: most inputs are 0) and second layer
        self.conv((28, 28, 1), (5, 5), 8, (1, 1), "valid", zeros=0.8)
        self.conv((12, 12, 8), (5, 5), 16, (1, 1), "valid")
        # the thesis' Listing 3 (1D), "same" with strides 2
        self.conv((64, 4), (3,), 20, (1,), "valid")
        self.conv((62, 20), (3,), 5, (2,), "same")
        self.conv((7, 9, 3), (3, 3), 4, (2, 2), "same")
        self.conv((5, 6, 16), (1, 1), 8, (1, 1), "valid")
        self.pool((24, 24, 8), (2, 2), (2, 2), "valid")
        self.pool((7, 9, 2), (3, 3), (2, 2), "same")
        self.pool((31, 5), (2,), (2,), "valid")
        self.window_errors_clear()
        self.kernel_reduction()

    def run_all(self):
        self.forward(16, 32)
        self.forward(4, 100)
        self.forward(8, 100, zeros=0.8)   # MNIST-like
        self.activations()
        self.softmax()
        self.losses()
        self.sparse_loss_and_weights()
        self.activations_backward()
        self.softmax_backward()
        self.backward()
        self.backward(zeros=0.5)   # a ReLU layer's deltas and inputs
        self.updates()
        self.packet_filing()
        self.softmax_statistics()
        self.weight_deltas()
        self.windows()
        return self.results


def calibrate() -> list[KernelResult]:
    """Builds, runs and checks every kernel, float and fixed point; the
    measured and charged cycles of each."""
    from .fixed_calibration import FixedCalibration
    require_tools()
    with tempfile.TemporaryDirectory(prefix="spinndl-arm-") as tmp:
        results = Calibration(ArmMachine(build(Path(tmp)))).run_all()
        return results + FixedCalibration(
            ArmMachine(build(Path(tmp), fixed=True))).run_all()


def main() -> None:
    results = calibrate()
    print(f"{'kernel':40s} {'measured':>9s} {'charged':>9s} {'error':>7s}")
    for r in results:
        print(f"{r.name:40s} {r.measured_cycles:9d} {r.charged_cycles:9d} "
              f"{r.relative_error:7.1%}")
    print(f"calibration.max_relative_error: "
          f"{max(r.relative_error for r in results):.3f}")
    print(f"calibration.kernels_checked: {len(results)}")


if __name__ == "__main__":
    main()
