"""The on-board data source (docs/streaming.md, "Inputs from the board's
SDRAM"): a core that holds one replica's examples in its DATA region and
streams them to the first layer (neural_modelling/src/data_source), in
place of the live input fed over Ethernet; in fit also their labels, in
place of the label source, batch by batch (docs/training.md). One
application vertex, one machine vertex; the host writes the examples once,
at load time."""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from pacman.model.graphs.application import ApplicationVertex
from pacman.model.graphs.common import Slice
from pacman.model.graphs.machine import MachineVertex
from pacman.model.partitioner_splitters import AbstractSplitterCommon
from pacman.model.resources import ConstantSDRAM
from spinn_front_end_common.abstract_models import (
    AbstractGeneratesDataSpecification, AbstractHasAssociatedBinary)
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.simulation.simulation_utilities import (
    get_simulation_header_array)
from spinn_front_end_common.utilities.utility_objs import ExecutableType

from ..packing import SYSTEM_REGION_BYTES, CapacityError
from ..wire_format import (
    ACK_PARTITION, BYTES_PER_WORD, FORWARD_PARTITION,
    LABELS_PARTITION, KeyTableEntry, encode_key_table, forward_keys,
    key_table_bytes, send_period_ns)

BINARY = "data_source.aplx"
#: Regions (data_source.c): SYSTEM, PARAMS, the output layer's key table
#: (predict), the examples; fit: their label words, this replica's
#: examples of each batch, the first layer's ack keys.
SYSTEM, PARAMS, OUTPUT_TABLE, DATA, LABELS, BATCHES, ACK_TABLE = range(7)
PARAMS_WORDS = 9
#: SDRAM a SpiN-5 chip offers applications (spinn_machine's Version5):
#: one data source's examples must fit one chip.
CHIP_SDRAM_BYTES = 123_469_792


@dataclass(frozen=True)
class ReplicaData:
    """What one replica's data source holds: its examples (the input
    payloads' bits as float32, in the order it sends them), and in fit
    their label words (wire_format.encode_labels) and how many of its
    examples each batch has."""
    examples: np.ndarray
    labels: Optional[np.ndarray] = None
    batch_shares: Optional[np.ndarray] = None

    @property
    def words(self) -> int:
        return self.examples.size + (0 if self.labels is None else
                                     self.labels.size)


class BoardExamples:
    """predict / evaluate: example i goes to replica i % R."""

    def __init__(self, payloads: np.ndarray):
        self.payloads = payloads

    def deal(self, count: int) -> List[ReplicaData]:
        return [ReplicaData(self.payloads[index::count])
                for index in range(count)]


def deal_batches(batches: Sequence[Tuple[int, int]], count: int
                 ) -> List[List[int]]:
    """Each replica's examples in order, when example j of every batch
    (start, end) goes to replica (j - start) % count (docs/training.md,
    "Replicas"); the host's stream and the data sources deal alike."""
    order: List[List[int]] = [[] for _ in range(count)]
    for start, end in batches:
        for j in range(start, end):
            order[(j - start) % count].append(j)
    return order


class BoardTraining:
    """fit: the examples, their label words and the batches (start, end)
    of the run, dealt round the replicas batch by batch."""

    def __init__(self, payloads: np.ndarray, label_words: np.ndarray,
                 batches: Sequence[Tuple[int, int]]):
        self.payloads, self.label_words = payloads, label_words
        self.batches = list(batches)

    def deal(self, count: int) -> List[ReplicaData]:
        data = []
        for index, examples in enumerate(deal_batches(self.batches, count)):
            rows = np.asarray(examples, dtype=np.int64)
            shares = [len(range(start + index, end, count))
                      for start, end in self.batches]
            data.append(ReplicaData(
                self.payloads[rows], self.label_words[rows],
                np.asarray(shares, dtype=np.uint32)))
        return data


def check_fits_chip(data: ReplicaData, label: str) -> None:
    """A CapacityError naming the limit when a data source's examples do
    not fit one chip's SDRAM (before anything is mapped)."""
    examples = data.examples
    needed = data.words * BYTES_PER_WORD
    if needed > CHIP_SDRAM_BYTES - 4096:
        labels = "" if data.labels is None else \
            f" with {data.labels.shape[-1]} label words each"
        raise CapacityError(
            f"{label}: {len(examples)} examples of "
            f"{int(np.prod(examples.shape[1:]))} values{labels} "
            f"need {needed} B of SDRAM on the data source's chip, over the "
            f"{CHIP_SDRAM_BYTES - 4096} B a chip offers; predict fewer "
            f"examples per call, or use more replicas (each holds its "
            f"share)")


class DataSourceSplitter(AbstractSplitterCommon):
    """One core for the whole source."""

    def create_machine_vertices(self, chip_counter) -> None:
        vertex = self.governed_app_vertex
        machine_vertex = DataSourceMachineVertex(vertex)
        chip_counter.add_core(machine_vertex.sdram_required)
        vertex.remember_machine_vertex(machine_vertex)

    def _slices(self) -> List[Slice]:
        return [Slice(0, self.governed_app_vertex.n_atoms - 1)]

    def get_out_going_slices(self) -> List[Slice]:
        return self._slices()

    def get_in_coming_slices(self) -> List[Slice]:
        return self._slices()

    def get_out_going_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def get_in_coming_vertices(self, partition_id: str):
        return list(self.governed_app_vertex.machine_vertices)

    def machine_vertices_for_recording(self, variable_to_record: str):
        return []

    def reset_called(self) -> None:
        pass


