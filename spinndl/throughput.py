"""The mapping objective "throughput": how many copies of a model, and how
many cores per layer, give the most examples per second (docs/packing.md,
"Mapping objectives"). Pure maths on top of spinndl.packing, used by the
graph, by summary() and by the property tests.

The objective "cores" is packing's densest plan: fewest cores. "throughput"
searches replica counts R and, for each, spreads every replica's layers
over an equal share of the free cores so that per-core work balances: it
starts from the densest plan and gives one more core to the layer whose
cores are busiest per example, while the share lasts and the cores still
fit their DTCM, SDRAM and neighbour tables. The work model counts, per core
and example, the ARM968 cycles the emulator's cost table charges
(src/common/work.h) for the big items: received packets, multiply-
accumulates, per-atom work, sends and their pacing waits, and in training
the partial errors, gradients and the batch-end update. A replica finishes
examples at ``min(1 / slowest core, examples in flight / latency)``; R
replicas at R times that, capped by what the host link can stream. In
training a batch starts empty and ends drained at its barrier: its first
example takes a whole round trip, the rest follow at that rate, then the
batch end (exchange and update).
"""

import dataclasses
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import host_link
from .packing import (
    INPUT_SOURCE_CORES, LABEL_SOURCE_CORES,
    OUTPUT_GATHERER_CORES_PER_BOARD, SPINN5_BUDGET, CapacityError,
    CoreBudget, LayerSpec, MachineTooSmallError, NetworkPlan, plan_network)
from .wire_format import (
    EXAMPLES_IN_FLIGHT_CHOICES, MAX_EXAMPLES_IN_FLIGHT, NS_PER_CYCLE, PARTIAL_ERROR_EXTRA_CYCLES, backward_period_ns,
    gradient_periods_ns, receive_ns, send_period_ns, training_forward_share)

OBJECTIVES = ("cores", "throughput")
#: Slot counts a layout may ask for: powers of two up to the C's maximum.
EXAMPLES_IN_FLIGHT_ALLOWED = tuple(
    n for n in (1, 2, 4, 8) if n <= MAX_EXAMPLES_IN_FLIGHT)
DATA_SOURCES = ("host", "board")

@dataclass(frozen=True)
class WorkCosts:
    """ARM968 cycles of the work model for one number format: the
    emulator's table, src/common/work.h (WORK_* for float, WORK_FIXED_* for
    numerics="fixed"); unit_tests/test_throughput_plan.py checks they are
    the table's."""
    forward_mac: int
    #: bias and max, plus a relu-sized activation, per atom
    forward_atom: int
    partial_error_mac: int
    gradient_mac: int
    #: the add of a received partial error (on top of wire_format's
    #: RECEIVE_CYCLES, which counts the float one)
    partial_error_filed: int
    #: per parameter and batch, by optimizer slots (SGD, momentum, Adam)
    update: Dict[int, int]
    #: a send is spin1's, the same in every format
    send: int = 121
    #: new weights per packet of the replicas' all-gather: fixed point
    #: sends two changes to a packet where they fit, as Adam's steps
    #: usually do (src/layer/weight_deltas.h)
    weights_per_packet: int = 1
    #: forward values go two to a packet where they fit (fixed point,
    #: common/value_pairs.h): between layers, and (input_pairs, set by
    #: plan_throughput for data on the board) from a data source on the
    #: board to the first; the host's live input sends one a packet
    forward_pairs: bool = False
    input_pairs: bool = False

    def update_cycles(self, optimizer_slots: int) -> int:
        """The optimizer's cycles per parameter and batch (Adam's for a
        slot count the table lacks)."""
        return self.update.get(optimizer_slots, self.update[2])


FLOAT_COSTS = WorkCosts(forward_mac=98, forward_atom=110 + 77,
                        partial_error_mac=96, gradient_mac=99,
                        partial_error_filed=40,
                        update={0: 128, 1: 184, 2: 1246})
FIXED_COSTS = WorkCosts(forward_mac=11, forward_atom=40 + 21,
                        partial_error_mac=13, gradient_mac=26,
                        partial_error_filed=22,
                        update={0: 61, 1: 88, 2: 597},
                        weights_per_packet=2, forward_pairs=True)
