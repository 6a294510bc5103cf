"""The mapping objectives (spinndl.throughput) and the host link's maths
(spinndl.host_link): property tests of the plans the objective
"throughput" makes, and concrete checks of the link's rates."""

import pytest
from hypothesis import given, settings, strategies as st

from spinndl import host_link
from spinndl.graph.kinds.dense import dense_cost
from spinndl.packing import (
    INPUT_SOURCE_CORES, LABEL_SOURCE_CORES, SPINN5_BUDGET, CapacityError,
    LayerSpec, pack, plan_network)
from spinndl.throughput import (
    FIXED_COSTS, FLOAT_COSTS, ThroughputPlan, check_objective,
    layer_core_cycles, plan_cores, plan_throughput,
    replica_examples_per_second, work_costs)

PROPERTY = settings(deadline=None, max_examples=60)

#: A virtual SpiN-5's application cores with default settings (facts note).
SPINN5_CORES = 759


def specs_of(widths):
    return [LayerSpec(f"dense_{i}", "dense", width, widths[i], dense_cost)
            for i, width in enumerate(widths[1:])]


mlp_widths = st.lists(st.integers(1, 600), min_size=2, max_size=5).map(
    lambda widths: [min(widths[0] + 1, 800)] + widths[1:])


def check_plan(choice: ThroughputPlan, specs, available: int,
               training: bool) -> None:
    """Every promise of a plan: it fits the cores; each layer's slices
    cover its atoms in order and are what the splitter makes with the cap;
    every core fits its budget."""
    assert choice.replicas >= 1
    assert choice.cores_on(1) <= available
    assert choice.replica_cores == choice.network.layer_cores + \
        INPUT_SOURCE_CORES + (LABEL_SOURCE_CORES if training else 0)
    for layer, spec, cap in zip(choice.network.layers, specs,
                                choice.max_atoms):
        slices = layer.packing.slices
        assert slices[0][0] == 0 and slices[-1][1] == spec.n_atoms
        assert all(hi == lo for (_, hi), (lo, _) in zip(slices, slices[1:]))
        # the splitter's packing with the same cap and sources
        again = pack(spec.n_atoms, lambda k: dense_cost(
            k, spec.n_inputs, layer.n_sources, training,
            2 if training else 0), SPINN5_BUDGET, spec.name, cap)
        assert again.slices == slices
        assert layer.packing.dtcm_bytes_per_core <= SPINN5_BUDGET.dtcm_bytes


@PROPERTY
@given(widths=mlp_widths, available=st.integers(40, 2000),
       training=st.booleans())
def test_throughput_plans_fit_and_beat_the_densest(widths, available,
                                                   training):
    specs = specs_of(widths)
    slots = 2 if training else 0
    try:
        choice = plan_throughput(specs, available, 1, training, slots)
    except CapacityError:
        # only when one densest replica does not fit
        dense = plan_network(specs, training, slots)
        assert dense.layer_cores + INPUT_SOURCE_CORES + 1 + (
            LABEL_SOURCE_CORES if training else 0) > available
        return
    check_plan(choice, specs, available, training)
    densest = plan_cores(specs, training, slots)
    cap = host_link.max_examples_per_second(widths[0])
    # never predicted slower than one densest copy (up to the link's cap)
    assert choice.predicted_examples_per_second >= min(
        cap, densest.predicted_examples_per_second) * 0.999
    if training:
        limited = plan_throughput(specs, available, 1, training, slots,
                                  max_replicas=2)
        assert limited.replicas <= 2


@PROPERTY
@given(widths=mlp_widths, available=st.integers(40, 2000),
       training=st.booleans())
def test_fixed_point_plans_fit_and_beat_the_densest(widths, available,
                                                    training):
    """The same promises with the fixed-point kernels' costs."""
    specs = specs_of(widths)
    slots = 2 if training else 0
    try:
        choice = plan_throughput(specs, available, 1, training, slots,
                                 costs=FIXED_COSTS)
    except CapacityError:
        dense = plan_network(specs, training, slots)
        assert dense.layer_cores + INPUT_SOURCE_CORES + 1 + (
            LABEL_SOURCE_CORES if training else 0) > available
        return
    check_plan(choice, specs, available, training)
    densest = plan_cores(specs, training, slots, costs=FIXED_COSTS)
    cap = host_link.max_examples_per_second(widths[0])
    assert choice.predicted_examples_per_second >= min(
        cap, densest.predicted_examples_per_second) * 0.999


