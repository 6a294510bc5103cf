"""The bytes a layer core's data regions hold: written by the graph's
machine vertices, read by the C programs in ``neural_modelling/`` (whose
``src/common/layer_regions.h`` mirrors this file; unit_tests/test_c_constants.py
checks the two agree) and decoded again by the tests. How a kind lays out
its WEIGHTS region is the kind's codec (spinndl/graph/kinds/). docs/wire_format.md describes the same layout for people.

All words are little-endian 32-bit; floats are IEEE-754 binary32, so host and
board see the same bits.
"""

import math
from dataclasses import astuple, dataclass
from enum import IntEnum
from typing import List, Optional, Sequence, Tuple

import numpy as np

BYTES_PER_WORD = 4

#: The partition a layer's outputs travel on to the next layer (or the
#: live packet gatherer).
FORWARD_PARTITION = "forward"
#: A softmax layer's own partition, from every core to every core of the
#: layer, for the max and sum statistics (docs/wire_format.md).
SOFTMAX_PARTITION = "softmax"
#: Examples a layer core may hold at once, one per slot (an example's slot
#: is its number modulo the network's count; docs/streaming.md, "How many
#: in flight"). Each network chooses 4, or 2 where a layer lacks the DTCM
#: for 4 (spinndl.graph.network.choose_layout); the count is in every
#: core's PARAMS. Powers of two: softmax keys carry the slot in their low
#: EXAMPLE_SLOT_BITS bits.
MAX_EXAMPLES_IN_FLIGHT = 4
EXAMPLES_IN_FLIGHT_CHOICES = (4, 2)
EXAMPLE_SLOT_BITS = 2
#: Keys per core on the softmax partition: (round << EXAMPLE_SLOT_BITS) |
#: example slot; rounds 0 (max) and 1 (sum) forward, 2 (sum of y·g)
#: backward (room for 4 rounds).
SOFTMAX_KEYS_PER_CORE = 4 << EXAMPLE_SLOT_BITS
#: Labels from the label source to the output layer (training).
LABELS_PARTITION = "labels"
#: Partial errors from every core of a layer to core s of the previous
#: layer: one partition per slice s of the previous layer (training).
BACKWARD_PARTITION_PREFIX = "backward:"
#: The kernel-gradient reduction of a layer whose cores share parameters
#: (a convolution on several cores, docs/conv.md): core i's running sums
#: to core i + 1, and the last core's total to every core of the layer.
REDUCE_PARTITION = "reduce"
REDUCE_TOTAL_PARTITION = "reduce_total"
#: Words of reduction_params (common/kernel_reduction.h).
REDUCTION_PARAMS_WORDS = 9
#: One packet per example from each first-layer core when its backward pass
#: (and any update) is done (training).
ACK_PARTITION = "ack"
#: Training with replicas (docs/training.md, "Replicas"): the cores of a
#: slice form a ring of replicas r -> r + 1 (mod R); on the chain partition
#: go the gradient sums of a segment towards its owner (keys base + j) and
#: then the owner's new weights (keys base + n_values + j); "ready" goes
#: back to r - 1.
GRADIENT_CHAIN_PARTITION = "gradient_chain"
GRADIENT_READY_PARTITION = "gradient_ready"
GRADIENT_PARTITIONS = (GRADIENT_CHAIN_PARTITION, GRADIENT_READY_PARTITION)
#: Training with replicas: every core of a layer to every core of the
#: previous one, once it and every layer after it have updated.
UPDATED_PARTITION = "updated"


def backward_partition(target_slice: int) -> str:
    return f"{BACKWARD_PARTITION_PREFIX}{target_slice}"


def backward_target_slice(partition_id: str) -> int:
    """The slice index of a backward partition's only target."""
    return int(partition_id[len(BACKWARD_PARTITION_PREFIX):])