WORK_COSTS = {"float": FLOAT_COSTS, "fixed": FIXED_COSTS}


def work_costs(numerics: str = "float") -> WorkCosts:
    """The work model's costs for a numerics name ("float", "fixed")."""
    try:
        return WORK_COSTS[numerics]
    except KeyError:
        raise ValueError(f"no work model costs for numerics {numerics!r}; "
                         f"known: {sorted(WORK_COSTS)}") from None


#: Application cores per board "throughput" leaves free: the toolchain's
#: placer puts each layer's cores on neighbouring chips and can fail to
#: place a board filled close to the last core. One chip's worth; two in
#: training (measured: 757 of 759 failed for six 784-512-512-10 training
#: replicas, and 726 for five float ones with host-streamed data, their
#: layers 86, 52 and 5 cores wide, while inference placed 742).
PLACEMENT_SLACK_CORES = 17
TRAINING_PLACEMENT_SLACK_CORES = 34


def check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise ValueError(f"mapping_objective must be one of {OBJECTIVES}, "
                         f"got {objective!r}")
    return objective


@dataclass(frozen=True)
class Layout:
    """How a model is laid out on the machine (docs/packing.md, "Mapping
    objectives"): the objective "cores" (densest packing, the default) or
    "throughput" (spread and replicate for examples per second), and the
    number of replicas (None: 1 for "cores", the work model's best for
    "throughput")."""
    objective: str = "cores"
    replicas: Optional[int] = None
    #: where predict's inputs come from: "host" (streamed over Ethernet to
    #: a live input) or "board" (written to a data source core's SDRAM at
    #: load time, docs/streaming.md)
    data_source: str = "host"
    #: example slots per core (docs/streaming.md, "How many in flight"):
    #: None for the most that fits (4, else 2), or 1, 2 or 4
    examples_in_flight: Optional[int] = None

    def __post_init__(self):
        check_objective(self.objective)
        if self.data_source not in DATA_SOURCES:
            raise ValueError(f"data_source must be one of {DATA_SOURCES}, "
                             f"got {self.data_source!r}")
        if self.replicas is not None and (
                isinstance(self.replicas, bool)
                or not isinstance(self.replicas, int) or self.replicas < 1):
            raise ValueError(f"replicas must be a positive int or None, "
                             f"got {self.replicas!r}")
        if self.examples_in_flight is not None and (
                isinstance(self.examples_in_flight, bool)
                or not isinstance(self.examples_in_flight, int)
                or self.examples_in_flight not in EXAMPLES_IN_FLIGHT_ALLOWED):
            raise ValueError(
                f"examples_in_flight must be one of "
                f"{EXAMPLES_IN_FLIGHT_ALLOWED} or None, got "
                f"{self.examples_in_flight!r}")

    def examples_in_flight_choices(self) -> Tuple[int, ...]:
        """The slot counts to try, most first."""
        if self.examples_in_flight is not None:
            return (self.examples_in_flight,)
        return EXAMPLES_IN_FLIGHT_CHOICES


def forward_share(plan: NetworkPlan, index: int) -> Optional[float]:
    """As LayerVertex.forward_share: in training, the share of a core of
    layer index + 1 that layer ``index``'s outputs may take, what its
    partial errors leave; None for the defaults."""
    layers = plan.layers
    if not plan.training or index + 1 >= len(layers) or any(
            layer.spec.kind != "dense" for layer in layers[index:index + 3]):
        return None
    return training_forward_share(
        layers[index + 1].packing.cores,
        layers[index + 2].packing.cores if index + 2 < len(layers) else 0)


