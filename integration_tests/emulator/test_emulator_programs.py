"""The emulator on real mappings of a virtual SpiNN-5: the toolchain places,
routes and writes the data specs of the test programs; the emulator runs
them with the generated tables."""

import random

import pytest

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.utilities.utility_objs import (
    LivePacketGatherParameters)
from spinn_front_end_common.utility_models import ReverseIpTagMultiCastSource
from spinnman.messages.eieio import EIEIOType

from spinndl.backend.toolchain import ToolchainSession
from spinndl.emulator import CoreError, Emulator
from spinndl.emulator.engine import host_binary_dir

from spinndl.emulator.program_vertex import (
    PARTITION, RESULT_REGION, ProgramVertex, own_key, result_words)

pytestmark = pytest.mark.usefixtures("host_builds")

TIMER_PERIOD_US = 1000
#: Chips of a SpiNN-5 the ring visits in order (neighbours and not).
RING_CHIPS = [(0, 0), (1, 0), (2, 1), (2, 2), (1, 2), (0, 1), (4, 4)]


def map_and_emulate(build, **emulator_options):
    """Map the graph build(session) makes; return (emulator, whatever build
    returned, {machine vertex label: own routing key})."""
    with ToolchainSession(binary_folder=host_binary_dir()) as session:
        handles = build(session)
        session.map()
        keys = {}
        for placement in FecDataView.iterate_placemements():
            vertex = placement.vertex
            if isinstance(vertex.app_vertex, ProgramVertex) and \
                    FecDataView.get_routing_infos().has_info_from(
                        vertex, PARTITION):
                keys[vertex.label] = own_key(vertex)
        emulator = Emulator.from_toolchain(**emulator_options)
    return emulator, handles, keys


def result_of(emulator, core):
    return result_words(emulator.read_region(*core.location, RESULT_REGION))


def only_core(emulator, label):
    cores = emulator.cores_of(label)
    assert len(cores) == 1
    return cores[0]


def test_ring_passes_a_counter_across_chips_and_to_the_host():
    n_ring = len(RING_CHIPS)
    laps = 3
    max_hops = laps * n_ring

    def build(session):
        ring = [ProgramVertex(
            f"ring{i}", "ring.aplx",
            lambda mv, i=i: [own_key(mv), int(i == 0), max_hops,
                             TIMER_PERIOD_US],
            result_words=4, chip=chip) for i, chip in enumerate(RING_CHIPS)]
        for vertex in ring:
            session.add_vertex(vertex)
        for i, vertex in enumerate(ring):
            session.add_edge(vertex, ring[(i + 1) % n_ring], PARTITION)
        FecDataView.add_live_packet_gatherer_parameters(
            LivePacketGatherParameters(
                port=None, hostname=None,
                message_type=EIEIOType.KEY_PAYLOAD_32_BIT,
                use_payload_prefix=False, payload_as_time_stamps=False,
                label="host"), ring[0], [PARTITION])
        return ring

    emulator, _ring, keys = map_and_emulate(build)
    seen_by_host = []
    emulator.transport.add_receive_callback(
        "ring0", lambda label, atom, payload:
        seen_by_host.append((label, atom, payload)))
    with emulator:
        emulator.run()
        for i in range(n_ring):
            core = only_core(emulator, f"ring{i}")
            assert core.location[:2] == RING_CHIPS[i]
            received, last_payload, last_key, sent = result_of(emulator, core)
            predecessor = only_core(emulator, f"ring{(i - 1) % n_ring}")
            # Hop k carries payload k and lands on core k mod n_ring.
            assert received == laps, f"ring{i}"
            assert last_payload == (2 * n_ring + i if i else max_hops)
            assert last_key == keys[predecessor.label]
            assert sent == laps  # ring0: the first send + 2 forwards
        # Every send of ring0 (payloads 1, n+1, 2n+1) also reaches the host.
        assert seen_by_host == [("ring0", 0, 1 + lap * n_ring)
                                for lap in range(laps)]
        # The ring crosses chips: packets left through links, none dropped.
        assert sum(emulator.link_counters().values()) >= max_hops
        assert emulator.drops()[0] == 0