class DataSourceVertex(ApplicationVertex):
    """A replica's examples on the board. Atoms are keys, as the live
    input's: examples_in_flight per input value."""

    def __init__(self, label: str, data: ReplicaData,
                 n_label_values: int = 0, examples_in_flight: int = 2):
        """n_label_values: label words per example (fit; 0: predict);
        examples_in_flight: the network's example slots."""
        super().__init__(label=label, splitter=DataSourceSplitter())
        self.examples_in_flight = examples_in_flight
        self.examples = np.ascontiguousarray(data.examples,
                                             dtype=np.float32)
        self.n_values = int(np.prod(self.examples.shape[1:]))
        self.n_label_values = n_label_values
        self.labels = np.zeros((len(self.examples), n_label_values),
                               np.uint32) if data.labels is None else \
            np.ascontiguousarray(data.labels, dtype=np.uint32)
        self.batch_shares = np.zeros(0, np.uint32) \
            if data.batch_shares is None else data.batch_shares
        #: predict: the output layer whose packets say an example is out;
        #: fit: the first layer, whose acks say so (set by the graph)
        self.output_vertex = None
        self.first_vertex = None
        #: two inputs a packet where they fit (fixed point: the graph sets
        #: it, common/value_pairs.h)
        self.forward_pairs = False

    @property
    def training(self) -> bool:
        return self.n_label_values > 0

    @property
    def n_atoms(self) -> int:
        return forward_keys(self.n_values, self.examples_in_flight,
                            self.forward_pairs)


class DataSourceMachineVertex(MachineVertex, AbstractHasAssociatedBinary,
                              AbstractGeneratesDataSpecification):
    """The data source's core."""

    def __init__(self, app_vertex: DataSourceVertex):
        super().__init__(app_vertex.label, app_vertex,
                         Slice(0, app_vertex.n_atoms - 1))

    def _output_cores(self):
        output = self.app_vertex.output_vertex
        return output.machine_vertices_in_slice_order()

    def region_sizes(self):
        vertex = self.app_vertex
        sizes = {SYSTEM: SYSTEM_REGION_BYTES,
                 PARAMS: PARAMS_WORDS * BYTES_PER_WORD,
                 DATA: vertex.examples.size * BYTES_PER_WORD}
        if vertex.training:
            sizes.update({
                LABELS: vertex.labels.size * BYTES_PER_WORD,
                BATCHES: vertex.batch_shares.size * BYTES_PER_WORD,
                ACK_TABLE: key_table_bytes(len(
                    vertex.first_vertex.slices()))})
        else:
            sizes[OUTPUT_TABLE] = key_table_bytes(len(
                vertex.output_vertex.slices()))
        return sizes

    @property
    def sdram_required(self) -> ConstantSDRAM:
        return ConstantSDRAM(sum(self.region_sizes().values()))

    def get_n_keys_for_partition(self, partition_id: str) -> int:
        if partition_id == LABELS_PARTITION:
            return self.app_vertex.examples_in_flight * \
                self.app_vertex.n_label_values
        return self.app_vertex.n_atoms

    def get_binary_file_name(self) -> str:
        return BINARY

    def get_binary_start_type(self) -> ExecutableType:
        return ExecutableType.USES_SIMULATION_INTERFACE

    def generate_data_specification(self, spec, placement) -> None:
        vertex = self.app_vertex
        routing_infos = FecDataView.get_routing_infos()
        forward_key = routing_infos.get_info_from(
            self, FORWARD_PARTITION).key
        label_key = routing_infos.get_info_from(
            self, LABELS_PARTITION).key if vertex.training else 0
        # fit: the first layer gets the inputs while partial errors arrive
        params = np.array([len(vertex.examples), vertex.n_values,
                           forward_key, send_period_ns(
                               1, vertex.training, pairs=vertex.forward_pairs),
                           vertex.n_label_values, label_key,
                           len(vertex.batch_shares),
                           vertex.examples_in_flight,
                           int(vertex.forward_pairs)], dtype=np.uint32)
        assert len(params) == PARAMS_WORDS
        regions = [
            (SYSTEM, get_simulation_header_array(BINARY)),
            (PARAMS, params),
            (DATA, vertex.examples.reshape(-1).view(np.uint32)),
        ]
        if vertex.training:
            regions += [
                (LABELS, vertex.labels.reshape(-1)),
                (BATCHES, vertex.batch_shares),
                (ACK_TABLE, encode_key_table(self._ack_table()))]
        else:
            regions.append((OUTPUT_TABLE, encode_key_table(
                self._output_table())))
        sizes = self.region_sizes()
        for region, words in regions:
            if not sizes[region]:
                continue        # no examples (a mapping report)
            spec.reserve_memory_region(region, sizes[region])
            spec.switch_write_focus(region)
            spec.write_array(words)
        spec.end_specification()

    def _output_table(self) -> List[KeyTableEntry]:
        """predict: the output layer's forward keys, by core."""
        routing_infos = FecDataView.get_routing_infos()
        rows = []
        for core in self._output_cores():
            info = routing_infos.get_info_from(core, FORWARD_PARTITION)
            rows.append(KeyTableEntry(
                key=info.key, mask=info.mask,
                first_index=core.vertex_slice.lo_atom,
                n_atoms=core.vertex_slice.n_atoms))
        return rows

    def _ack_table(self) -> List[KeyTableEntry]:
        """fit: each first-layer core's ack key, sorted (key_lookup)."""
        routing_infos = FecDataView.get_routing_infos()
        rows = []
        for core in self.app_vertex.first_vertex.machine_vertices:
            info = routing_infos.get_info_from(core, ACK_PARTITION)
            rows.append(KeyTableEntry(key=info.key, mask=info.mask,
                                      first_index=0, n_atoms=1))
        return sorted(rows, key=lambda row: row.key)