def layer_core_cycles(plan: NetworkPlan, index: int, batch_size: int = 32,
                      optimizer_slots: int = 0,
                      costs: WorkCosts = FLOAT_COSTS
                      ) -> Tuple[float, float]:
    """(forward, backward) ARM968 cycles per example of the busiest core of
    layer ``index`` in ``plan`` (an all-to-all layer: every core receives
    every input)."""
    layers = plan.layers
    layer = layers[index]
    k, n_inputs = layer.packing.atoms_per_core, layer.spec.n_inputs
    cores = layer.packing.cores
    sources = layer.n_sources
    # fixed point: two values a packet where they fit (taken as all)
    paired = costs.input_pairs if index == 0 else costs.forward_pairs
    receive = math.ceil(n_inputs / (2 if paired else 1)) * receive_ns(
        sources, pair=paired) / NS_PER_CYCLE
    sends_paired = costs.forward_pairs and index + 1 < len(layers)
    forward = (receive + k * n_inputs * costs.forward_mac
               + k * costs.forward_atom
               + math.ceil(k / (2 if sends_paired else 1)) * max(
                   costs.send, send_period_ns(
                       cores, plan.training, forward_share(plan, index),
                       pairs=sends_paired) / NS_PER_CYCLE))
    if not plan.training:
        return forward, 0.0
    backward = k * n_inputs * costs.gradient_mac
    if index + 1 < len(layers):
        next_cores = layers[index + 1].packing.cores
        backward += next_cores * k * (receive_ns(
            next_cores, partial_error=True) / NS_PER_CYCLE
            + costs.partial_error_filed - PARTIAL_ERROR_EXTRA_CYCLES)
    if index > 0:
        # each partial error is computed (and an input's gradient terms
        # added) just before it is sent, so the period hides that work:
        # the sends take their period or the work, whichever is longer
        previous_cores = layers[index - 1].packing.cores
        window = n_inputs * max(costs.send, backward_period_ns(
            cores, previous_cores) / NS_PER_CYCLE)
        work = backward + k * n_inputs * costs.partial_error_mac \
            + n_inputs * costs.send
        backward = max(window, work) + (backward - k * n_inputs
                                        * costs.gradient_mac)
    return forward, backward


def _rate_and_latency(plan: NetworkPlan, batch_size: int,
                      optimizer_slots: int, costs: WorkCosts
                      ) -> Tuple[float, float]:
    """(examples a second, seconds of one example's round trip) of one
    copy of ``plan``: the slowest core bounds the rate, and with the
    plan's examples in flight so does the latency through every layer and
    back."""
    cycles = [layer_core_cycles(plan, i, batch_size, optimizer_slots, costs)
              for i in range(len(plan.layers))]
    slowest = max(f + b for f, b in cycles)
    latency = sum(f + b for f, b in cycles)
    per_second = 1e9 / NS_PER_CYCLE
    return (min(per_second / slowest,
                plan.examples_in_flight * per_second / latency),
            latency / per_second)


def replica_examples_per_second(plan: NetworkPlan, batch_size: int = 32,
                                optimizer_slots: int = 0,
                                costs: WorkCosts = FLOAT_COSTS) -> float:
    """Examples a second one copy of ``plan`` finishes, by the work
    model."""
    return _rate_and_latency(plan, batch_size, optimizer_slots, costs)[0]


def batch_end_seconds(plan: NetworkPlan, replicas: int,
                      optimizer_slots: int = 0,
                      costs: WorkCosts = FLOAT_COSTS) -> float:
    """The batch-end latency of training: each layer's update on its
    busiest core (per parameter: the costs' update). Replicas each update
    their segment (1/R of the parameters) between the gradient exchange's
    two rounds of the ring (gradient_exchange.c: the sums of every segment
    go round at once, one per sums period, then the new weights, each sent
    as its chunk is updated, no faster than the weights period). One copy
    updates layer after layer (a layer sends the batch's last partial
    errors once updated); replicas update every layer at once ("updated"
    tokens keep the acks honest), so the slowest layer counts."""
    if not plan.training:
        return 0.0
    cycles = costs.update_cycles(optimizer_slots)
    sums_period, weights_period = gradient_periods_ns(
        replicas, fixed_point=costs.weights_per_packet > 1)
    weights_period /= costs.weights_per_packet
    update_ns = cycles * NS_PER_CYCLE
    per_layer = []
    for layer in plan.layers:
        k, n_inputs = layer.packing.atoms_per_core, layer.spec.n_inputs
        parameters = k * n_inputs + k
        if replicas > 1:
            segment = math.ceil(parameters / replicas)
            seconds = segment * (
                sums_period + max(update_ns, weights_period)) * 1e-9
        else:
            seconds = parameters * cycles * NS_PER_CYCLE * 1e-9
        per_layer.append(seconds)
    return max(per_layer) if replicas > 1 else sum(per_layer)


