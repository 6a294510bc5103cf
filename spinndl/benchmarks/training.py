"""Training figures: ``python -m spinndl.benchmarks.training``.

Prints ``name: value`` lines.

digits
    scikit-learn's digits (8x8, x = pixels / 16, one-hot labels), split
    with train_test_split(test_size=0.25, random_state=0); a 64-32(relu)-
    10(softmax) MLP trained from scratch on the emulated SpiN-5 and a Keras
    twin (JAX backend) starting from the same weights, with the same
    settings: categorical cross-entropy, Adam(0.01), batch 32, 20 epochs,
    shuffle=False (so both see the same batches). ``digits.test_accuracy``
    is predict on the emulator over the test quarter; ``digits.
    keras_test_accuracy`` Keras' own; ``digits.cores`` the cores of the
    training layout; ``digits.seconds_per_epoch`` the wall time of fit
    minus one mapping, per epoch (this machine's wall time);
    ``digits.board_examples_per_second`` and ``digits.mac_utilisation``
    the fit in simulated board time (the emulator's clock: the ARM968
    cycles of the work the cores did, docs/emulator.md);
    ``digits.max_weight_diff_vs_keras`` the largest difference of any
    trained weight from Keras'.

xor (deliveries per training example)
    The thesis XOR model (2-50-50(softmax)-300-50-25-2) trained for one
    epoch on the 4 XOR examples (MSE, SGD 0.1, batch 4) in a mapping of its
    own, to split the packets the cores receive by what they carry.

    The emulator counts packets per core (sent, received), not per key, so
    the split is computed and then checked against those counters:

    1. After mapping, every (sending machine vertex, partition) the
       toolchain gave keys to (``FecDataView.get_routing_infos()``) is
       listed with the keys it sends per example, as the protocol fixes
       them (docs/training.md, docs/streaming.md): the input and label
       sources one packet per value (their slices count examples_in_flight
       atoms per value); a layer core one forward packet per atom, on
       ``backward:s`` one per atom of slice s of the previous layer, one
       ``ack`` (the first layer), and on ``softmax`` the statistics of
       rounds 0 and 1 (forward) and 2 (backward); every value's key says
       its example's slot (wire_format.value_key).
    2. Each key is routed through the toolchain's routing tables (the
       uncompressed tables the emulator itself loads, with default routing
       on chips without an entry), giving the cores it is delivered to.
    3. Expected sent and received counts per core follow. They must equal
       the emulator's per-core counters exactly, for every core
       (``xor.cores_not_matching_counters``: 0), and the total must equal
       the emulator's delivery count; only then are the per-kind figures
       printed from the computed split meaningful, and they are.

    A delivery is *discarded* when the receiving core has no use for it:
    a label for an atom not on that core, a ``backward:s`` packet at any
    core but slice s of the previous layer, a forward packet at a core not
    of the next layer, a softmax statistic outside the layer, an ack
    anywhere but the gatherer. ``xor.forward_deliveries`` counts forward
    partition packets (into every layer and the gatherer) and softmax
    rounds 0-1: what inference delivers too. ``xor.backward_deliveries``
    counts everything training adds: partial errors, softmax round 2,
    labels and acks (each also printed on its own).

drops
    Packets the emulated routers dropped, over every run above (must be 0).
"""

import time
from collections import Counter, defaultdict
from typing import Dict, List, Tuple

import numpy as np

from ..examples.datasets import digits_split
from ..examples.thesis_models import mlp, xor_mlp
from ..reference import keras, keras_twin
from ..optimizers import SGD, Adam

Location = Tuple[int, int, int]

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)

DIGITS_EPOCHS = 20
DIGITS_BATCH = 32


def digits(report) -> int:
    x_train, x_test, y_train, y_test = digits_split()

    model = mlp(64, 32, 10, seed=0)
    twin = keras_twin(model)
    twin.compile(loss="categorical_crossentropy",
                 optimizer=keras().optimizers.Adam(learning_rate=0.01),
                 metrics=["accuracy"])
    model.compile("categorical_crossentropy", Adam(learning_rate=0.01),
                  metrics=["accuracy"])
    mapping = model.mapping(training=True)

    started = time.perf_counter()
    model.fit(x_train, y_train, epochs=DIGITS_EPOCHS,
              batch_size=DIGITS_BATCH, shuffle=False, verbose=0)
    seconds = time.perf_counter() - started - mapping.mapping_seconds
    fit_run = model.last_run
    drops = fit_run.drops
    twin.fit(x_train, y_train, epochs=DIGITS_EPOCHS, batch_size=DIGITS_BATCH,
             shuffle=False, verbose=0)

    _, accuracy = model.evaluate(x_test, y_test)
    drops += model.last_run.drops
    _, keras_accuracy = twin.evaluate(x_test, y_test, verbose=0)
    difference = max(float(np.max(np.abs(a - b))) for a, b in
                     zip(model.get_weights(), twin.get_weights()))
    report("digits.train_examples", len(x_train))
    report("digits.test_examples", len(x_test))
    report("digits.test_accuracy", f"{accuracy:.4f}")
    report("digits.keras_test_accuracy", f"{keras_accuracy:.4f}")
    report("digits.max_weight_diff_vs_keras", f"{difference:.3g}")
    report("digits.cores", mapping.total_cores)
    report("digits.seconds_per_epoch", f"{seconds / DIGITS_EPOCHS:.2f}")
    # simulated board time of the emulator's clock (docs/emulator.md)
    report("digits.board_examples_per_second",
           f"{DIGITS_EPOCHS * len(x_train) / (fit_run.simulated_ns * 1e-9):.1f}")
    report("digits.mac_utilisation", f"{fit_run.mac_utilisation:.3f}")
    return drops


