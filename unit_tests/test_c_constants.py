"""The numbers Python and the C programs share, read from the C headers
themselves (not mirrored by hand): region ids, activation, loss and
optimizer codes, the region structs' words, examples in flight, keys per
value, softmax keys per core and Keras' clip epsilon."""

import dataclasses
import os
import re

import pytest

from spinndl import activations, losses, packing, wire_format
from spinndl.wire_format import (
    SATURATION_COUNTERS, BackwardTarget, KeyTableEntry, LayerParams, Loss,
    Optimizer, Region, ReplicaParams, SaturationKind, TrainingParams)

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "neural_modelling", "src")


def header(*path) -> str:
    with open(os.path.join(SRC, *path), encoding="utf-8") as stream:
        text = stream.read()
    # comments out, so a number in a comment is never read as a value
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def enum(text: str, name: str, prefix: str) -> dict:
    """{NAME without prefix: value} of ``typedef enum {...} name;``."""
    match = re.search(r"typedef enum \{([^{}]*)\}\s*" + name + ";", text)
    assert match, f"enum {name} not found"
    values = {}
    for item in match.group(1).split(","):
        item = item.strip()
        if item:
            key, value = (part.strip() for part in item.split("="))
            assert key.startswith(prefix), key
            values[key[len(prefix):]] = int(value, 0)
    return values


def struct_fields(text: str, name: str):
    """[(type, field)] of ``typedef struct {...} name;``, flexible array
    members left out."""
    match = re.search(r"typedef struct \{([^{}]*)\}\s*" + name + ";", text)
    assert match, f"struct {name} not found"
    fields = []
    for declaration in match.group(1).split(";"):
        words = declaration.split()
        if words and not words[-1].endswith("[]"):
            fields.append((" ".join(words[:-1]), words[-1]))
    return fields


def define(text: str, name: str) -> str:
    match = re.search(r"#define " + name + r"\s+(.+)", text)
    assert match, f"#define {name} not found"
    return match.group(1).strip()


REGIONS_H = header("common", "layer_regions.h")


@pytest.mark.parametrize("c_enum, prefix, python", [
    ("layer_region_t", "REGION_", {r.name: int(r) for r in Region}),
    ("loss_t", "LOSS_", {l.name: int(l) for l in Loss}),
    ("optimizer_t", "OPTIMIZER_", {o.name: int(o) for o in Optimizer}),
    ("activation_t", "ACTIVATION_",
     {name.upper(): code for name, code in activations.CODES.items()}),
    ("saturation_kind_t", "SATURATION_",
     {kind.name: int(kind) for kind in SaturationKind}),
])
def test_enums_match_the_header(c_enum, prefix, python):
    assert enum(REGIONS_H, c_enum, prefix) == python


@pytest.mark.parametrize("c_struct, python", [
    ("layer_params_t", LayerParams),
    ("training_params_t", TrainingParams),
    ("key_entry_t", KeyTableEntry),
    ("backward_target_t", BackwardTarget),
    ("replica_params_t", ReplicaParams),
])
def test_region_structs_are_the_python_words(c_struct, python):
    """Same fields in the same order, one 32-bit word each; the build's
    weight_t (float32, or s7.24 in the fixed-point build: numeric.h) where
    Python writes a hyper-parameter's weight bits (spinndl.numerics)."""
    fields = struct_fields(REGIONS_H, c_struct)
    assert [name for _, name in fields] == \
        [field.name for field in dataclasses.fields(python)]
    floats = set(getattr(python, "_FLOATS", ()))
    for c_type, name in fields:
        assert c_type == ("weight_t" if name in floats else "uint32_t"), \
            name
    if hasattr(python, "N_WORDS"):
        assert python.N_WORDS == len(fields)


def test_saturation_region_words_match():
    """The SATURATION region (fixed point): one counter per kind."""
    assert int(define(REGIONS_H, "SATURATION_COUNTERS")) == \
        SATURATION_COUNTERS == len(SaturationKind)


def test_streaming_constants_match():
    streams = header("common", "input_streams.h")
    assert int(define(streams, "MAX_EXAMPLES_IN_FLIGHT")) == \
        wire_format.MAX_EXAMPLES_IN_FLIGHT
    assert int(define(streams, "EXAMPLE_SLOT_BITS")) == \
        wire_format.EXAMPLE_SLOT_BITS
    # every slot of the largest count fits the softmax keys' slot bits
    assert 1 << wire_format.EXAMPLE_SLOT_BITS == \
        wire_format.MAX_EXAMPLES_IN_FLIGHT
    # the choices are powers of two the C accepts (examples_in_flight_init)
    for n in wire_format.EXAMPLES_IN_FLIGHT_CHOICES:
        assert n & (n - 1) == 0 and 1 <= n <= \
            wire_format.MAX_EXAMPLES_IN_FLIGHT


def test_softmax_keys_match():
    softmax = header("common", "softmax_exchange.h")
    keys = int(define(softmax, "SOFTMAX_KEYS_PER_CORE"))
    rounds = int(define(softmax, "SOFTMAX_ROUNDS"))
    assert keys == wire_format.SOFTMAX_KEYS_PER_CORE
    # key = base + (round << slot bits) + slot stays within the core's keys
    slot_bits = wire_format.EXAMPLE_SLOT_BITS
    assert ((rounds - 1) << slot_bits) + (1 << slot_bits) - 1 < keys


def test_clip_epsilon_is_keras():
    maths = header("layer", "training_maths.c")
    value = re.fullmatch(r"VALUE\(([0-9.e+-]+)f\)",
                         define(maths, "CLIP_EPSILON")).group(1)
    assert float(value) == losses.EPSILON


def test_a_changed_header_is_caught():
    """The parser reads what the header says: an edited number differs."""
    edited = REGIONS_H.replace("REGION_OPTIMIZER = 8", "REGION_OPTIMIZER = 9")
    assert enum(edited, "layer_region_t", "REGION_") != \
        {r.name: int(r) for r in Region}
