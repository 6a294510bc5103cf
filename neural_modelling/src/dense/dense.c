/*
 * A slice of a Dense layer's perceptrons on one core (inference).
 *
 * Inputs arrive as MCPL packets (key, float bits); the key table says which
 * input each key carries. The receive callback only files the value away
 * (no float maths: the router waits while it runs); when an example's last
 * input arrives, the example is computed in a queued callback: z = Wx + b,
 * the activation, one output packet per atom with forward_key + atom.
 *
 * Streaming: EXAMPLES_IN_FLIGHT (2) examples may be in the pipeline at
 * once. A packet's key says which (its parity: every sender has two keys
 * per value); the host never has more than two examples outstanding
 * (docs/streaming.md), so two buffers suffice and nothing is overwritten
 * (common/input_streams.h). Outputs start after the core's send phase and
 * are paced by its send gap, so a receiving core gets about one packet per
 * microsecond however many cores send to it.
 *
 * Softmax spans all cores of the layer, in two rounds on the layer's
 * "softmax" partition (common/softmax_exchange.h): each core sends the max
 * of its z, then, knowing the layer's max M, the sum of exp(z - M); outputs
 * are exp(z - M) / sum. Max-subtracted, so stable.
 */
#include <spin1_api.h>
#include <debug.h>
#include <data_specification.h>
#include <simulation.h>

#include "../common/layer_regions.h"
#include "../common/regions.h"
#include "../common/input_streams.h"
#include "../common/layer_forward.h"
#include "../common/softmax_exchange.h"
#include "../common/paced_send.h"

#define COMPUTE_PRIORITY 1

static layer_params_t params;
static input_streams_t inputs_in;
static const float *weights;      /* n_atoms rows of n_inputs */
static const float *biases;
static float *inputs[EXAMPLES_IN_FLIGHT];
static float *outputs[EXAMPLES_IN_FLIGHT];  /* z, then y in place */

static inline void schedule(callback_t callback, uint32_t parity)
{
    if (!spin1_schedule_callback(callback, parity, 0, COMPUTE_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

static void send_outputs(uint32_t parity)
{
    spin1_delay_us(params.send_phase_us);
    send_paced(params.forward_key + parity * params.n_atoms, outputs[parity],
            params.n_atoms, params.send_gap_us);
}

/* z = W x + b for one example, then either the outputs or, for softmax,
 * this core's max of z. */
static void compute_example(uint parity, uint unused)
{
    use(unused);
    float local_max = forward_weighted_sums(weights, biases, inputs[parity],
            outputs[parity], params.n_atoms, params.n_inputs);
    if (params.activation == ACTIVATION_SOFTMAX) {
        softmax_exchange_send(SOFTMAX_ROUND_MAX, parity, local_max);
    } else {
        forward_activate(params.activation, outputs[parity], params.n_atoms);
        send_outputs(parity);
    }
}

/* Softmax round two: the layer's max is known; share this core's sum. */
static void share_softmax_sum(uint parity, uint unused)
{
    use(unused);
    softmax_exchange_share_sum(outputs[parity], params.n_atoms, parity);
}

static void finish_softmax(uint parity, uint unused)
{
    use(unused);
    softmax_exchange_normalise(outputs[parity], params.n_atoms, parity);
    send_outputs(parity);
}

static void receive_packet(uint key, uint payload)
{
    uint32_t parity, index;
    if (params.activation == ACTIVATION_SOFTMAX &&
            softmax_exchange_owns(key)) {
        int32_t round = softmax_exchange_receive(key, payload, &parity);
        if (round == SOFTMAX_ROUND_MAX) {
            schedule(share_softmax_sum, parity);
        } else if (round == SOFTMAX_ROUND_SUM) {
            schedule(finish_softmax, parity);
        }
        return;
    }
    int32_t status = input_streams_receive(&inputs_in, key, &parity, &index);
    if (status < 0) {
        log_error("no key table entry for key 0x%08x", key);
        rt_error(RTE_SWERR);
    }
    ((uint32_t *) inputs[parity])[index] = payload;
    if (status > 0) {
        schedule(compute_example, parity);
    }
}

/* Copies the regions into DTCM, where every multiply reads them. */
static void read_regions(data_specification_metadata_t *regions)
{
    spin1_memcpy(&params, data_specification_get_region(
            REGION_PARAMS, regions), sizeof(params));
    input_streams_init(&inputs_in,
            data_specification_get_region(REGION_KEY_TABLE, regions));

    uint32_t n_weights = params.n_atoms * params.n_inputs;
    const float *parameters = copy_to_dtcm(
            data_specification_get_region(REGION_WEIGHTS, regions),
            (n_weights + params.n_atoms) * sizeof(float));
    weights = parameters;
    biases = &parameters[n_weights];

    for (uint32_t p = 0; p < EXAMPLES_IN_FLIGHT; p++) {
        inputs[p] = allocate(params.n_inputs * sizeof(float));
        outputs[p] = allocate(params.n_atoms * sizeof(float));
    }
    softmax_exchange_init(&params);
}

void c_main(void)
{
    data_specification_metadata_t *regions =
            layer_program_start(APPLICATION_NAME_HASH);
    read_regions(regions);
    log_info("dense: atoms %u..%u of %u, %u inputs, activation %u",
            params.lo_atom, params.lo_atom + params.n_atoms - 1,
            params.layer_atoms, params.n_inputs, params.activation);

    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, -1);
    simulation_run();
}
