import logging, time
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase
from spinn_front_end_common.utility_models import ReverseIpTagMultiCastSource
from spinndl.backend.toolchain import ToolchainSession
from spinndl.emulator.snapshot import take_snapshot
from spinndl.emulator.program_vertex import PARTITION, ProgramVertex
from spinndl.emulator.engine import host_binary_dir
logging.disable(logging.WARNING)
with ToolchainSession(binary_folder=host_binary_dir()) as session:
    source = ReverseIpTagMultiCastSource(n_keys=64, label="source")
    sinks = ProgramVertex("sinks", "fanout_sink.aplx", lambda mv: [0], result_words=4, n_atoms=700)
    session.add_vertex(source); session.add_vertex(sinks); session.add_edge(source, sinks, PARTITION)
    session.map()
    t = time.perf_counter(); snap = take_snapshot(); new = time.perf_counter() - t
    t = time.perf_counter()
    with DsSqlliteDatabase() as db:
        for pl in FecDataView.iterate_placemements():
            db.get_region_sizes(pl.x, pl.y, pl.p); list(db.get_region_pointers_and_content(pl.x, pl.y, pl.p))
    old = time.perf_counter() - t
    print(f"cores {len(snap.cores)} snapshot_s {new:.2f} per_core_region_reads_s {old:.2f}")
