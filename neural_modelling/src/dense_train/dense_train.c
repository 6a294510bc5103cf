/*
 * A slice of a Dense layer's perceptrons on one core, training
 * (docs/training.md). Per example, by its parity slot:
 *  1. forward exactly as the inference program (src/dense), keeping the
 *     inputs x and outputs y of the example;
 *  2. g = dLoss/dy: on the output layer from y and the labels (the label
 *     source's packets, own atoms kept); on other layers the sum of the
 *     partial errors the next layer's cores send back;
 *  3. delta = g * f'(y); softmax: delta_a = y_a (g_a - sum_b y_b g_b) with
 *     the sum over the layer (round 2 of the softmax exchange);
 *  4. partial errors e_i = sum_a W[a][i] delta_a (not on the first layer),
 *     with the weights the forward pass used;
 *  5. gradient sums += delta x (and delta for the biases);
 *  6. at the last example of a batch, the Keras update, and the weights
 *     copied back to the WEIGHTS region in SDRAM for the host;
 *  7. the partial errors go back, paced, to each slice of the previous layer
 *     (keys from BACKWARD_OUT, + atoms for parity 1); the first layer sends
 *     one ack instead, its payload the example's parity.
 * Everything of an example, update included, is done before anything of it
 * leaves backwards, so the first layer's acks mean the whole network is
 * done with the example; the host keeps at most two examples un-acked, so
 * the two parity slots are never overwritten while in use.
 *
 * All float work runs in queued callbacks of one priority (which never
 * preempt each other); the packet-received callback only files values,
 * apart from one float add per partial error (below).
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
#include "training_maths.h"
#include "../common/work.h"

#define COMPUTE_PRIORITY 1
/* The output layer starts an example's backward pass once both are in. */
#define OUTPUT_PARTS 2

static layer_params_t params;
static training_params_t training;
static input_streams_t inputs_in;    /* forward inputs (KEY_TABLE)       */
static input_streams_t errors_in;    /* partial errors (BACKWARD_IN)     */
static input_streams_t labels_in;    /* labels (LABEL_TABLE)             */
static const backward_targets_t *targets;   /* BACKWARD_OUT             */

/* Weights (n_atoms rows of n_inputs) then biases, as in the WEIGHTS
 * region; the gradient sums and the optimizer state have the same layout. */
static float *parameters;
static float *gradient_sums;
static uint32_t n_parameters;
static float *sdram_weights;         /* the WEIGHTS region               */
static float *optimizer_state;       /* the OPTIMIZER region (SDRAM)     */
static optimizer_powers_t powers;

/* Per parity slot */
static float *inputs[EXAMPLES_IN_FLIGHT];   /* x                          */
static float *outputs[EXAMPLES_IN_FLIGHT];  /* z, then y in place         */
static float *errors[EXAMPLES_IN_FLIGHT];   /* g, then delta in place     */
static float *labels[EXAMPLES_IN_FLIGHT];   /* t of own atoms             */
static uint32_t label_class[EXAMPLES_IN_FLIGHT];  /* sparse: class index    */
static float label_weight[EXAMPLES_IN_FLIGHT];    /* sample weight          */
static uint32_t weight_index;        /* label index of the sample weight  */
static uint32_t output_parts[EXAMPLES_IN_FLIGHT];
static float *partial_errors;               /* e, n_inputs                */

/* Batches */
static uint32_t batch_start;         /* first example of this batch in its
                                        epoch                             */
static uint32_t batch_done;          /* examples of the batch finished    */