@PROPERTY
@given(widths=mlp_widths, training=st.booleans())
def test_fixed_point_cores_are_never_slower_than_float(widths, training):
    """Every fixed-point charge is at most the float one (work.h), so on
    the same plan the work model never predicts a fixed-point core busier
    than a float one; its MACs are cheaper, so a layer's cores are faster
    whenever they multiply anything."""
    plan = plan_network(specs_of(widths), training, 2 if training else 0)
    for i in range(len(plan.layers)):
        fixed = sum(layer_core_cycles(plan, i, costs=FIXED_COSTS))
        float_ = sum(layer_core_cycles(plan, i, costs=FLOAT_COSTS))
        assert fixed < float_


def test_work_model_costs_are_the_cost_tables():
    """Both formats' charges are the emulator's table, work.h (WORK_* and
    WORK_FIXED_*); a send is spin1's own (WORK_CYCLES_PACKET_SEND)."""
    from spinndl.benchmarks.arm_calibration import cost_table, fixed_costs
    table, spin1 = cost_table(), fixed_costs()
    for costs, prefix in ((FLOAT_COSTS, "WORK_"), (FIXED_COSTS,
                                                    "WORK_FIXED_")):
        assert costs.forward_mac == table[prefix + "FORWARD_MAC"]
        assert costs.forward_atom == (table[prefix + "FORWARD_ATOM"]
                                      + table[prefix + "RELU"])
        assert costs.partial_error_mac == table[prefix + "PARTIAL_ERROR_MAC"]
        assert costs.gradient_mac == table[prefix + "GRADIENT_MAC"]
        assert costs.partial_error_filed == \
            table[prefix + "PARTIAL_ERROR_FILED"]
        assert costs.update == {0: table[prefix + "UPDATE_SGD"],
                                1: table[prefix + "UPDATE_MOMENTUM"],
                                2: table[prefix + "UPDATE_ADAM"]}
        assert costs.send == spin1["WORK_CYCLES_PACKET_SEND"]
    assert work_costs("fixed") is FIXED_COSTS
    assert work_costs("float") is FLOAT_COSTS
    with pytest.raises(ValueError, match="'posit'"):
        work_costs("posit")


@PROPERTY
@given(widths=mlp_widths, replicas=st.integers(1, 8))
def test_asked_replicas_are_given_or_refused(widths, replicas):
    specs = specs_of(widths)
    try:
        choice = plan_throughput(specs, SPINN5_CORES, replicas=replicas)
    except CapacityError as error:
        assert f"replicas={replicas}" in str(error) or \
            "application cores" in str(error)
        return
    assert choice.replicas == replicas
    check_plan(choice, specs, SPINN5_CORES, False)


def test_mnist_mlp_inference_uses_replicas_on_one_board():
    specs = specs_of([784, 512, 512, 10])
    choice = plan_throughput(specs, SPINN5_CORES)
    densest = plan_cores(specs)
    assert choice.replicas > 1
    assert choice.cores_on(1) <= SPINN5_CORES
    assert choice.predicted_examples_per_second > \
        4 * densest.predicted_examples_per_second


def test_spreading_balances_the_slowest_core():
    specs = specs_of([784, 512, 512, 10])
    one = plan_throughput(specs, SPINN5_CORES, replicas=1)
    densest = plan_cores(specs)
    slowest = max(sum(layer_core_cycles(one.network, i)) for i in range(3))
    slowest_dense = max(sum(layer_core_cycles(densest.network, i))
                        for i in range(3))
    assert one.network.layer_cores > densest.network.layer_cores
    assert slowest < slowest_dense
    assert replica_examples_per_second(one.network) > \
        replica_examples_per_second(densest.network)


def test_too_many_replicas_name_the_limit():
    with pytest.raises(CapacityError, match="replicas=100"):
        plan_throughput(specs_of([784, 512, 512, 10]), SPINN5_CORES,
                        replicas=100)


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="mapping_objective"):
        check_objective("speed")


# --- the host link -------------------------------------------------------------
def test_a_full_message_costs_its_frame_on_100_mbit():
    # 2 + 31 * 8 EIEIO bytes, 38 SDP/UDP/IP, 38 Ethernet: 326 B = 2608 bit
    assert host_link.message_wire_ns(31) == 26_080
    assert host_link.frame_wire_ns(250) == 26_080


def test_mnist_images_over_the_link():
    rate = host_link.max_examples_per_second(784)
    # the issue's ~2,000 counts 8 B per value alone; framing costs more
    assert 1_400 < rate < 2_000


def test_message_size_limits():
    with pytest.raises(ValueError):
        host_link.message_wire_ns(32)
    with pytest.raises(ValueError):
        host_link.message_wire_ns(0)
