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
 * once. Every sender sends whole examples in order, so counting each sending
 * core's packets tells which example a packet belongs to (its parity); the
 * host never has more than two examples outstanding (docs/streaming.md), so
 * two buffers suffice and nothing is overwritten.
 *
 * Softmax spans all cores of the layer, in two rounds on the layer's
 * "softmax" partition (4 keys per core: round << 1 | parity): each core
 * sends the max of its z, then, knowing the layer's max M, the sum of
 * exp(z - M); outputs are exp(z - M) / sum. Max-subtracted, so stable.
 */
#include <spin1_api.h>
#include <debug.h>
#include <data_specification.h>
#include <simulation.h>

#include "../common/layer_regions.h"
#include "../common/key_lookup.h"
#include "../common/float_maths.h"

#define EXAMPLES_IN_FLIGHT 2
#define SDP_PRIORITY 1
#define DMA_PRIORITY 0
#define COMPUTE_PRIORITY 1
#define SOFTMAX_ROUND_MAX 0
#define SOFTMAX_ROUND_SUM 1

/* Where each incoming stream stands: which example its next packet is of. */
typedef struct {
    uint32_t received;  /* packets of the current example so far */
    uint32_t parity;    /* the example they belong to (mod 2)    */
} stream_state_t;

/* Softmax statistics gathered from the layer's cores for one example. */
typedef struct {
    uint32_t n_max, n_sum;
    float max, sum;
} softmax_state_t;

static layer_params_t params;
static key_entry_t *key_entries;
static uint32_t n_key_entries;
static stream_state_t *streams;   /* one per key table entry */
static const float *weights;      /* n_atoms rows of n_inputs */
static const float *biases;
static float *inputs[EXAMPLES_IN_FLIGHT];
static uint32_t inputs_received[EXAMPLES_IN_FLIGHT];
static float *z_values[EXAMPLES_IN_FLIGHT];
static softmax_state_t softmax[EXAMPLES_IN_FLIGHT];
static uint32_t simulation_ticks, infinite_run, simulation_time;

static inline void send_value(uint32_t key, float value)
{
    union { float as_float; uint32_t as_bits; } bits = { .as_float = value };
    while (!spin1_send_mc_packet(key, bits.as_bits, WITH_PAYLOAD)) {
        spin1_delay_us(1);
    }
}

static void send_outputs(uint32_t parity)
{
    const float *z = z_values[parity];
    for (uint32_t a = 0; a < params.n_atoms; a++) {
        float value;
        switch (params.activation) {
        case ACTIVATION_RELU:
            value = z[a] > 0.0f ? z[a] : 0.0f;
            break;
        case ACTIVATION_SIGMOID:
            value = sigmoid_float(z[a]);
            break;
        case ACTIVATION_TANH:
            value = tanh_float(z[a]);
            break;
        case ACTIVATION_SOFTMAX:
            value = exp_float(z[a] - softmax[parity].max)
                    / softmax[parity].sum;
            break;
        default:
            value = z[a];
        }
        send_value(params.forward_key + a, value);
        spin1_delay_us(params.send_gap_us);
    }
}

static inline uint32_t softmax_key(uint32_t round, uint32_t parity)
{
    return params.softmax_key + (round << 1) + parity;
}

/* z = W x + b for one example, then either the outputs or, for softmax,
 * this core's max of z. */
static void compute_example(uint parity, uint unused)
{
    use(unused);
    const float *x = inputs[parity];
    float *z = z_values[parity];
    float local_max = -3.40282347e+38f;
    for (uint32_t a = 0; a < params.n_atoms; a++) {
        const float *row = &weights[a * params.n_inputs];
        float sum = 0.0f;
        for (uint32_t i = 0; i < params.n_inputs; i++) {
            sum += row[i] * x[i];
        }
        z[a] = sum + biases[a];
        if (z[a] > local_max) {
            local_max = z[a];
        }
    }
    if (params.activation == ACTIVATION_SOFTMAX) {
        send_value(softmax_key(SOFTMAX_ROUND_MAX, parity), local_max);
    } else {
        send_outputs(parity);
    }
}

/* Softmax round two: the layer's max is known; share this core's sum. */
static void share_softmax_sum(uint parity, uint unused)
{
    use(unused);
    float sum = 0.0f;
    for (uint32_t a = 0; a < params.n_atoms; a++) {
        sum += exp_float(z_values[parity][a] - softmax[parity].max);
    }
    send_value(softmax_key(SOFTMAX_ROUND_SUM, parity), sum);
}

static void finish_softmax(uint parity, uint unused)
{
    use(unused);
    send_outputs(parity);
    softmax[parity].n_max = 0;
    softmax[parity].n_sum = 0;
}