def test_one_source_reaches_every_core_on_many_chips_exactly_once():
    n_sinks = 120

    def build(session):
        source = ReverseIpTagMultiCastSource(n_keys=4, label="source")
        sinks = ProgramVertex("sinks", "fanout_sink.aplx", lambda mv: [0],
                              result_words=4, n_atoms=n_sinks)
        session.add_vertex(source)
        session.add_vertex(sinks)
        session.add_edge(source, sinks, PARTITION)
        return sinks

    emulator, _sinks, _keys = map_and_emulate(build)
    atom_to_key = emulator.snapshot.live_input_keys["source"]
    events = [(0, 7), (3, 0xFFFFFFF0)]
    with emulator:
        emulator.start()
        emulator.transport.send("source", events)
        emulator.run()
        sinks = emulator.cores_of("sinks")
        assert len(sinks) == n_sinks
        assert len({core.location[:2] for core in sinks}) >= 6
        for core in sinks:
            n_received, key_sum, payload_sum, last_key = \
                result_of(emulator, core)
            assert n_received == len(events), core.location
            assert key_sum == atom_to_key[0] + atom_to_key[3]
            assert payload_sum == (7 + 0xFFFFFFF0) & 0xFFFFFFFF
            assert last_key == atom_to_key[3]
            assert emulator.core_counters(*core.location).received == 2
        assert emulator.deliveries == n_sinks * len(events)
        assert emulator.drops()[0] == 0


def test_a_key_without_route_is_dropped_and_reported_with_its_chip():
    unrouted_key = 0xFEED0000
    n_ticks = 3

    def build(session):
        vertex = ProgramVertex(
            "lonely", "counter.aplx",
            lambda mv: [1, n_ticks, TIMER_PERIOD_US, unrouted_key, 1],
            result_words=2, chip=(3, 2))
        session.add_vertex(vertex)
        return vertex

    emulator, _vertex, _keys = map_and_emulate(build)
    with emulator:
        emulator.run()
        total, drops = emulator.drops()
        assert total == n_ticks
        assert {(drop.key, drop.x, drop.y) for drop in drops} == {
            (unrouted_key, 3, 2)}
        assert emulator.chip_counters(3, 2).dropped == n_ticks
        assert emulator.deliveries == 0


def test_timer_ticks_and_user_events_fire_in_order():
    n_ticks = 5

    def build(session):
        vertex = ProgramVertex(
            "timed", "timer_events.aplx",
            lambda mv: [TIMER_PERIOD_US, n_ticks], result_words=256)
        session.add_vertex(vertex)
        return vertex

    emulator, _vertex, _keys = map_and_emulate(build)
    with emulator:
        emulator.run()
        words = result_of(emulator, only_core(emulator, "timed"))
        n_entries = words[0]
        events = [words[1 + 2 * i] for i in range(n_entries)]
        expected = []
        for tick in range(1, n_ticks + 1):
            expected += [(1 << 24) | tick, (2 << 24) | tick]
        assert events == expected
        assert emulator.now_ns >= (n_ticks - 1) * TIMER_PERIOD_US * 1000


def test_region_data_arrives_intact():
    rng = random.Random(1)
    data = [rng.getrandbits(32) for _ in range(200)]

    def build(session):
        vertex = ProgramVertex(
            "echo", "region_echo.aplx", lambda mv: [len(data)] + data,
            result_words=1 + len(data), max_config_words=1 + len(data))
        session.add_vertex(vertex)
        return vertex

    emulator, _vertex, _keys = map_and_emulate(build)
    with emulator:
        emulator.run()
        words = result_of(emulator, only_core(emulator, "echo"))
        assert words[0] == len(data)
        assert words[1:] == [word ^ 0xA5A5A5A5 for word in data]


