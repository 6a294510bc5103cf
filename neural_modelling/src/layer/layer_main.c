/*
 * The program of a layer core, for every layer kind (docs/architecture.md):
 * the kind (layer_kind.h) computes; this file does the rest.
 *
 * Inputs arrive as MCPL packets (key, value bits); the key table says which
 * input each key carries. The receive callback only files the value away
 * (no float maths: the router waits while it runs); when an example's last
 * input arrives, the example is computed in a queued callback: the kind's
 * z, the activation, one output packet per atom with forward_key + atom.
 *
 * Streaming: examples_in_flight examples (the network's choice, in PARAMS)
 * may be in the pipeline at once, each in its slot (its number modulo
 * examples_in_flight; the code calls it "parity", from when there were
 * two). A packet's key says which (every sender has examples_in_flight keys
 * per value); the host never has more than examples_in_flight examples
 * outstanding (docs/streaming.md), so one buffer per slot suffices and
 * nothing is overwritten (common/input_streams.h). Outputs start after the
 * core's send phase and go one per send period, so a receiving core stays
 * within its share of time however many cores send to it.
 *
 * Softmax spans all cores of the layer, in rounds on the layer's "softmax"
 * partition (common/softmax_exchange.h): each core sends the max of its z,
 * then, knowing the layer's max M, the sum of exp(z - M); outputs are
 * exp(z - M) / sum. Max-subtracted, so stable. Round 2 is training's.
 */
#include <debug.h>
#include <simulation.h>

#include "layer.h"
#include "layer_kind.h"
#include "../common/regions.h"
#include "../common/layer_forward.h"
#include "../common/softmax_exchange.h"
#include "../common/paced_send.h"

#define COMPUTE_PRIORITY 1

layer_t layer;
static input_streams_t inputs_in;

void layer_schedule(callback_t callback, uint32_t parity)
{
    if (!spin1_schedule_callback(callback, parity, 0, COMPUTE_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

static void forward_done(uint32_t parity)
{
    if (NUMERIC_FORWARD_PAIRS) {
        send_paced_pairs(layer.params.forward_key, parity,
                (const uint32_t *) layer.outputs[parity],
                layer.params.n_atoms, layer.params.forward_pairs,
                layer.params.send_period_ns,
                layer.params.send_phase_us * 1000);
    } else {
        send_paced(layer.params.forward_key + parity * layer.params.n_atoms,
                layer.outputs[parity], layer.params.n_atoms,
                layer.params.send_period_ns,
                layer.params.send_phase_us * 1000);
    }
    layer_training_forward_done(parity);
}

/* The kind's z for one example, then either the outputs or, for softmax,
 * this core's max of z. */
static void compute_forward(uint parity, uint unused)
{
    use(unused);
    SATURATION_PHASE(SATURATION_FORWARD);
    value_t local_max = kind_forward(layer.inputs[parity],
            layer.outputs[parity]);
    if (layer.params.activation == ACTIVATION_SOFTMAX) {
        softmax_exchange_send(SOFTMAX_ROUND_MAX, parity, local_max);
        return;
    }
    forward_activate(layer.params.activation, layer.outputs[parity],
            layer.params.n_atoms);
    forward_done(parity);
}

/* Softmax round two: the layer's max is known; share this core's sum. */
static void share_softmax_sum(uint parity, uint unused)
{
    use(unused);
    SATURATION_PHASE(SATURATION_FORWARD);
    softmax_exchange_share_sum(layer.outputs[parity], layer.params.n_atoms,
            parity);
}

static void finish_softmax_forward(uint parity, uint unused)
{
    use(unused);
    SATURATION_PHASE(SATURATION_FORWARD);
    softmax_exchange_normalise(layer.outputs[parity], layer.params.n_atoms,
            parity);
    forward_done(parity);
}

static const callback_t softmax_round_done[SOFTMAX_ROUNDS] = {
    share_softmax_sum, finish_softmax_forward, layer_training_softmax_dot
};

static void receive_packet(uint key, uint payload)
{
    uint32_t parity;
    if (layer.params.activation == ACTIVATION_SOFTMAX &&
            softmax_exchange_owns(key)) {
        int32_t round = softmax_exchange_receive(key, payload, &parity);
        if (round >= 0) {
            layer_schedule(softmax_round_done[round], parity);
        }
        return;
    }
    int32_t status = input_streams_file(&inputs_in, key, payload,
            (uint32_t **) layer.inputs, layer.params.n_inputs, &parity);
    if (status >= 0) {
        if (status > 0) {
            layer_schedule(compute_forward, parity);
        }
        return;
    }
    if (!layer_training_receive(key, payload)) {
        log_error("no key table entry for key 0x%08x", key);
        rt_error(RTE_SWERR);
    }
}

STARTUP void c_main(void)
{
    data_specification_metadata_t *regions =
            layer_program_start(APPLICATION_NAME_HASH);
#ifdef SPINNDL_FIXED
    saturation_attach(data_specification_get_region(
            REGION_SATURATION, regions));
#endif
    spin1_memcpy(&layer.params, data_specification_get_region(
            REGION_PARAMS, regions), sizeof(layer.params));
    examples_in_flight_init(layer.params.examples_in_flight);
    input_streams_init(&inputs_in,
            data_specification_get_region(REGION_KEY_TABLE, regions));
    inputs_in.pairs = NUMERIC_FORWARD_PAIRS;
    kind_init(&layer.params, regions);
    for (uint32_t p = 0; p < examples_in_flight; p++) {
        layer.inputs[p] = allocate(layer.params.n_inputs * sizeof(value_t));
        layer.outputs[p] = allocate(layer.params.n_atoms * sizeof(value_t));
    }
    softmax_exchange_init(&layer.params);
    layer_training_init(regions);
    log_info("layer: atoms %u..%u of %u, %u inputs, activation %u",
            layer.params.lo_atom,
            layer.params.lo_atom + layer.params.n_atoms - 1,
            layer.params.layer_atoms, layer.params.n_inputs,
            layer.params.activation);

    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, -1);
    simulation_run();
}
