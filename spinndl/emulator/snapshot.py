"""Everything the emulator needs from a finished toolchain mapping, read out
into plain data while the toolchain session is still open (after ``map()``,
before ``stop()``): the machine's chips and links, the generated routing
tables, each placed core's program and data-spec regions, and the live I/O
key maps from the toolchain's own input/output database (the same database a
``LiveEventConnection`` reads on a board).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from spinn_front_end_common.abstract_models import AbstractHasAssociatedBinary
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase
from spinn_front_end_common.utilities.database import DatabaseReader
from spinn_front_end_common.utilities.utility_objs import ExecutableType
from spinn_front_end_common.utility_models import (
    LivePacketGatherMachineVertex, ReverseIPTagMulticastSourceMachineVertex)

#: Bit 0..5 of a route are links, processors follow (spinn_machine's view).
N_LINKS = 6


class Role:
    """What runs on a placed core in the emulator."""
    PROGRAM = "program"          # our C program, run from its host build
    LIVE_INPUT = "live_input"    # RIPTMCS: native model
    LIVE_OUTPUT = "live_output"  # LPG: native model


@dataclass(frozen=True)
class Region:
    number: int
    address: int      # the SDRAM address on a board; 0 on a virtual board
    data: bytes


@dataclass(frozen=True)
class CoreSnapshot:
    x: int
    y: int
    p: int
    label: str                   # machine vertex label
    app_label: Optional[str]     # application vertex label
    binary: str                  # e.g. "ring.aplx"
    role: str
    regions: Tuple[Region, ...]

    @property
    def location(self) -> Tuple[int, int, int]:
        return (self.x, self.y, self.p)

    def region(self, number: int) -> Optional[bytes]:
        for region in self.regions:
            if region.number == number:
                return region.data
        return None


@dataclass(frozen=True)
class Route:
    key: int
    mask: int
    processor_mask: int   # bit p: deliver to core p of this chip
    link_mask: int        # bit l: send out of link l (0 E .. 5 S)


@dataclass
class MappingSnapshot:
    width: int
    height: int
    chips: List[Tuple[int, int]]
    #: (x, y, link, to_x, to_y) for every link the machine model has
    links: List[Tuple[int, int, int, int, int]]
    routes: Dict[Tuple[int, int], List[Route]]
    cores: List[CoreSnapshot]
    #: app label of each live input (RIPTMCS) -> {atom: key}
    live_input_keys: Dict[str, Dict[int, int]] = field(default_factory=dict)
    #: app label of each source a live output (LPG) gathers -> {key: atom}
    live_output_atoms: Dict[str, Dict[int, int]] = field(default_factory=dict)


def route_masks(processor_ids, link_ids) -> Tuple[int, int]:
    """A routing entry's processors and links as two bit masks."""
    processor_mask = 0
    for p in processor_ids:
        processor_mask |= 1 << p
    link_mask = 0
    for link in link_ids:
        if not 0 <= link < N_LINKS:
            raise ValueError(f"link {link} is not a SpiNNaker chip link")
        link_mask |= 1 << link
    return processor_mask, link_mask


def _role(vertex) -> Optional[str]:
    if isinstance(vertex, ReverseIPTagMulticastSourceMachineVertex):
        return Role.LIVE_INPUT
    if isinstance(vertex, LivePacketGatherMachineVertex):
        return Role.LIVE_OUTPUT
    if not isinstance(vertex, AbstractHasAssociatedBinary):
        return None
    if vertex.get_binary_start_type() == ExecutableType.SYSTEM:
        return None   # monitors and gatherers: board plumbing, not emulated
    return Role.PROGRAM


def _read_machine() -> Tuple[int, int, List[Tuple[int, int]],
                             List[Tuple[int, int, int, int, int]]]:
    machine = FecDataView.get_machine()
    chips = sorted((chip.x, chip.y) for chip in machine.chips)
    links = sorted(
        (chip.x, chip.y, link.source_link_id,
         link.destination_x, link.destination_y)
        for chip in machine.chips for link in chip.router.links)
    return machine.width, machine.height, chips, links