def test_two_cores_running_the_same_program_keep_separate_state():
    n_ticks = 4
    increments = {0: 3, 1: 1000}

    def build(session):
        vertex = ProgramVertex(
            "counters", "counter.aplx",
            lambda mv: [increments[mv.vertex_slice.lo_atom], n_ticks,
                        TIMER_PERIOD_US, 0, 0],
            result_words=2, n_atoms=2, chip=(1, 1))
        session.add_vertex(vertex)
        return vertex

    emulator, _vertex, _keys = map_and_emulate(build)
    with emulator:
        emulator.run()
        cores = emulator.cores_of("counters")
        assert len(cores) == 2
        for atom, core in enumerate(cores):
            assert core.snapshot.label.endswith(f"({atom}:{atom})")
            assert result_of(emulator, core) == [
                increments[atom] * n_ticks, n_ticks]


def test_interrupts_lengthen_a_counted_delay_but_not_a_wait_for_the_clock():
    """Two cores wait 400 us in a queued callback while 100 packets arrive
    (each interrupt 100 cycles, docs/emulator.md): spin1_delay_us, a
    counted loop on the ARM, ends that much later; a wait until a deadline
    on the core's clock (core_clock.h, timer 2 on the board) does not: its
    next callback starts on time."""
    wait_us, n_packets, flood_period_us = 400, 100, 2
    interrupt_ns = 100 * 5

    def build(session):
        flooder = ProgramVertex(
            "flooder", "clock_wait.aplx",
            lambda mv: [0, own_key(mv), n_packets, flood_period_us, 0, 0],
            result_words=3)
        waiters = ProgramVertex(
            "waiters", "clock_wait.aplx",
            lambda mv: [1, 0, 0, 0, mv.vertex_slice.lo_atom, wait_us],
            result_words=3, n_atoms=2)
        session.add_vertex(flooder)
        session.add_vertex(waiters)
        session.add_edge(flooder, waiters, PARTITION)
        return waiters

    emulator, _waiters, _keys = map_and_emulate(build)
    with emulator:
        emulator.run()
        counted, deadline = (result_of(emulator, core)
                             for core in emulator.cores_of("waiters"))
    for waited_ns, received_by_then, received in (counted, deadline):
        # every packet came during the wait
        assert received_by_then == received == n_packets
        assert waited_ns >= wait_us * 1000
    assert counted[0] >= wait_us * 1000 + n_packets * interrupt_ns
    # the deadline's end, plus the next callback's dispatch (100 cycles)
    assert deadline[0] <= wait_us * 1000 + 2 * interrupt_ns


@pytest.mark.parametrize("mode, reason_word", [
    (1, "rt_error"), (2, "callback"), (3, None)])
def test_a_failing_core_raises_core_error_naming_it(mode, reason_word):
    def build(session):
        good = ProgramVertex(
            "good", "rt_error_test.aplx",
            lambda mv: [0, 5, TIMER_PERIOD_US], result_words=1)
        bad = ProgramVertex(
            "bad", "rt_error_test.aplx",
            lambda mv: [mode, 2, TIMER_PERIOD_US], result_words=1,
            chip=(2, 3))
        session.add_vertex(good)
        session.add_vertex(bad)
        return bad

    emulator, _bad, _keys = map_and_emulate(build, callback_limit_s=0.5)
    with emulator:
        bad_core = only_core(emulator, "bad")
        with pytest.raises(CoreError) as failure:
            emulator.run(wall_limit_s=30)
        assert failure.value.location == bad_core.location
        assert failure.value.program == "rt_error_test.aplx"
        message = str(failure.value)
        assert "({}, {}, {})".format(*bad_core.location) in message
        if reason_word is not None:
            assert reason_word in message.lower()


def test_a_program_counting_another_list_of_work_kinds_is_refused():
    """Its counts would be charged with the wrong costs: the engine says
    which program to rebuild instead (docs/emulator.md)."""
    def build(session):
        vertex = ProgramVertex("stale", "stale_work.aplx", lambda mv: [0],
                               result_words=1)
        session.add_vertex(vertex)
        return vertex

    with pytest.raises(Exception, match="counts 1 kinds of work") as error:
        emulator, _vertex, _keys = map_and_emulate(build)
        emulator.close()
    assert "stale_work" in str(error.value)
    assert "make host" in str(error.value)
