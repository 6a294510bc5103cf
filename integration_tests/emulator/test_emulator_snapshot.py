"""What the emulator reads out of a mapping, checked against the toolchain
itself with a small reference router (no engine needed)."""

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.utility_models import ReverseIpTagMultiCastSource

from spinndl.backend.toolchain import ToolchainSession
from spinndl.emulator import take_snapshot
from spinndl.emulator.snapshot import Role

from spinndl.emulator.program_vertex import PARTITION, RESULT_REGION, ProgramVertex


def reached_cores(snapshot, x, y, key):
    """Cores a packet sent from chip (x, y) reaches, following the tables
    as a SpiNNaker router does: first matching entry, else default-route
    straight on (packets from a link only), else drop."""
    reached = set()
    pending = [(x, y, None)]   # chip and the link the packet came in on
    links = {(lx, ly, link): (tx, ty)
             for lx, ly, link, tx, ty in snapshot.links}
    visits = 0
    while pending:
        x, y, arrived_on = pending.pop()
        visits += 1
        assert visits < 10_000, "routing loop"
        entry = next((route for route in snapshot.routes.get((x, y), [])
                      if key & route.mask == route.key), None)
        if entry is None:
            if arrived_on is None:
                continue
            out_links = [(arrived_on + 3) % 6]
            processors = 0
        else:
            out_links = [link for link in range(6)
                         if entry.link_mask >> link & 1]
            processors = entry.processor_mask
        reached |= {(x, y, p) for p in range(32) if processors >> p & 1}
        for link in out_links:
            tx, ty = links[(x, y, link)]
            pending.append((tx, ty, (link + 3) % 6))
    return reached


def test_snapshot_routes_reach_exactly_the_target_cores():
    with ToolchainSession(binary_folder="/nonexistent") as session:
        source = ReverseIpTagMultiCastSource(n_keys=2, label="source")
        sinks = ProgramVertex("sinks", "fanout_sink.aplx", lambda mv: [0],
                              result_words=4, n_atoms=60)
        session.add_vertex(source)
        session.add_vertex(sinks)
        session.add_edge(source, sinks, PARTITION)
        session.map()
        sink_locations = {
            (p.x, p.y, p.p) for p in FecDataView.iterate_placemements()
            if p.vertex.app_vertex is sinks}
        snapshot = take_snapshot()

    assert len(snapshot.chips) == 48
    link_set = set(snapshot.links)
    for x, y, link, tx, ty in snapshot.links:
        assert (tx, ty) in snapshot.chips
        assert (tx, ty, (link + 3) % 6, x, y) in link_set

    (source_core,) = [c for c in snapshot.cores if c.role == Role.LIVE_INPUT]
    keys = snapshot.live_input_keys["source"]
    assert sorted(keys) == [0, 1]
    for key in keys.values():
        assert reached_cores(snapshot, source_core.x, source_core.y,
                             key) == sink_locations
    assert len({(x, y) for x, y, _ in sink_locations}) > 2

    program_cores = [c for c in snapshot.cores if c.role == Role.PROGRAM]
    assert {c.location for c in program_cores} == sink_locations
    for core in program_cores:
        assert core.binary == "fanout_sink.aplx"
        assert core.region(RESULT_REGION) == bytes(16)   # reserved, zeroed


def test_snapshot_reads_the_regions_the_per_core_api_reads():
    """The snapshot reads every core's regions in one pass per table; it
    must give what the toolchain's per-core queries give."""
    from spinn_front_end_common.interface.ds import DsSqlliteDatabase
    from spinndl.emulator.snapshot import _read_all_regions
    with ToolchainSession(binary_folder="/nonexistent") as session:
        source = ReverseIpTagMultiCastSource(n_keys=2, label="source")
        sinks = ProgramVertex("sinks", "fanout_sink.aplx",
                              lambda mv: [7, 8, 9], result_words=4,
                              n_atoms=40)
        session.add_vertex(source)
        session.add_vertex(sinks)
        session.add_edge(source, sinks, PARTITION)
        session.map()
        with DsSqlliteDatabase() as database:
            bulk = _read_all_regions(database)
            checked = 0
            for placement in FecDataView.iterate_placemements():
                x, y, p = placement.x, placement.y, placement.p
                sizes = database.get_region_sizes(x, y, p)
                expected = []
                for number, pointer, content in \
                        database.get_region_pointers_and_content(x, y, p):
                    data = bytes(content or b"")
                    data += bytes(max(0, (sizes.get(number) or 0)
                                      - len(data)))
                    expected.append((number, pointer or 0, data))
                got = [(r.number, r.address, r.data)
                       for r in bulk.get((x, y, p), ())]
                assert got == expected, (x, y, p)
                checked += bool(expected)
    assert checked >= 4
