"""Naming what went wrong in a run (docs/reliability.md): which cores did
not finish an example (chip, core, layer, examples done), and which packets
were lost (key, chip, sender). Progress comes from the packets each core
sent: a layer core sends a fixed number per example."""

from typing import Dict, List, Optional, Sequence, Tuple

from spinn_front_end_common.data import FecDataView

from ..emulator.engine import CoreState, DropReason

#: Cores and drops listed in a message at most.
MAX_LISTED = 6


def packets_per_example(machine_vertex, training: bool) -> int:
    """Packets a layer core sends per example (docs/training.md)."""
    vertex = machine_vertex.app_vertex
    softmax = getattr(vertex.layer, "activation", None) == "softmax"
    count = machine_vertex.vertex_slice.n_atoms
    if not training:
        return count + (2 if softmax else 0)
    count += 3 if softmax else 0
    return count + (1 if vertex.previous is None else vertex.layer.n_inputs)


def _cores_in_order(graph) -> List[Tuple[object, str, int]]:
    """(machine vertex, layer name, core number) in pipeline order."""
    cores = []
    for vertex in getattr(graph, "all_layer_vertices", graph.layer_vertices):
        for index, machine_vertex in enumerate(
                vertex.splitter.machine_vertices_in_slice_order()):
            cores.append((machine_vertex, vertex.label, index))
    return cores


def key_owner(graph, key: int) -> Optional[str]:
    """Who sends a key: "layer 'name' core i (x, y, p) on partition"."""
    routing_infos = FecDataView.get_routing_infos()
    vertices = list(graph.source_vertices) + list(
        getattr(graph, "all_layer_vertices", graph.layer_vertices))
    for vertex in vertices:
        machine_vertices = (
            vertex.splitter.machine_vertices_in_slice_order()
            if hasattr(vertex.splitter, "machine_vertices_in_slice_order")
            else list(vertex.machine_vertices))
        for index, machine_vertex in enumerate(machine_vertices):
            for partition in routing_infos.get_partitions_from(
                    machine_vertex):
                info = routing_infos.get_info_from(machine_vertex, partition)
                if key & info.mask == info.key:
                    placement = FecDataView.get_placement_of_vertex(
                        machine_vertex)
                    return (f"layer {vertex.label!r} core {index} "
                            f"({placement.x}, {placement.y}, {placement.p}) "
                            f"on {partition}")
    return None


def describe_drops(graph, drops, lost: int, reinjected: int,
                   locate_sender=None) -> str:
    """The lost packets (not re-injected), with key, chip and sender."""
    listed = [drop for drop in drops if not drop.reinjected][:MAX_LISTED]
    parts = []
    for drop in listed:
        sender = key_owner(graph, drop.key)
        why = {DropReason.ROUTER: "dropped by the router",
               DropReason.FAULT: "dropped (injected fault)",
               DropReason.PARITY: "parity error"}[drop.reason]
        parts.append(f"key {drop.key:#010x} on chip ({drop.x}, {drop.y}) "
                     f"{why}" + (f", sent by {sender}" if sender else ""))
    text = f"{lost} packet(s) lost ({reinjected} re-injected)"
    if parts:
        text += ": " + "; ".join(parts)
        if lost > len(parts):
            text += f"; and {lost - len(parts)} more"
    return text


def diagnose_emulator(emulator, graph, example: int, sent: int) -> str:
    """Why example ``example`` did not finish once the machine went quiet
    with ``sent`` examples sent, from the engine's counters: the cores that
    did not finish every example they were sent (a quiet healthy core has),
    earliest layer first, and what was lost."""
    behind: List[str] = []
    counters = emulator.counters_by_core()
    for machine_vertex, layer, index in _cores_in_order(graph):
        placement = FecDataView.get_placement_of_vertex(machine_vertex)
        location = (placement.x, placement.y, placement.p)
        core = counters.get(location)
        if core is None:
            continue
        done = core.sent // packets_per_example(machine_vertex, graph.training)
        if done >= sent and core.state in (CoreState.RUNNING,
                                           CoreState.PAUSED):
            continue
        atoms = machine_vertex.vertex_slice
        state = "" if core.state in (CoreState.RUNNING, CoreState.PAUSED) \
            else f", {core.state.name.lower()}"
        behind.append(f"layer {layer!r} core {index} at chip "
                      f"({location[0]}, {location[1]}) core {location[2]} "
                      f"(atoms {atoms.lo_atom}..{atoms.hi_atom}): finished "
                      f"{done} of {sent} example(s){state}")
    parts = []
    if behind:
        shown = "; ".join(behind[:MAX_LISTED])
        more = len(behind) - MAX_LISTED
        parts.append(f"{len(behind)} core(s) did not finish: {shown}"
                     + (f"; and {more} more" if more > 0 else ""))
    faults = emulator.fault_counters()
    if faults.lost:
        _total, drops = emulator.drops(64)
        parts.append(describe_drops(graph, drops, faults.lost,
                                    faults.reinjected))
    if not parts:
        parts.append("every core finished it and nothing was lost")
    return "; ".join(parts)


def busy_cores(emulator, graph, simulated_ns: int = 1_000_000) -> str:
    """The cores that keep a machine from going quiet: those that run
    callbacks in the next simulated_ns."""
    before = emulator.counters_by_core()
    emulator.run(until_ns=emulator.now_ns + simulated_ns)
    after = emulator.counters_by_core()
    names = {}
    for machine_vertex, layer, index in _cores_in_order(graph):
        placement = FecDataView.get_placement_of_vertex(machine_vertex)
        names[(placement.x, placement.y, placement.p)] = \
            f"layer {layer!r} core {index}"
    busy = [f"{names.get(location, 'core')} at chip ({location[0]}, "
            f"{location[1]}) core {location[2]} "
            f"({after[location].callbacks - counters.callbacks} callbacks)"
            for location, counters in before.items()
            if after[location].callbacks > counters.callbacks]
    if not busy:
        return "no core ran a callback in the last simulated millisecond"
    more = len(busy) - MAX_LISTED
    return ("still busy: " + "; ".join(busy[:MAX_LISTED])
            + (f"; and {more} more" if more > 0 else ""))


def summarise_router_provenance(rows: Sequence[Tuple[int, int, str, int]]
                                ) -> Dict[str, object]:
    """The toolchain's router provenance rows (x, y, description, value)
    of a board run: totals of dropped and re-injected packets, and the
    chips that dropped any."""
    totals = {"dropped": 0, "reinjected": 0, "missed": 0, "overflows": 0}
    names = {"Dropped_Multicast_Packets": "dropped",
             "Reinjected": "reinjected",
             "Missed_For_Reinjection": "missed",
             "Reinjection_Overflows": "overflows"}
    dropped_by_chip: Dict[Tuple[int, int], int] = {}
    for x, y, description, value in rows:
        for suffix, name in names.items():
            if description.endswith(suffix) and \
                    description.startswith("Run"):
                totals[name] += int(value)
                if name == "dropped" and value:
                    dropped_by_chip[(x, y)] = \
                        dropped_by_chip.get((x, y), 0) + int(value)
    return {**totals, "dropped_by_chip": dropped_by_chip}


def read_board_router_provenance() -> Dict[str, object]:
    """Router provenance the toolchain read from the board at the end of
    the run (written against the 7.4.1 ProvenanceReader; not run here: no
    board)."""
    # pylint: disable=import-outside-toplevel
    from spinn_front_end_common.interface.provenance import ProvenanceReader
    with ProvenanceReader() as reader:
        rows = reader.run_query(
            "SELECT x, y, description, the_value FROM router_provenance")
    return summarise_router_provenance(rows)