class Region(IntEnum):
    """Data-specification region numbers of a layer core."""
    SYSTEM = 0      # FEC simulation header (application hash, timestep, port)
    PARAMS = 1      # LayerParams
    KEY_TABLE = 2   # which input index each incoming key carries
    WEIGHTS = 3     # this slice's kernel rows and biases (written back
                    # after every update when training)
    # Training only (docs/training.md):
    TRAINING = 4        # TrainingParams
    BACKWARD_IN = 5     # key table of partial errors from the next layer
    BACKWARD_OUT = 6    # this core's keys towards each previous-layer slice
    LABEL_TABLE = 7     # key table of the label source (output layer)
    OPTIMIZER = 8       # optimizer state, zeroed: slots × weights layout
    # A layer kind's own parameters (geometry, say), if it has any; Dense
    # has none (docs/architecture.md):
    KIND_PARAMS = 9
    REDUCTION = 10      # kernel-gradient reduction keys (docs/conv.md)
    # Training with replicas only: ReplicaParams (absent with one copy)
    REPLICAS = 11
    # Fixed-point programs only: SATURATION_COUNTERS words, one per
    # SaturationKind, written as zeros, counted up by the core and read
    # back after the run (docs/numerics.md, "Saturation")
    SATURATION = 12


class SaturationKind(IntEnum):
    """Where a fixed-point core clipped a result to its range: the
    SATURATION region's words, in this order."""
    FORWARD = 0     # z, activations, softmax
    BACKWARD = 1    # loss gradients, deltas, partial errors, gradient sums
    UPDATE = 2      # parameters and optimizer state


#: Words of the SATURATION region.
SATURATION_COUNTERS = len(SaturationKind)


class Loss(IntEnum):
    """What the output layer's loss stage computes (0 on other layers)."""
    NONE = 0
    MEAN_SQUARED_ERROR = 1
    BINARY_CROSSENTROPY = 2
    CATEGORICAL_CROSSENTROPY = 3
    #: labels are class indices: one label packet per example
    SPARSE_CATEGORICAL_CROSSENTROPY = 4


def label_keys(loss: Loss, output_atoms: int,
               sample_weights: bool = False) -> int:
    """Keys of the label source: one per output atom (a row of targets,
    float32 bits), or one (the class index as an unsigned word) for sparse
    categorical cross-entropy; with sample weights one more, the last,
    carrying the example's weight (float32 bits)."""
    keys = 1 if loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY \
        else output_atoms
    return keys + int(sample_weights)


def encode_labels(loss: Loss, labels: np.ndarray,
                  sample_weights=None, numerics=None) -> np.ndarray:
    """The label source's payloads, one row per example (label_keys words):
    the class index (sparse: labels of shape (n,), non-negative ints), else
    the targets' float32 bits; then the sample weight's bits, if any.
    numerics (spinndl.numerics, default float) gives the value words."""
    from .numerics import FLOAT
    numerics = numerics or FLOAT
    if loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY:
        words = np.asarray(labels, dtype=np.uint32).reshape(-1, 1)
    else:
        rows = np.asarray(labels, dtype="<f4")
        words = numerics.value_words(
            np.ascontiguousarray(rows.reshape(len(rows), -1)))
    if sample_weights is None:
        return words
    weights = np.asarray(sample_weights, dtype="<f4").reshape(-1, 1)
    return np.hstack([words, numerics.value_words(weights)])


class Optimizer(IntEnum):
    SGD = 0
    SGD_MOMENTUM = 1
    ADAM = 2


#: Floats of optimizer state per parameter.
OPTIMIZER_SLOTS = {Optimizer.SGD: 0, Optimizer.SGD_MOMENTUM: 1,
                   Optimizer.ADAM: 2}


def float_bits(value: float) -> int:
    return int(np.array([value], dtype="<f4").view("<u4")[0])


def shard_bounds(n_values: int, n_replicas: int, replica: int
                 ) -> Tuple[int, int]:
    """(first, count) of the segment of a core's n_values parameters that
    replica ``replica`` of ``n_replicas`` updates: near-equal contiguous
    segments in replica order, together all the parameters."""
    first = replica * n_values // n_replicas
    return first, (replica + 1) * n_values // n_replicas - first


