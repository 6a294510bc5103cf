"""Emulator throughput on a many-chip fan-out: one live input (RIPTMCS)
multicasts to fanout_sink programs on every free core of a virtual SpiNN-5.

``python -m spinndl.benchmarks.emulator [--sinks N] [--packets N]`` prints
one ``name: value`` per line. deliveries_per_second is packet deliveries to
cores per wall second of engine run time; the other lines say where the
rest of the time goes.
"""

import argparse
import logging
import time

import numpy

from spinn_front_end_common.utility_models import ReverseIpTagMultiCastSource

from spinndl.backend.toolchain import ToolchainSession
from spinndl.emulator import Emulator
from spinndl.emulator.engine import host_binary_dir
from spinndl.emulator.program_vertex import PARTITION, ProgramVertex

SOURCE_LABEL = "source"
SOURCE_KEYS = 64


def _map(n_sinks: int) -> Emulator:
    with ToolchainSession(binary_folder=host_binary_dir()) as session:
        source = ReverseIpTagMultiCastSource(n_keys=SOURCE_KEYS,
                                             label=SOURCE_LABEL)
        sinks = ProgramVertex("sinks", "fanout_sink.aplx", lambda mv: [0],
                              result_words=4, n_atoms=n_sinks)
        session.add_vertex(source)
        session.add_vertex(sinks)
        session.add_edge(source, sinks, PARTITION)
        session.map()
        return Emulator.from_toolchain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sinks", type=int, default=700)
    parser.add_argument("--packets", type=int, default=40_000)
    parser.add_argument("--eieio-events", type=int, default=20_000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)   # the toolchain's INFO/WARNING chatter

    t0 = time.perf_counter()
    emulator = _map(args.sinks)
    t_mapped = time.perf_counter()
    emulator.start()
    t_started = time.perf_counter()

    keys = numpy.array(list(
        emulator.snapshot.live_input_keys[SOURCE_LABEL].values()),
        dtype=numpy.uint32)
    packet_keys = keys[numpy.arange(args.packets) % len(keys)]
    payloads = numpy.arange(args.packets, dtype=numpy.uint32)
    emulator.inject_keys(SOURCE_LABEL, packet_keys, payloads)
    t_injected = time.perf_counter()
    emulator.run(wall_limit_s=None)
    t_ran = time.perf_counter()
    bulk_deliveries = emulator.deliveries

    # The same traffic through the shared host streaming path: EIEIO
    # messages built and decoded with spinnman, as on a board.
    atoms = numpy.arange(args.eieio_events) % len(keys)
    events = list(zip(atoms.tolist(), range(args.eieio_events)))
    t_eieio = time.perf_counter()
    emulator.transport.send(SOURCE_LABEL, events)
    t_sent = time.perf_counter()
    emulator.run(wall_limit_s=None)
    t_done = time.perf_counter()

    chips = {(c.location[0], c.location[1]) for c in emulator.cores}
    run_s = t_ran - t_injected
    links_used = len(emulator.link_counters())
    total_deliveries = emulator.deliveries
    print(f"chips: {len(chips)}")
    print(f"cores: {len(emulator.cores)}")
    print(f"sink_cores: {len(emulator.cores_of('sinks'))}")
    print(f"packets: {args.packets}")
    print(f"deliveries: {bulk_deliveries}")
    print(f"deliveries_per_second: {bulk_deliveries / run_s:.0f}")
    print(f"engine_run_s: {run_s:.3f}")
    print(f"simulated_ns: {emulator.now_ns}")
    print(f"links_used: {links_used}")
    print(f"drops: {emulator.drops()[0]}")
    print(f"map_and_build_s: {t_mapped - t0:.3f}")
    print(f"start_s: {t_started - t_mapped:.3f}")
    print(f"bulk_inject_python_s: {t_injected - t_started:.4f}")
    print(f"eieio_events: {args.eieio_events}")
    print(f"eieio_python_s: {t_sent - t_eieio:.3f}")
    print(f"eieio_events_per_second_python: "
          f"{args.eieio_events / (t_sent - t_eieio):.0f}")
    print(f"eieio_engine_run_s: {t_done - t_sent:.3f}")
    print(f"eieio_deliveries_per_second_end_to_end: "
          f"{(total_deliveries - bulk_deliveries) / (t_done - t_eieio):.0f}")
    print(f"python_fraction_bulk: "
          f"{(t_injected - t_started) / (t_ran - t_started):.4f}")
    emulator.close()


if __name__ == "__main__":
    main()