static inline void schedule(callback_t callback, uint32_t parity)
{
    if (!spin1_schedule_callback(callback, parity, 0, COMPUTE_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

/* Statistics from the layer's cores; float maths here is two compares or
 * adds per example per core, not per input. */
static inline void receive_softmax(uint32_t key, uint32_t payload)
{
    union { uint32_t as_bits; float as_float; } bits = { .as_bits = payload };
    uint32_t parity = key & 1;
    softmax_state_t *state = &softmax[parity];
    if (((key >> 1) & 1) == SOFTMAX_ROUND_MAX) {
        if (state->n_max == 0 || bits.as_float > state->max) {
            state->max = bits.as_float;
        }
        if (++state->n_max == params.layer_cores) {
            state->sum = 0.0f;
            schedule(share_softmax_sum, parity);
        }
    } else {
        state->sum += bits.as_float;
        if (++state->n_sum == params.layer_cores) {
            schedule(finish_softmax, parity);
        }
    }
}

static void receive_packet(uint key, uint payload)
{
    if (params.activation == ACTIVATION_SOFTMAX &&
            (key & params.softmax_layer_mask) == params.softmax_layer_key) {
        receive_softmax(key, payload);
        return;
    }
    int32_t entry_index = key_lookup(key_entries, n_key_entries, key);
    if (entry_index < 0) {
        log_error("no key table entry for key 0x%08x", key);
        rt_error(RTE_SWERR);
    }
    const key_entry_t *entry = &key_entries[entry_index];
    stream_state_t *stream = &streams[entry_index];
    uint32_t parity = stream->parity;
    uint32_t index = entry->first_index + (key & ~entry->mask);
    ((uint32_t *) inputs[parity])[index] = payload;
    if (++stream->received == entry->n_atoms) {
        stream->received = 0;
        stream->parity ^= 1;
    }
    if (++inputs_received[parity] == params.n_inputs) {
        inputs_received[parity] = 0;
        schedule(compute_example, parity);
    }
}

static void *allocate(uint32_t bytes)
{
    void *block = spin1_malloc(bytes);
    if (block == NULL) {
        log_error("out of DTCM allocating %u bytes", bytes);
        rt_error(RTE_MALLOC);
    }
    return block;
}

/* Copies the regions into DTCM, where every multiply reads them. */
static void read_regions(data_specification_metadata_t *regions)
{
    spin1_memcpy(&params, data_specification_get_region(
            REGION_PARAMS, regions), sizeof(params));

    const key_table_t *table =
            data_specification_get_region(REGION_KEY_TABLE, regions);
    n_key_entries = table->n_entries;
    key_entries = allocate(n_key_entries * sizeof(key_entry_t));
    spin1_memcpy(key_entries, table->entries,
            n_key_entries * sizeof(key_entry_t));
    streams = allocate(n_key_entries * sizeof(stream_state_t));
    for (uint32_t e = 0; e < n_key_entries; e++) {
        streams[e].received = 0;
        streams[e].parity = 0;
    }

    uint32_t n_weights = params.n_atoms * params.n_inputs;
    float *parameters = allocate((n_weights + params.n_atoms) * sizeof(float));
    spin1_memcpy(parameters, data_specification_get_region(
            REGION_WEIGHTS, regions),
            (n_weights + params.n_atoms) * sizeof(float));
    weights = parameters;
    biases = &parameters[n_weights];

    for (uint32_t p = 0; p < EXAMPLES_IN_FLIGHT; p++) {
        inputs[p] = allocate(params.n_inputs * sizeof(float));
        z_values[p] = allocate(params.n_atoms * sizeof(float));
        inputs_received[p] = 0;
        softmax[p].n_max = 0;
        softmax[p].n_sum = 0;
    }
}

void c_main(void)
{
    data_specification_metadata_t *regions =
            data_specification_get_data_address();
    if (!data_specification_read_header(regions)) {
        rt_error(RTE_SWERR);
    }
    uint32_t timer_period;
    if (!simulation_initialise(
            data_specification_get_region(REGION_SYSTEM, regions),
            APPLICATION_NAME_HASH, &timer_period, &simulation_ticks,
            &infinite_run, &simulation_time, SDP_PRIORITY, DMA_PRIORITY)) {
        rt_error(RTE_SWERR);
    }
    /* Purely event driven: examples, not time, drive the work. */
    simulation_set_uses_timer(false);
    read_regions(regions);
    log_info("dense: atoms %u..%u of %u, %u inputs, activation %u",
            params.lo_atom, params.lo_atom + params.n_atoms - 1,
            params.layer_atoms, params.n_inputs, params.activation);

    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, -1);
    simulation_run();
}