# ---- deliveries by kind -------------------------------------------------------
def _route(routes, links, location: Location, key: int) -> List[Location]:
    """The cores a key sent by the core at ``location`` reaches, following
    the routing tables (first matching entry; default routing straight on
    where a chip has none)."""
    x, y, _ = location
    delivered, frontier, seen = [], [(x, y, None)], set()
    while frontier:
        cx, cy, travelling = frontier.pop()
        if (cx, cy) in seen:
            raise RuntimeError(f"key {key:#x} loops through chip {cx, cy}")
        seen.add((cx, cy))
        entry = next((r for r in routes.get((cx, cy), ())
                      if key & r.mask == r.key), None)
        if entry is None:
            if travelling is None:
                raise RuntimeError(f"key {key:#x} has no route at its "
                                   f"source chip {cx, cy}")
            out_links, processors = [travelling], 0
        else:
            out_links = [l for l in range(6) if entry.link_mask >> l & 1]
            processors = entry.processor_mask
        delivered += [(cx, cy, p) for p in range(32) if processors >> p & 1]
        for link in out_links:
            to_x, to_y = links[(cx, cy, link)]
            frontier.append((to_x, to_y, link))
    return delivered


def _sent_keys(graph, vertex, partition: str, key: int,
               n_examples: int) -> List[Tuple[int, str]]:
    """(key, kind) of every packet a machine vertex sends on a partition
    over n_examples examples (docs/training.md, docs/streaming.md): value
    i of example e with key wire_format.value_key(key, values, e, i)."""
    from ..wire_format import (
        ACK_PARTITION, BACKWARD_PARTITION_PREFIX, EXAMPLE_SLOT_BITS,
        FORWARD_PARTITION, LABELS_PARTITION,
        SOFTMAX_PARTITION, backward_target_slice, value_key)
    in_flight = graph.examples_in_flight
    if partition in (FORWARD_PARTITION, LABELS_PARTITION):
        kind = "forward" if partition == FORWARD_PARTITION else "labels"
        n = vertex.vertex_slice.n_atoms
        if vertex.app_vertex in graph.source_vertices:
            # a live source has examples_in_flight atoms (keys) per value
            n //= in_flight
        return [(value_key(key, n, e, i, in_flight), kind)
                for e in range(n_examples) for i in range(n)]
    if partition == ACK_PARTITION:
        return [(key, "ack")] * n_examples
    if partition == SOFTMAX_PARTITION:
        return [(key + (r << EXAMPLE_SLOT_BITS) + e % in_flight,
                 "softmax_forward" if r < 2 else "softmax_backward")
                for e in range(n_examples) for r in range(3)]
    if partition.startswith(BACKWARD_PARTITION_PREFIX):
        previous = vertex.app_vertex.previous
        slices = sorted(previous.splitter.get_in_coming_slices(),
                        key=lambda s: s.lo_atom)
        n = slices[backward_target_slice(partition)].n_atoms
        return [(value_key(key, n, e, i, in_flight), "backward")
                for e in range(n_examples) for i in range(n)]
    raise ValueError(f"unexpected partition {partition!r}")


def _is_used(graph, sender, partition, key, base_key, receiver) -> bool:
    """Whether the receiving machine vertex has a use for the packet."""
    from ..wire_format import (
        ACK_PARTITION, BACKWARD_PARTITION_PREFIX, FORWARD_PARTITION,
        LABELS_PARTITION, SOFTMAX_PARTITION,
        backward_target_slice)
    from ..graph.network import OUTPUT_LABEL
    app = sender.app_vertex
    target = getattr(receiver, "app_vertex", None)
    at_gatherer = target is not None and OUTPUT_LABEL in (target.label or "")
    layers = graph.layer_vertices
    if partition == FORWARD_PARTITION:
        if app is graph.input_vertex:
            return target is layers[0]
        if app is layers[-1]:
            return at_gatherer
        return target is app.next
    if partition == ACK_PARTITION:
        return at_gatherer
    if partition == SOFTMAX_PARTITION:
        return target is app
    if partition == LABELS_PARTITION:
        # the label source is one core: value = (key - base) mod values
        values = sender.vertex_slice.n_atoms // graph.examples_in_flight
        atom = sender.vertex_slice.lo_atom + (key - base_key) % values
        return target is layers[-1] and \
            receiver.vertex_slice.lo_atom <= atom <= \
            receiver.vertex_slice.hi_atom
    if partition.startswith(BACKWARD_PARTITION_PREFIX):
        if target is not app.previous:
            return False
        slices = sorted(app.previous.splitter.get_in_coming_slices(),
                        key=lambda s: s.lo_atom)
        wanted = slices[backward_target_slice(partition)]
        return receiver.vertex_slice.lo_atom == wanted.lo_atom
    return False