def _read_routes() -> Dict[Tuple[int, int], List[Route]]:
    routes: Dict[Tuple[int, int], List[Route]] = {}
    for table in FecDataView.get_uncompressed().routing_tables:
        routes[(table.x, table.y)] = [
            Route(entry.key, entry.mask,
                  *route_masks(entry.processor_ids, entry.link_ids))
            for entry in table.multicast_routing_entries]
    return routes


Location = Tuple[int, int, int]


def _read_all_regions(database: DsSqlliteDatabase
                      ) -> Dict[Location, Tuple[Region, ...]]:
    """Every core's reserved regions at their reserved sizes: the written
    content, zero-filled behind it (what a board's SDRAM holds after
    loading). The same rows as the database's per-core
    get_region_sizes and get_region_pointers_and_content (its region table
    and pointer_content_view), read in one pass each: per core, each
    query re-evaluates the view, 81 s for 884 cores."""
    sizes: Dict[Location, Dict[int, int]] = defaultdict(dict)
    for row in database.cursor().execute(
            "SELECT x, y, p, region_num, size FROM region"):
        sizes[(row["x"], row["y"], row["p"])][row["region_num"]] = \
            row["size"]
    regions: Dict[Location, List[Region]] = defaultdict(list)
    for row in database.cursor().execute(
            """SELECT x, y, p, region_num, content, pointer
               FROM pointer_content_view
               ORDER BY x, y, p, region_num"""):
        location = (row["x"], row["y"], row["p"])
        size = sizes[location].get(row["region_num"]) or 0
        data = bytes(row["content"] or b"")
        if len(data) < size:
            data += bytes(size - len(data))
        regions[location].append(
            Region(row["region_num"], row["pointer"] or 0, data))
    return {location: tuple(found) for location, found in regions.items()}


def _read_cores() -> List[CoreSnapshot]:
    cores = []
    with DsSqlliteDatabase() as database:
        all_regions = _read_all_regions(database)
        for placement in FecDataView.iterate_placemements():
            vertex = placement.vertex
            role = _role(vertex)
            if role is None:
                continue
            regions = all_regions.get(
                (placement.x, placement.y, placement.p), ())
            app = vertex.app_vertex
            cores.append(CoreSnapshot(
                placement.x, placement.y, placement.p, vertex.label,
                app.label if app is not None else None,
                vertex.get_binary_file_name(), role, regions))
    cores.sort(key=lambda core: core.location)
    return cores


def _read_live_key_maps(cores: List[CoreSnapshot]):
    """Label <-> key maps exactly as a LiveEventConnection gets them."""
    inputs: Dict[str, Dict[int, int]] = {}
    outputs: Dict[str, Dict[int, int]] = {}
    has_live_io = any(core.role != Role.PROGRAM for core in cores)
    if not has_live_io:
        return inputs, outputs
    with DatabaseReader(FecDataView.get_database_file_path()) as reader:
        for core in cores:
            if core.role == Role.LIVE_INPUT and core.app_label is not None:
                inputs[core.app_label] = reader.get_atom_id_to_key_mapping(
                    core.app_label)
        for vertex in FecDataView.iterate_vertices():
            mapping = reader.get_key_to_atom_id_mapping(vertex.label)
            if mapping and vertex.label not in inputs:
                outputs[vertex.label] = mapping
    return inputs, outputs


def take_snapshot() -> MappingSnapshot:
    """Read the current (mapped) toolchain session into plain data."""
    width, height, chips, links = _read_machine()
    cores = _read_cores()
    inputs, outputs = _read_live_key_maps(cores)
    return MappingSnapshot(width, height, chips, links, _read_routes(), cores,
                           inputs, outputs)