def examples_per_second(plan: NetworkPlan, replicas: int,
                        batch_size: int = 32,
                        optimizer_slots: int = 0,
                        costs: WorkCosts = FLOAT_COSTS) -> float:
    """R copies of ``plan``: in training each replica runs its share of
    every batch, then they exchange their gradient sums and update."""
    rate, latency = _rate_and_latency(plan, batch_size, optimizer_slots,
                                      costs)
    if not plan.training:
        return replicas * rate
    share = math.ceil(batch_size / replicas)
    # a batch starts empty and ends drained (the batch barrier): its first
    # example takes a whole round trip, the others follow at the rate
    return batch_size / ((share - 1) / rate + latency + batch_end_seconds(
        plan, replicas, optimizer_slots, costs))


@dataclass(frozen=True)
class ThroughputPlan:
    """What a mapping objective chose: the plan of one replica, how many
    replicas, and the work model's rate (examples per second)."""
    objective: str
    network: NetworkPlan
    replicas: int
    #: atoms per core per layer, None where the densest packing is used
    max_atoms: Tuple[Optional[int], ...]
    predicted_examples_per_second: Optional[float]
    #: example slots per core (the network plan's, which may be None when
    #: a test bypasses the capacity check)
    examples_in_flight: int = 2

    @property
    def replica_cores(self) -> int:
        """Application cores of one replica: its layers and sources."""
        return (self.network.layer_cores + INPUT_SOURCE_CORES
                + (LABEL_SOURCE_CORES if self.network.training else 0))

    def cores_on(self, boards: int) -> int:
        return (self.replicas * self.replica_cores
                + OUTPUT_GATHERER_CORES_PER_BOARD * boards)


def _plan(specs, training, slots, budget, caps,
          examples_in_flight) -> Optional[NetworkPlan]:
    try:
        return plan_network(specs, training, slots, budget, caps,
                            examples_in_flight)
    except CapacityError:
        return None


def spread(specs: Sequence[LayerSpec], core_share: int, training: bool,
           optimizer_slots: int = 0, batch_size: int = 32,
           budget: CoreBudget = SPINN5_BUDGET, replicas: int = 1,
           costs: WorkCosts = FLOAT_COSTS, examples_in_flight: int = 2
           ) -> Tuple[NetworkPlan, Tuple[Optional[int], ...]]:
    """One replica's plan within ``core_share`` layer cores: from the
    densest, one more core at a time to the busiest layer while it fits
    and helps (inference: that layer got faster and no core slower than
    the slowest was; training: the rate of ``replicas`` copies, batch-end
    exchange and updates included, went up). Returns (plan, caps)."""
    plan = plan_network(specs, training, optimizer_slots, budget,
                        examples_in_flight=examples_in_flight)
    caps: List[Optional[int]] = [None] * len(specs)
    # Training: a later layer's cores send their partial errors to a core
    # of the layer before at about the same time (the backward pass is not
    # staggered as the forward sends are), so a layer wider than any the
    # densest plan has makes bursts that outrun the receiver and the
    # router drops them. Layers after the first stay within that width;
    # the first sends no partial errors.
    burst_limit = max((layer.packing.cores for layer in plan.layers[1:]),
                      default=1) if training else None
    blocked: set = set()
    fixed: set = set()
    while True:
        loads = [sum(layer_core_cycles(plan, i, batch_size,
                                       optimizer_slots, costs))
                 for i in range(len(specs))]
        candidates = [i for i in range(len(specs)) if i not in blocked]
        if not candidates:
            return plan, tuple(caps)
        busiest = max(candidates, key=lambda i: loads[i])
        layer = plan.layers[busiest].packing
        if layer.atoms_per_core == 1:
            blocked.add(busiest)
            continue
        # the next cap that makes one more slice
        cap = min(math.ceil(specs[busiest].n_atoms / (layer.cores + 1)),
                  layer.atoms_per_core - 1)
        trial_caps = list(caps)
        trial_caps[busiest] = cap
        trial = _plan(specs, training, optimizer_slots, budget, trial_caps,
                      examples_in_flight)
        if trial is not None and burst_limit is not None and busiest > 0 \
                and trial.layers[busiest].packing.cores > burst_limit:
            trial = None
        if trial is None or trial.layer_cores > core_share:
            blocked.add(busiest)
            continue
        trial_loads = [sum(layer_core_cycles(trial, i, batch_size,
                                             optimizer_slots, costs))
                       for i in range(len(specs))]
        if training:
            better = examples_per_second(
                trial, replicas, batch_size, optimizer_slots, costs) > \
                examples_per_second(plan, replicas, batch_size,
                                    optimizer_slots, costs)
        else:
            better = trial_loads[busiest] < loads[busiest] and \
                max(trial_loads) <= max(loads)
        if not better:
            blocked.add(busiest)
            continue
        plan, caps = trial, trial_caps
        blocked = set(fixed)   # the others' costs changed with it