def deliveries_by_kind(model, x, y, batch_size: int):
    """One epoch of training on (x, y) in a fresh mapping, with the
    deliveries split by kind as the module docstring describes. Returns
    (per-kind counts, discarded, cores whose counters differ from the
    computed ones, measured deliveries, drops)."""
    from pacman.model.graphs.machine import MachineVertex
    from spinn_front_end_common.data import FecDataView

    from ..backend.runner import NetworkRun
    from ..backend.toolchain import ToolchainSession
    from ..emulator import Emulator
    from ..graph.network import BINARY_FOLDER, LABELS_LABEL, NetworkGraph
    from ..training.fit import batches_of
    from ..training.stream import stream_batches
    from ..wire_format import encode_labels

    n_examples = len(x)
    config = model._training_config(n_examples, batch_size)
    with ToolchainSession(BINARY_FOLDER) as session:
        graph = NetworkGraph(session, model.layers, config)
        session.map()
        with Emulator.from_toolchain() as emulator:
            snapshot = emulator.snapshot
            links = {(x_, y_, link): (to_x, to_y)
                     for x_, y_, link, to_x, to_y in snapshot.links}
            by_location = {}
            for placement in FecDataView.iterate_placemements():
                by_location[(placement.x, placement.y, placement.p)] = \
                    placement.vertex
            sent, received = Counter(), Counter()
            kinds, discarded = Counter(), 0
            for info in FecDataView.get_routing_infos():
                vertex = info.vertex
                if not isinstance(vertex, MachineVertex):
                    continue
                placement = FecDataView.get_placement_of_vertex(vertex)
                source = (placement.x, placement.y, placement.p)
                routed: Dict[int, List[Location]] = {}
                for key, kind in _sent_keys(graph, vertex, info.partition_id,
                                            info.key, n_examples):
                    if key not in routed:
                        routed[key] = _route(snapshot.routes, links, source,
                                             key)
                    sent[source] += 1
                    for destination in routed[key]:
                        received[destination] += 1
                        kinds[kind] += 1
                        if not _is_used(graph, vertex, info.partition_id,
                                        key, info.key,
                                        by_location.get(destination)):
                            discarded += 1

            emulator.start()

            def read_region(machine_vertex, region):
                p = FecDataView.get_placement_of_vertex(machine_vertex)
                return emulator.read_region(p.x, p.y, p.p, region)

            run = NetworkRun(graph, emulator.transport, lambda: emulator.run(),
                             read_region)
            stream_batches(run, x, encode_labels(config.loss_code, y),
                           list(batches_of(n_examples, batch_size, 1)),
                           LABELS_LABEL)
            emulator.run()   # let the last packets settle
            counters = emulator.counters_by_core()
            mismatched = [
                location for location, c in counters.items()
                if (c.sent, c.received) != (sent[location],
                                            received[location])]
            mismatched += [location for location in set(sent) | set(received)
                           if location not in counters]
            measured = emulator.deliveries
            drops, _ = emulator.drops(0)
    return kinds, discarded, mismatched, measured, drops


def xor(report) -> int:
    model = xor_mlp(seed=0)
    model.compile("mean_squared_error", SGD(learning_rate=0.1))
    kinds, discarded, mismatched, measured, drops = deliveries_by_kind(
        model, XOR_X, XOR_Y, batch_size=4)
    n = len(XOR_X)
    forward = kinds["forward"] + kinds["softmax_forward"]
    backward = kinds["backward"] + kinds["softmax_backward"] + \
        kinds["labels"] + kinds["ack"]
    report("xor.forward_deliveries", f"{forward / n:g}")
    report("xor.backward_deliveries", f"{backward / n:g}")
    report("xor.discarded_deliveries", f"{discarded / n:g}")
    report("xor.backward_over_forward", f"{backward / forward:.3f}")
    for kind in ("forward", "softmax_forward", "backward",
                 "softmax_backward", "labels", "ack"):
        report(f"xor.deliveries.{kind}", f"{kinds[kind] / n:g}")
    report("xor.measured_deliveries", f"{measured / n:g}")
    report("xor.computed_deliveries", f"{sum(kinds.values()) / n:g}")
    report("xor.cores_not_matching_counters", len(mismatched))
    return drops


def main() -> None:
    def report(name, value):
        print(f"{name}: {value}", flush=True)

    drops = xor(report)
    drops += digits(report)
    report("drops", drops)


if __name__ == "__main__":
    main()