static inline void schedule(callback_t callback, uint32_t parity)
{
    if (!spin1_schedule_callback(callback, parity, 0, COMPUTE_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

/* ---- step 6: batches and updates ----------------------------------------- */

static uint32_t batch_examples(void)
{
    uint32_t left = training.n_examples - batch_start;
    return training.batch_size < left ? training.batch_size : left;
}

static void end_of_example(void)
{
    uint32_t size = batch_examples();
    if (++batch_done < size) {
        return;
    }
    optimizer_update(&training, &powers, parameters, gradient_sums,
            optimizer_state, n_parameters, size);
    spin1_memcpy(sdram_weights, parameters, n_parameters * sizeof(float));
    work_add(WORK_SDRAM_WORD, n_parameters);
    batch_done = 0;
    batch_start += size;
    if (batch_start >= training.n_examples) {
        batch_start = 0;  /* next epoch */
    }
}

/* ---- steps 4, 5 and 7 ------------------------------------------------------ */

/* Step 7: one value to each slice of the previous layer in turn, starting
 * at this core's own turn, backward_gap_us after each: every slice gets
 * its values spread over the whole send, not all of its share at once. */
static void send_partial_errors(uint32_t parity)
{
    uint32_t n_targets = targets->n_targets;
    uint32_t most = 0;
    for (uint32_t s = 0; s < n_targets; s++) {
        if (targets->targets[s].n_atoms > most) {
            most = targets->targets[s].n_atoms;
        }
    }
    spin1_delay_us(params.send_phase_us);
    /* this core's place in its layer (slices are near equal) */
    uint32_t first = (params.lo_atom / params.n_atoms) % n_targets;
    for (uint32_t j = 0; j < most; j++) {
        for (uint32_t t = 0; t < n_targets; t++) {
            uint32_t s = first + t < n_targets ? first + t
                                               : first + t - n_targets;
            const backward_target_t *target = &targets->targets[s];
            if (j < target->n_atoms) {
                send_float(target->key + parity * target->n_atoms + j,
                        partial_errors[target->lo_atom + j]);
                spin1_delay_us(training.backward_gap_us);
            }
        }
    }
}

static void finish_example(uint32_t parity)
{
    if (!training.is_first_layer) {
        partial_errors_of(parameters, errors[parity], partial_errors,
                params.n_atoms, params.n_inputs);
    }
    accumulate_gradients(gradient_sums, errors[parity], inputs[parity],
            params.n_atoms, params.n_inputs);
    end_of_example();

    if (training.is_first_layer) {
        spin1_delay_us(params.send_phase_us);
        send_word(training.ack_key, parity);
    } else {
        send_partial_errors(parity);
    }
}

/* ---- steps 2 and 3 --------------------------------------------------------- */

/* Softmax: delta needs the layer's sum of y * g. */
static void finish_softmax_backward(uint parity, uint unused)
{
    use(unused);
    softmax_delta(outputs[parity], errors[parity],
            softmax_exchange_result(SOFTMAX_ROUND_DOT, parity),
            params.n_atoms);
    finish_example(parity);
}

/* g is complete: delta = g f'(y). */
static void backward(uint parity, uint unused)
{
    use(unused);
    const float *y = outputs[parity];
    float *g = errors[parity];
    if (params.activation == ACTIVATION_SOFTMAX) {
        softmax_exchange_send(SOFTMAX_ROUND_DOT, parity,
                softmax_dot(y, g, params.n_atoms));
        return;
    }
    activation_backward(params.activation, y, g, params.n_atoms);
    finish_example(parity);
}

/* Output layer: the loss stage once both the outputs and the labels of the
 * example are in (both arrive in callbacks of one priority: no race). */
static void output_part_ready(uint32_t parity)
{
    if (++output_parts[parity] < OUTPUT_PARTS) {
        return;
    }
    output_parts[parity] = 0;
    if (training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
        sparse_loss_gradient(outputs[parity], label_class[parity],
                params.lo_atom, errors[parity], params.n_atoms);
    } else {
        loss_gradient(training.loss, outputs[parity], labels[parity],
                errors[parity], params.n_atoms, training.output_atoms);
    }
    if (training.sample_weights) {
        scale(errors[parity], label_weight[parity], params.n_atoms);
    }
    backward(parity, 0);
}

static void labels_arrived(uint parity, uint unused)
{
    use(unused);
    output_part_ready(parity);
}

/* ---- step 1: forward, as src/dense ---------------------------------------- */

static void forward_done(uint32_t parity)
{
    spin1_delay_us(params.send_phase_us);
    send_paced(params.forward_key + parity * params.n_atoms, outputs[parity],
            params.n_atoms, params.send_gap_us);
    if (training.loss != LOSS_NONE) {
        output_part_ready(parity);
    }
}

static void compute_forward(uint parity, uint unused)
{
    use(unused);
    float local_max = forward_weighted_sums(parameters,
            &parameters[params.n_atoms * params.n_inputs], inputs[parity],
            outputs[parity], params.n_atoms, params.n_inputs);
    if (params.activation == ACTIVATION_SOFTMAX) {
        softmax_exchange_send(SOFTMAX_ROUND_MAX, parity, local_max);
        return;
    }
    forward_activate(params.activation, outputs[parity], params.n_atoms);
    forward_done(parity);
}

static void share_softmax_sum(uint parity, uint unused)
{
    use(unused);
    softmax_exchange_share_sum(outputs[parity], params.n_atoms, parity);
}

static void finish_softmax_forward(uint parity, uint unused)
{
    use(unused);
    softmax_exchange_normalise(outputs[parity], params.n_atoms, parity);
    forward_done(parity);
}

/* ---- packets --------------------------------------------------------------- */

static const callback_t softmax_round_done[SOFTMAX_ROUNDS] = {
    share_softmax_sum, finish_softmax_forward, finish_softmax_backward
};

static void receive_packet(uint key, uint payload)
{
    union { uint32_t as_bits; float as_float; } value = { .as_bits = payload };
    uint32_t parity, index;
    if (params.activation == ACTIVATION_SOFTMAX &&
            softmax_exchange_owns(key)) {
        int32_t round = softmax_exchange_receive(key, payload, &parity);
        if (round >= 0) {
            schedule(softmax_round_done[round], parity);
        }
        return;
    }
    int32_t status = input_streams_receive(&inputs_in, key, &parity, &index);
    if (status >= 0) {
        inputs[parity][index] = value.as_float;
        if (status > 0) {
            schedule(compute_forward, parity);
        }
        return;
    }
    status = input_streams_receive(&errors_in, key, &parity, &index);
    if (status >= 0) {
        /* One float add per partial error, here rather than storing every
         * sender's values (next_layer_cores x n_atoms more floats per
         * slot): on the board a soft-float add (~100 cycles) lengthens
         * this callback, acceptable for the backward stream, which is no
         * denser than the forward one. */
        errors[parity][index] += value.as_float;
        work_add(WORK_PARTIAL_ERROR_FILED, 1);
        if (status > 0) {
            schedule(backward, parity);
        }
        return;
    }
    status = input_streams_receive(&labels_in, key, &parity, &index);
    if (status >= 0) {
        uint32_t atom = index - params.lo_atom;  /* wraps if below */
        if (training.sample_weights && index == weight_index) {
            label_weight[parity] = value.as_float;
        } else if (training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
            /* the host checks class indices before mapping; a bad one
             * here means a corrupted packet: stop rather than learn */
            if (payload >= params.layer_atoms) {
                log_error("label %u: class index out of range 0..%u "
                        "(example of parity %u)", payload,
                        params.layer_atoms - 1, parity);
                rt_error(RTE_SWERR);
            }
            label_class[parity] = payload;
        } else if (atom < params.n_atoms) {
            labels[parity][atom] = value.as_float;
        }
        if (status > 0) {
            schedule(labels_arrived, parity);
        }
        return;
    }
    log_error("no key table entry for key 0x%08x", key);
    rt_error(RTE_SWERR);
}

/* ---- start ----------------------------------------------------------------- */

static float *zeroed(uint32_t n)
{
    float *values = allocate(n * sizeof(float));
    for (uint32_t i = 0; i < n; i++) {
        values[i] = 0.0f;
    }
    return values;
}

static void read_regions(data_specification_metadata_t *regions)
{
    spin1_memcpy(&params, data_specification_get_region(
            REGION_PARAMS, regions), sizeof(params));
    spin1_memcpy(&training, data_specification_get_region(
            REGION_TRAINING, regions), sizeof(training));
    if (training.n_examples == 0) {
        log_error("no examples per epoch");
        rt_error(RTE_SWERR);
    }
    if (training.batch_size == 0) {
        training.batch_size = training.n_examples;
    }

    input_streams_init(&inputs_in,
            data_specification_get_region(REGION_KEY_TABLE, regions));
    input_streams_init(&errors_in,
            data_specification_get_region(REGION_BACKWARD_IN, regions));
    /* each next-layer core sends one partial error per atom of this core */
    input_streams_per_own_atom(&errors_in, params.n_atoms);
    input_streams_init(&labels_in,
            data_specification_get_region(REGION_LABEL_TABLE, regions));
    /* the weight follows the class index, or the row of targets */
    weight_index = training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
            ? 1 : params.layer_atoms;
    const backward_targets_t *out =
            data_specification_get_region(REGION_BACKWARD_OUT, regions);
    targets = copy_to_dtcm(out, sizeof(backward_targets_t)
            + out->n_targets * sizeof(backward_target_t));

    n_parameters = params.n_atoms * params.n_inputs + params.n_atoms;
    sdram_weights = data_specification_get_region(REGION_WEIGHTS, regions);
    parameters = copy_to_dtcm(sdram_weights, n_parameters * sizeof(float));
    gradient_sums = zeroed(n_parameters);
    /* Plain SGD has no state and no OPTIMIZER region. */
    optimizer_state = training.optimizer == OPTIMIZER_SGD ? NULL
            : data_specification_get_region(REGION_OPTIMIZER, regions);
    optimizer_init(&powers, &training, training.initial_step);

    for (uint32_t p = 0; p < EXAMPLES_IN_FLIGHT; p++) {
        inputs[p] = allocate(params.n_inputs * sizeof(float));
        outputs[p] = allocate(params.n_atoms * sizeof(float));
        errors[p] = zeroed(params.n_atoms);
        labels[p] = zeroed(params.n_atoms);
        label_class[p] = 0;
        label_weight[p] = 1.0f;
        output_parts[p] = 0;
    }
    partial_errors = allocate(params.n_inputs * sizeof(float));
    softmax_exchange_init(&params);
    batch_start = 0;
    batch_done = 0;
}

void c_main(void)
{
    data_specification_metadata_t *regions =
            layer_program_start(APPLICATION_NAME_HASH);
    read_regions(regions);
    log_info("dense_train: atoms %u..%u of %u, %u inputs, activation %u, "
            "loss %u, optimizer %u", params.lo_atom,
            params.lo_atom + params.n_atoms - 1, params.layer_atoms,
            params.n_inputs, params.activation, training.loss,
            training.optimizer);

    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, -1);
    simulation_run();
}