def plan_throughput(specs: Sequence[LayerSpec], available_cores: int,
                    boards: int = 1, training: bool = False,
                    optimizer_slots: int = 0, batch_size: int = 32,
                    budget: CoreBudget = SPINN5_BUDGET,
                    replicas: Optional[int] = None,
                    host_streamed: bool = True,
                    machine: str = "the machine",
                    max_replicas: Optional[int] = None,
                    costs: WorkCosts = FLOAT_COSTS,
                    examples_in_flight: int = 2) -> ThroughputPlan:
    """The replica count (``replicas``, else the best the work model
    finds) and per-layer spreading that give the most examples a second on
    ``available_cores`` application cores of ``boards`` boards. Inputs
    streamed from the host are capped by the host link
    (spinndl.host_link). Raises MachineTooSmallError when not even one
    (or the asked number of) replica fits."""
    dense = plan_network(specs, training, optimizer_slots, budget,
                         examples_in_flight=examples_in_flight)
    per_replica_sources = INPUT_SOURCE_CORES + (
        LABEL_SOURCE_CORES if training else 0)
    usable = available_cores - OUTPUT_GATHERER_CORES_PER_BOARD * boards
    free = usable - boards * (TRAINING_PLACEMENT_SLACK_CORES if training
                              else PLACEMENT_SLACK_CORES)
    replica_size = dense.layer_cores + per_replica_sources
    # the slack only limits copies and spreading: one densest copy that
    # fits the machine is always offered
    most = max(free // replica_size, 1 if usable >= replica_size else 0)
    if replicas is None and max_replicas is not None:
        most = min(most, max_replicas)
    if most < 1 or (replicas is not None and replicas > most):
        raise MachineTooSmallError(
            dense, available_cores, machine, boards) if most < 1 else \
            CapacityError(
                f"replicas={replicas}: one replica needs "
                f"{dense.layer_cores + per_replica_sources} application "
                f"cores ({dense.breakdown(boards)}), so {machine} with "
                f"{available_cores} holds at most {most}")
    link_cap = host_link.max_examples_per_second(
        specs[0].n_inputs) if host_streamed else math.inf
    if not host_streamed and costs.forward_pairs:
        # a data source on the board pairs the inputs too (the host's
        # live input sends one value a packet)
        costs = dataclasses.replace(costs, input_pairs=True)
    best = None
    for count in ([replicas] if replicas is not None
                  else range(1, most + 1)):
        share = max(free // count - per_replica_sources, dense.layer_cores)
        plan, caps = spread(specs, share, training, optimizer_slots,
                            batch_size, budget, count, costs,
                            examples_in_flight)
        rate = min(link_cap, examples_per_second(
            plan, count, batch_size, optimizer_slots, costs))
        # more replicas only when the model says they are faster
        if best is None or rate > best.predicted_examples_per_second * 1.001:
            best = ThroughputPlan("throughput", plan, count, caps, rate,
                                  examples_in_flight)
    return best


def plan_cores(specs: Sequence[LayerSpec], training: bool = False,
               optimizer_slots: int = 0, batch_size: int = 32,
               budget: CoreBudget = SPINN5_BUDGET,
               replicas: int = 1,
               costs: WorkCosts = FLOAT_COSTS,
               examples_in_flight: int = 2) -> ThroughputPlan:
    """The objective "cores": the densest packing, ``replicas`` copies."""
    plan = plan_network(specs, training, optimizer_slots, budget,
                        examples_in_flight=examples_in_flight)
    return ThroughputPlan(
        "cores", plan, replicas, (None,) * len(specs),
        examples_per_second(plan, replicas, batch_size, optimizer_slots,
                            costs), examples_in_flight)

