"""A kind's connectivity alone decides who talks to whom: mapped with a
connectivity that is not all-to-all, every key table, backward partition
and backward table follows its links, and nothing assumes every core talks
to every core."""

import pytest

from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.ds import DsSqlliteDatabase

from spinndl.backend.toolchain import mapped_network
from spinndl.examples.thesis_models import mlp
from spinndl.graph.connectivity import ALL_TO_ALL, Connectivity, Link
from spinndl.graph.kinds.dense import DenseVertex
from spinndl.training.config import default_config
from spinndl.wire_format import (
    FORWARD_PARTITION, Region, backward_partition, decode_backward_targets,
    decode_key_table)


class SameParity(Connectivity):
    """Source slice s feeds target slice t when s and t have the same
    parity (a made-up pattern: only the wiring is under test)."""

    def links(self, sources, targets):
        return [Link(s, t, sources[s].lo_atom)
                for t in range(len(targets)) for s in range(len(sources))
                if s % 2 == t % 2]


@pytest.fixture
def same_parity(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    # the first layer keeps all-to-all from the input source
    monkeypatch.setattr(DenseVertex, "connectivity", property(
        lambda self: SameParity() if self.previous is not None
        else ALL_TO_ALL))


def regions_of(db, machine_vertex):
    p = FecDataView.get_placement_of_vertex(machine_vertex)
    return {region: bytes(content) for region, _, content in
            db.get_region_pointers_and_content(p.x, p.y, p.p)}


def key(machine_vertex, partition):
    return FecDataView.get_routing_infos().get_info_from(
        machine_vertex, partition).key


def test_tables_and_partitions_follow_the_links(same_parity):
    model = mlp(64, 300, 300, 10, seed=0)
    with mapped_network(model.layers, default_config()) as graph:
        first, second, _ = graph.layer_vertices
        sources = first.machine_vertices_in_slice_order()
        targets = second.machine_vertices_in_slice_order()
        assert len(sources) >= 3 and len(targets) >= 3, \
            "both layers must span several cores"
        with DsSqlliteDatabase() as db:
            for t, target in enumerate(targets):
                linked = [s for s in range(len(sources)) if s % 2 == t % 2]
                regions = regions_of(db, target)
                # forward: a key table row per linked source core only
                table = decode_key_table(regions[Region.KEY_TABLE])
                assert sorted(row.key for row in table) == sorted(
                    key(sources[s], FORWARD_PARTITION) for s in linked)
                assert {row.key: row.first_index for row in table} == {
                    key(sources[s], FORWARD_PARTITION):
                        sources[s].vertex_slice.lo_atom for s in linked}
                # backward out: partial errors to the linked slices only
                out = decode_backward_targets(regions[Region.BACKWARD_OUT])
                assert [(row.key, row.lo_atom, row.n_atoms) for row in out] \
                    == [(key(target, backward_partition(s)),
                         sources[s].vertex_slice.lo_atom,
                         sources[s].vertex_slice.n_atoms) for s in linked]
            for s, source in enumerate(sources):
                senders = [targets[t] for t in range(len(targets))
                           if s % 2 == t % 2]
                # only linked cores send on backward:s, and s expects them
                partition = backward_partition(s)
                assert set(second.splitter.get_out_going_vertices(
                    partition)) == set(senders)
                table = decode_key_table(
                    regions_of(db, source)[Region.BACKWARD_IN])
                assert sorted(row.key for row in table) == sorted(
                    key(sender, partition) for sender in senders)
            # the toolchain routes each target only its linked sources
            routed = second.splitter.get_source_specific_in_coming_vertices(
                first, FORWARD_PARTITION)
            for target, senders in routed:
                t = targets.index(target)
                assert set(senders) == {sources[s] for s in range(
                    len(sources)) if s % 2 == t % 2}