def gradient_chain_keys(n_values: int, weight_deltas: bool) -> int:
    """Keys of a core's gradient_chain partition (gradient_exchange.c):
    its n_values sums (base + j), new weights (base + n_values + j),
    "go" (base + 2 n_values) and, where a weight's change gives its bits
    back (fixed point), the pairs of changes of weights 2p and 2p + 1
    (base + 2 n_values + 1 + p)."""
    return 2 * n_values + 1 + (n_values // 2 if weight_deltas else 0)


@dataclass(frozen=True)
class ReplicaParams:
    """The REPLICAS region (training with replicas > 1)."""
    n_replicas: int
    replica: int
    n_values: int
    chain_key: int
    ready_key: int
    chain_in_key: int
    chain_in_mask: int
    ready_in_key: int
    ready_in_mask: int
    own_first: int
    own_count: int
    start_first: int
    start_count: int
    next_first: int
    next_count: int
    sums_period_ns: int
    weights_period_ns: int
    updated_key: int
    updated_in_key: int
    updated_in_mask: int

    N_WORDS = 20

    def encode(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.uint32)


@dataclass(frozen=True)
class TrainingParams:
    """The TRAINING region: words in this order; the five hyper-parameters
    are float32 bits."""
    loss: int               # Loss
    optimizer: int          # Optimizer
    n_examples: int         # examples per epoch
    batch_size: int         # the last batch of an epoch may be smaller
    learning_rate: float
    momentum: float
    beta_1: float
    beta_2: float
    epsilon: float
    is_first_layer: int     # sends acks instead of partial errors
    ack_key: int            # first layer: its key on ACK_PARTITION
    next_layer_cores: int   # partial errors per input and example (0 on
                            # the output layer)
    output_atoms: int       # the output layer's width (losses average
                            # over it)
    initial_step: int = 0   # updates done before this run (Adam's t)
    # Keras computes 1 - beta in double from the Python floats, then rounds
    # to float32; 1.0f - float32(beta) on the core would differ (1e-5).
    one_minus_beta_1: float = 0.0
    one_minus_beta_2: float = 0.0
    # Output layer: 1 when the label source's last key carries a weight per
    # example that scales the example's loss gradient (Keras' sample_weight).
    sample_weights: int = 0
    backward_period_ns: int = 0  # from one partial error sent to the next;
                                 # they go round the previous layer's slices

    N_WORDS = 18
    _FLOATS = ("learning_rate", "momentum", "beta_1", "beta_2", "epsilon",
               "one_minus_beta_1", "one_minus_beta_2")

    def encode(self, weight_bits=None) -> np.ndarray:
        """The words; weight_bits(value) gives a hyper-parameter's word
        (float32 bits unless the cores compute in fixed point:
        spinndl.numerics)."""
        weight_bits = weight_bits or float_bits
        words = [weight_bits(getattr(self, name)) if name in self._FLOATS
                 else getattr(self, name)
                 for name in self.__dataclass_fields__]
        return np.array(words, dtype=np.uint32)

    @classmethod
    def decode(cls, data: bytes) -> "TrainingParams":
        words = np.frombuffer(data, dtype="<u4", count=cls.N_WORDS)
        values = {}
        for name, word in zip(cls.__dataclass_fields__, words):
            values[name] = (float(np.array([word], "<u4").view("<f4")[0])
                            if name in cls._FLOATS else int(word))
        return cls(**values)


@dataclass(frozen=True)
class BackwardTarget:
    """BACKWARD_OUT rows: partial errors for inputs lo_atom … lo_atom +
    n_atoms − 1 go out with key + (input − lo_atom)."""
    key: int
    lo_atom: int
    n_atoms: int


def backward_targets_bytes(n_targets: int) -> int:
    return BYTES_PER_WORD * (1 + 3 * n_targets)


def encode_backward_targets(targets: Sequence[BackwardTarget]) -> np.ndarray:
    words = [len(targets)]
    for target in targets:
        words += [target.key, target.lo_atom, target.n_atoms]
    return np.array(words, dtype=np.uint32)


def decode_backward_targets(data: bytes) -> List[BackwardTarget]:
    words = np.frombuffer(data, dtype="<u4")
    count = int(words[0])
    rows = words[1:1 + 3 * count].reshape(count, 3)
    return [BackwardTarget(*(int(w) for w in row)) for row in rows]


@dataclass(frozen=True)
class LayerParams:
    """The PARAMS region: one word each, in this order."""
    n_atoms: int        # atoms on this core
    lo_atom: int        # index of this core's first atom in the layer
    layer_atoms: int    # atoms in the whole layer
    n_inputs: int       # input values per example
    activation: int     # spinndl.activations.CODES
    forward_key: int    # base key of this core's outputs (atom i: key + i)
    forward_mask: int   # the mask the toolchain gave that key
    training: int       # 1 when the core runs backpropagation
    softmax_key: int = 0         # this core's base key on SOFTMAX_PARTITION
    softmax_layer_key: int = 0   # key and mask matching every core of the
    softmax_layer_mask: int = 0  # layer on SOFTMAX_PARTITION
    layer_cores: int = 1         # cores the layer is split over
    send_period_ns: int = 0      # from one output packet to the next
    send_phase_us: int = 0       # pause before an example's first packet
    examples_in_flight: int = 2  # the network's slots (keys per value)
    forward_pairs: int = 0       # 1: two outputs a packet where they fit
                                 # (fixed point, to layer cores only)

    N_WORDS = 16

    def encode(self) -> np.ndarray:
        return np.array([self.n_atoms, self.lo_atom, self.layer_atoms,
                         self.n_inputs, self.activation, self.forward_key,
                         self.forward_mask, self.training, self.softmax_key,
                         self.softmax_layer_key, self.softmax_layer_mask,
                         self.layer_cores, self.send_period_ns,
                         self.send_phase_us, self.examples_in_flight,
                         self.forward_pairs], dtype=np.uint32)

    @classmethod
    def decode(cls, data: bytes) -> "LayerParams":
        words = np.frombuffer(data, dtype="<u4", count=cls.N_WORDS)
        return cls(*(int(w) for w in words))


PARAMS_REGION_BYTES = LayerParams.N_WORDS * BYTES_PER_WORD


def forward_keys(n_values: int, examples_in_flight: int,
                 pairs: bool = False) -> int:
    """Keys of a forward sender of n_values per example: one per value
    and example slot, and with pairs (fixed point, common/value_pairs.h)
    two per pair and slot, signed and unsigned (values 2j and 2j + 1 of
    slot p: key + S n + (j << (log2 S + 1)) + (p << 1) + unsigned)."""
    return examples_in_flight * (n_values + (2 * (n_values // 2)
                                             if pairs else 0))


def value_key(base_key: int, n_values: int, example: int, value: int,
              examples_in_flight: int) -> int:
    """The key of value ``value`` of example number ``example`` from a
    sender of ``n_values`` values whose keys start at ``base_key``: a
    sender has one key per value and example slot (examples_in_flight keys
    per value), value i of an example in slot p going with key + p * values
    + i, so a receiver knows the example of every packet whatever order
    packets arrive in (docs/streaming.md). Every partition that carries
    per-example values asks the toolchain's allocator for that many keys
    per value."""
    return base_key + (example % examples_in_flight) * n_values + value


def send_phase_us(core_index: int, layer_cores: int = 1,
                  training: bool = False,
                  share: Optional[float] = None, pairs: bool = False) -> int:
    """Microseconds core core_index of a layer waits before the first
    packet of an example: the layer's cores spread evenly over one send
    period, so they take turns instead of all sending at once to a receiving
    core (each packet costs the receiver over a microsecond: one microsecond
    per core would pile a wide layer's first packets up at the receiver)."""
    return core_index * send_period_ns(layer_cores, training, share,
                                       pairs) // (
        1000 * max(1, layer_cores))


#: ARM968 cycles a layer core spends on one received value: spin1's packet
#: interrupt and filing the value, plus finding its key table entry: by
#: subtract and shift (KEY_INDEXED_CYCLES) in an evenly spaced table, else
#: a binary search whose steps cost KEY_SEARCH_STEP_CYCLES each; a partial
#: error adds a float add. From the cost table, src/common/work.h
#: (WORK_CYCLES_PACKET_INTERRUPT + WORK_PACKET_FILED, WORK_KEY_INDEXED,
#: WORK_KEY_SEARCH_STEP, WORK_PARTIAL_ERROR_FILED);
#: unit_tests/test_wire_format.py checks they are the table's.
RECEIVE_CYCLES = 182
KEY_INDEXED_CYCLES = 11
KEY_SEARCH_STEP_CYCLES = 15
PARTIAL_ERROR_EXTRA_CYCLES = 40
#: a pair of forward values filed, beyond a single's
#: (WORK_VALUE_PAIR_FILED)
VALUE_PAIR_EXTRA_CYCLES = 29
#: fixed point's add of a received sum (WORK_FIXED_PARTIAL_ERROR_FILED)
#: and a packet of two weight changes added (WORK_WEIGHT_PAIR_APPLIED)
FIXED_SUM_ADD_CYCLES = 22
WEIGHT_PAIR_EXTRA_CYCLES = 17
NS_PER_CYCLE = 5
#: spin1_send_mc_packet (WORK_CYCLES_PACKET_SEND): the exchange passes
#: most of what it receives on.
SEND_CYCLES = 121
#: The share of a receiving core's time one incoming stream may take: in
#: inference only the forward stream arrives; in training a core may get
#: the next example's inputs and the last one's partial errors at once, so
#: the two shares sum to 0.9. 784-512-512-10 fixed-point training, the
#: work model's replicas (5; 4 at (0.6, 0.3)), (forward, backward):
#: (0.4, 0.4) 421, (0.5, 0.4) 434, (0.6, 0.3) 440 examples/s, no drops
#: (0.8, 0.8: 480, no drops here, but no margin where the streams meet).
INFERENCE_RECEIVE_SHARE = 0.8
TRAINING_RECEIVE_SHARE = 0.6
BACKWARD_RECEIVE_SHARE = 0.3


def receive_ns(senders: int, partial_error: bool = False,
               evenly_spaced: bool = True, pair: bool = False) -> int:
    """Simulated ns a core spends on one packet from a key table of
    ``senders`` entries. The layers' pacing takes evenly spaced tables:
    a layer core's senders are the slices of one layer, keyed by the
    toolchain's zoned allocator (integration_tests/test_mapping.py checks
    the mapped tables); otherwise a binary search takes bit_length steps."""
    cycles = RECEIVE_CYCLES + (
        KEY_INDEXED_CYCLES if evenly_spaced
        else KEY_SEARCH_STEP_CYCLES * max(1, senders.bit_length()))
    if partial_error:
        cycles += PARTIAL_ERROR_EXTRA_CYCLES
    if pair:
        cycles += VALUE_PAIR_EXTRA_CYCLES
    return cycles * NS_PER_CYCLE


def period_ns(nanoseconds: float) -> int:
    """A period as the cores take it: whole nanoseconds, rounded up (a
    shorter one would take more than the receivers' share)."""
    return max(1, math.ceil(nanoseconds))


def send_period_ns(sending_cores: int, training: bool = False,
                   share: Optional[float] = None, pairs: bool = False
                   ) -> int:
    """Nanoseconds from one packet a core sends to the next layer to its
    next: the cores send by deadline on their clock (src/common/
    paced_send.h), so the send itself is part of the period and packets
    the sender receives meanwhile do not lengthen it. Every core of the
    next layer receives every packet of all ``sending_cores`` cores of this
    one (staggered by send_phase_us), each costing it receive_ns: the
    period keeps that stream under the receiver's share of its time
    (``share``, else inference's or training's default), so no packet
    waits in the router long enough to be dropped. With ``pairs`` a packet
    may carry two values, which cost the receiver a little more."""
    if share is None:
        share = TRAINING_RECEIVE_SHARE if training \
            else INFERENCE_RECEIVE_SHARE
    return period_ns(sending_cores * receive_ns(sending_cores, pair=pairs)
                     / share)


def partial_error_share(receiving_cores: int, next_cores: int) -> float:
    """The most of a training core's time the partial errors it receives
    take: the ``next_cores`` cores of the next layer each send one every
    backward_period_ns (or as fast as a send goes, when that is slower)
    round this layer's ``receiving_cores`` cores. At most
    BACKWARD_RECEIVE_SHARE; far less where few cores send them (an output
    layer of two cores sends 512 partial errors to 52 cores: 0.07)."""
    if next_cores == 0:
        return 0.0
    period = max(SEND_CYCLES * NS_PER_CYCLE,
                 backward_period_ns(next_cores, receiving_cores))
    return (next_cores * receive_ns(next_cores, partial_error=True)
            / (max(1, receiving_cores) * period))


def training_forward_share(receiving_cores: int, next_cores: int) -> float:
    """The share of a receiving training core's time its forward inputs
    may take: what the partial errors leave of the two streams' 0.9
    (TRAINING_RECEIVE_SHARE + BACKWARD_RECEIVE_SHARE), at most inference's
    share. ``next_cores``: the cores of the layer after the receiving one
    (0 for the output layer, which gets no partial errors)."""
    return min(INFERENCE_RECEIVE_SHARE,
               TRAINING_RECEIVE_SHARE + BACKWARD_RECEIVE_SHARE
               - partial_error_share(receiving_cores, next_cores))


def backward_period_ns(sending_cores: int, target_slices: int) -> int:
    """Nanoseconds between the partial errors a core sends. A core sends
    them round the ``target_slices`` slices of the previous layer (one
    value to each in turn), so each slice gets one of every target_slices
    packets of each of the ``sending_cores`` senders."""
    return period_ns(
        sending_cores * receive_ns(sending_cores, partial_error=True)
        / (BACKWARD_RECEIVE_SHARE * max(1, target_slices)))


#: The share of a core's time the gradient exchange's packets may take: as
#: in inference only one kind of stream arrives (the next batch waits for
#: the exchange), while the core sends its own segments. 784-512-512-10 in
#: fixed point, 5 replicas: no drops at 0.7, 0.8 or 0.9 (378, 388 and 399
#: examples/s); 0.8 keeps inference's margin.
EXCHANGE_RECEIVE_SHARE = 0.8


def gradient_periods_ns(n_replicas: int, fixed_point: bool = False
                        ) -> Tuple[int, int]:
    """(sums, weights): nanoseconds between the gradient sums a core starts
    and between the new weights of its own segment. All segments go round
    the ring at once, so each link carries up to R - 1 streams at a time
    (every segment but the one its sender owns, or starts); a receiver
    files each packet and passes most on (a sum: the add too). The owner
    updates its segment a chunk at a time and sends each chunk's weights as
    it goes (gradient_exchange.c): the update's time is part of the period,
    so the weights go one a period, or as fast as the update allows when
    it is the slower. In fixed point a sum's add is the integer one, and
    a packet of weights may be a pair of changes to add."""
    streams = max(1, n_replicas - 1)

    def period(cycles):
        return period_ns(streams * cycles * NS_PER_CYCLE
                         / EXCHANGE_RECEIVE_SHARE)
    add = FIXED_SUM_ADD_CYCLES if fixed_point else PARTIAL_ERROR_EXTRA_CYCLES
    pair = WEIGHT_PAIR_EXTRA_CYCLES if fixed_point else 0
    return (period(RECEIVE_CYCLES + add + SEND_CYCLES),
            period(RECEIVE_CYCLES + pair + SEND_CYCLES))


@dataclass(frozen=True)
class KeyTableEntry:
    """Packets whose key & mask == key carry inputs first_index … first_index
    + n_atoms - 1; the input index is first_index + (key & ~mask)."""
    key: int
    mask: int
    first_index: int
    n_atoms: int


def evenly_spaced(entries) -> bool:
    """Whether a key table (sorted by key) lets the C find a packet's entry
    by (key - first key) >> key bits, as input_streams.c's find_spacing
    decides: every entry with one mask ~0 << bits (bits > 0), entry e's
    key the first's + e << bits, the first key aligned."""
    if not entries:
        return False
    mask = entries[0].mask
    bits = 0
    while bits < 31 and not (mask >> bits) & 1:
        bits += 1
    if bits == 0 or mask != (0xFFFFFFFF << bits) & 0xFFFFFFFF \
            or entries[0].key & ~mask & 0xFFFFFFFF:
        return False
    return all(e.mask == mask and e.key == entries[0].key + (i << bits)
               for i, e in enumerate(entries))


KEY_TABLE_ENTRY_WORDS = 4
KEY_TABLE_ENTRY_BYTES = KEY_TABLE_ENTRY_WORDS * BYTES_PER_WORD


def key_table_bytes(n_entries: int) -> int:
    """A count word, then the entries."""
    return BYTES_PER_WORD * (1 + n_entries * KEY_TABLE_ENTRY_WORDS)


def encode_key_table(entries: Sequence[KeyTableEntry]) -> np.ndarray:
    words = [len(entries)]
    for entry in sorted(entries, key=lambda e: e.key):
        words += [entry.key, entry.mask, entry.first_index, entry.n_atoms]
    return np.array(words, dtype=np.uint32)


def decode_key_table(data: bytes) -> List[KeyTableEntry]:
    words = np.frombuffer(data, dtype="<u4")
    count = int(words[0])
    rows = words[1:1 + count * KEY_TABLE_ENTRY_WORDS].reshape(
        count, KEY_TABLE_ENTRY_WORDS)
    return [KeyTableEntry(*(int(w) for w in row)) for row in rows]
