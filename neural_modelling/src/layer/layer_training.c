/*
 * The training half of the layer program (docs/training.md), for every
 * layer kind. Per example, by its slot ("parity" in the code):
 *  1. forward exactly as inference (layer_main.c), keeping the inputs x and
 *     outputs y of the example;
 *  2. g = dLoss/dy: on the output layer from y and the labels (the label
 *     source's packets, own atoms kept); on other layers the sum of the
 *     partial errors the next layer's cores send back;
 *  3. delta = g * f'(y); softmax: delta_a = y_a (g_a - sum_b y_b g_b) with
 *     the sum over the layer (round 2 of the softmax exchange);
 *  4. the kind's backward step: partial errors e_i = dLoss/dx_i (not on
 *     the first layer), with the weights the forward pass used, and its
 *     gradient sums;
 *  5. at the last example of a batch, the kind's update (the Keras
 *     optimizer, the weights copied back to the WEIGHTS region);
 *  6. the partial errors go back, paced, to each linked slice of the
 *     previous layer (keys from BACKWARD_OUT, + slot x atoms); the
 *     first layer sends one ack instead, its payload the example's slot.
 * Everything of an example, update included, is done before anything of it
 * leaves backwards, so the first layer's acks mean the whole network is
 * done with the example; the host keeps at most examples_in_flight examples
 * un-acked, so the slots are never overwritten while in use.
 *
 * All float work runs in queued callbacks of one priority (which never
 * preempt each other); the packet-received callback only files values,
 * apart from one add per partial error (below).
 */
#include <debug.h>

#include "layer.h"
#include "layer_kind.h"
#include "training_maths.h"
#include "gradient_exchange.h"
#include "../common/regions.h"
#include "../common/softmax_exchange.h"
#include "../common/paced_send.h"
#include "../common/kernel_reduction.h"
#include "../common/work.h"

/* The output layer starts an example's backward pass once both are in. */
#define OUTPUT_PARTS 2

static training_params_t training;
static input_streams_t errors_in;    /* partial errors (BACKWARD_IN)     */
static input_streams_t labels_in;    /* labels (LABEL_TABLE)             */
static const backward_targets_t *targets;   /* BACKWARD_OUT             */

/* Per parity slot */
static value_t *errors[MAX_EXAMPLES_IN_FLIGHT];   /* g, then delta in place   */
static value_t *labels[MAX_EXAMPLES_IN_FLIGHT];   /* t of own atoms           */
static uint32_t label_class[MAX_EXAMPLES_IN_FLIGHT];  /* sparse: class index  */
static value_t label_weight[MAX_EXAMPLES_IN_FLIGHT];  /* sample weight        */
static uint32_t weight_index;        /* label index of the sample weight  */
static uint32_t output_parts[MAX_EXAMPLES_IN_FLIGHT];
static value_t *partial_errors;               /* e, n_inputs              */

/* Batches */
static uint32_t batch_start;         /* first example of this batch in its
                                        epoch                             */
static uint32_t batch_done;          /* examples of the batch finished    */

/* A kind whose cores share their parameters (a convolution) reduces the
 * gradient sums over the layer's cores before each update
 * (common/kernel_reduction.h); the batch's last example goes back only
 * after the update, so the acks still mean "updated". */
static bool reducing;

/* ---- step 5: batches ------------------------------------------------------- */

static uint32_t batch_size_now(void)
{
    uint32_t left = training.n_examples - batch_start;
    return training.batch_size < left ? training.batch_size : left;
}

/* The optimizer's step on parameters first .. first + count - 1. */
static void update_parameters(uint32_t first, uint32_t count)
{
    SATURATION_PHASE(SATURATION_UPDATE);
    kind_update(batch_size_now(), first, count);
}

/* The batch's parameters are final: the host's copy, the next batch. */
ONCE_A_BATCH static void batch_updated(void)
{
    kind_store_parameters();
    batch_done = 0;
    batch_start += batch_size_now();
    if (batch_start >= training.n_examples) {
        batch_start = 0;  /* next epoch */
    }
}

ONCE_A_BATCH static void update(void)
{
    kind_begin_update();
    update_parameters(0, kind_parameter_count());
    batch_updated();
}

/* With replicas the batch's examples are dealt round them (example i of
 * the batch to replica i % R): this core sees its replica's share, and
 * updates its share of the parameters once the replicas' sums are
 * combined, taking the others' new weights (gradient_exchange.h). */
static uint32_t share_of_batch(uint32_t size)
{
    uint32_t replicas = gradient_exchange_replicas();
    uint32_t replica = gradient_exchange_replica();
    return size > replica ? (size - replica - 1) / replicas + 1 : 0;
}

static void example_sent_on(uint32_t parity);
static void send_partial_errors(uint32_t parity);
static uint32_t deferred_parity;

/* With replicas every layer exchanges and updates at once: the batch's
 * last partial errors go back before the update, and "updated" tokens go
 * from the output layer towards the first, each core passing one on once
 * it has updated and heard from every core of the next layer; the first
 * layer's ack then still means the whole network is done. */
static bool own_updated;
static uint32_t updated_tokens;

ONCE_A_BATCH static void release_if_updated(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    uint32_t expected = training.loss != LOSS_NONE ? 0
            : training.next_layer_cores;
    if (!own_updated || updated_tokens < expected) {
        return;
    }
    own_updated = false;
    updated_tokens = 0;
    if (training.is_first_layer) {
        example_sent_on(deferred_parity);   /* the ack */
    } else {
        send_word(gradient_exchange_params()->updated_key, 0);
    }
}

ONCE_A_BATCH static void exchange_done(void)
{
    batch_updated();
    own_updated = true;
    release_if_updated(0, 0);
}

static void reduction_step(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    if (!kernel_reduction_step()) {
        return;
    }
    update();
    example_sent_on(deferred_parity);
}

/* Whether the example at hand is the last of this core's share of its
 * batch. */
static bool ends_batch(void)
{
    return batch_done + 1 >= share_of_batch(batch_size_now());
}

/* Returns true when the example's sends are done here or wait for the
 * exchange. */
static bool end_of_example(uint32_t parity)
{
    bool last = ends_batch();
    batch_done++;
    if (!last) {
        return false;
    }
    if (reducing) {   /* the host refuses replicas for such kinds */
        deferred_parity = parity;
        if (kernel_reduction_batch_done()) {
            layer_schedule(reduction_step, 0);
        }
        return true;
    }
    if (gradient_exchange_active()) {
        deferred_parity = parity;
        if (!training.is_first_layer) {
            send_partial_errors(parity);
        }
        kind_begin_update();
        gradient_exchange_start(update_parameters, exchange_done);
        return true;
    }
    update();
    return false;
}

/* ---- steps 4 and 6 --------------------------------------------------------- */

/* Whether this core's backward steps can be streamed (a layer after the
 * first whose kind streams them, every input targeted: set at start-up),
 * and whether this example's is (set by finish_example). */
static bool streams_errors;
static bool streaming_errors;

/* Step 6: one value to each slice of the previous layer in turn, starting
 * at this core's own turn, one per backward_period_ns: every slice gets
 * its values spread over the whole send, not all of its share at once.
 * The layer's cores start spread over one period (its phase), so however
 * few slices there are they do not all send their first value at once. */
static void send_partial_errors(uint32_t parity)
{
    uint32_t n_targets = targets->n_targets;
    uint32_t most = 0;
    for (uint32_t s = 0; s < n_targets; s++) {
        if (targets->targets[s].n_atoms > most) {
            most = targets->targets[s].n_atoms;
        }
    }
    /* this core's place in its layer (slices are near equal) */
    uint32_t position = layer.params.lo_atom / layer.params.n_atoms;
    uint32_t first = position % n_targets;
    pacer_t pacer;
    pacer_start(&pacer, training.backward_period_ns,
            position * training.backward_period_ns
            / layer.params.layer_cores);
    for (uint32_t j = 0; j < most; j++) {
        for (uint32_t t = 0; t < n_targets; t++) {
            uint32_t s = first + t < n_targets ? first + t
                                               : first + t - n_targets;
            const backward_target_t *target = &targets->targets[s];
            if (j < target->n_atoms) {
                uint32_t input = target->lo_atom + j;
                send_value(target->key + parity * target->n_atoms + j,
                        streaming_errors ? kind_partial_error(input)
                                         : partial_errors[input]);
                pacer_pause(&pacer);
            }
        }
    }
    if (streaming_errors) {
        reset_errors(errors[parity], layer.params.n_atoms);
    }
}

static void finish_example(uint32_t parity)
{
    value_t *delta = errors[parity];
    /* Partial errors sent before this core updates (within a batch, or
     * with replicas, which send before the exchange) can be computed one
     * by one as they go, from the weights the forward pass used; one copy
     * updates at a batch's end before it sends, so it computes them all
     * first. The deltas stay until the last is sent (no example of this
     * slot comes back before then). */
    streaming_errors = streams_errors
            && (!ends_batch() || gradient_exchange_active());
    if (streaming_errors) {
        /* the gradient terms too, input by input (layer_kind.h) */
        kind_begin_partial_errors(layer.inputs[parity], delta);
    } else {
        kind_backward(layer.inputs[parity], delta,
                training.is_first_layer ? NULL : partial_errors);
        reset_errors(delta, layer.params.n_atoms);
    }
    if (!end_of_example(parity)) {
        example_sent_on(parity);
    }
}

/* The example is done here, update included: ack it or send its partial
 * errors back. */
static void example_sent_on(uint32_t parity)
{
    if (training.is_first_layer) {
        spin1_delay_us(layer.params.send_phase_us);
        send_word(training.ack_key, parity);
        return;
    }
    send_partial_errors(parity);
}

/* ---- steps 2 and 3 --------------------------------------------------------- */

void layer_training_softmax_dot(uint parity, uint unused)
{
    use(unused);
    SATURATION_PHASE(SATURATION_BACKWARD);
    softmax_delta(layer.outputs[parity], errors[parity],
            softmax_exchange_result(SOFTMAX_ROUND_DOT, parity),
            layer.params.n_atoms);
    finish_example(parity);
}

/* g is complete: delta = g f'(y); softmax first needs the layer's sum of
 * y * g. */
static void backward(uint parity, uint unused)
{
    use(unused);
    SATURATION_PHASE(SATURATION_BACKWARD);
    const value_t *y = layer.outputs[parity];
    value_t *g = errors[parity];
    if (layer.params.activation == ACTIVATION_SOFTMAX) {
        softmax_exchange_send(SOFTMAX_ROUND_DOT, parity,
                softmax_dot(y, g, layer.params.n_atoms));
        return;
    }
    activation_backward(layer.params.activation, y, g, layer.params.n_atoms);
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
    SATURATION_PHASE(SATURATION_BACKWARD);
    if (training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
        sparse_loss_gradient(layer.outputs[parity], label_class[parity],
                layer.params.lo_atom, errors[parity], layer.params.n_atoms);
    } else {
        loss_gradient(training.loss, layer.outputs[parity], labels[parity],
                errors[parity], layer.params.n_atoms, training.output_atoms);
    }
    if (training.sample_weights) {
        scale(errors[parity], label_weight[parity], layer.params.n_atoms);
    }
    backward(parity, 0);
}

static void labels_arrived(uint parity, uint unused)
{
    use(unused);
    output_part_ready(parity);
}

void layer_training_forward_done(uint32_t parity)
{
    if (training.loss != LOSS_NONE) {
        output_part_ready(parity);
    }
}

/* ---- packets --------------------------------------------------------------- */

bool layer_training_receive(uint32_t key, uint32_t payload)
{
    uint32_t parity, index;
    if (reducing && kernel_reduction_owns(key)) {
        if (kernel_reduction_receive(key, payload)) {
            layer_schedule(reduction_step, 0);
        }
        return true;
    }
    if (gradient_exchange_receive(key, payload)) {
        return true;
    }
    if (gradient_exchange_active() && training.loss == LOSS_NONE) {
        const replica_params_t *replicas = gradient_exchange_params();
        if ((key & replicas->updated_in_mask) == replicas->updated_in_key) {
            /* one callback for the last token, not one per token: a wide
             * next layer's tokens would overflow the task queue */
            if (++updated_tokens == training.next_layer_cores) {
                layer_schedule(release_if_updated, 0);
            }
            return true;
        }
    }
    int32_t status = input_streams_receive(&errors_in, key, &parity, &index);
    if (status >= 0) {
        /* One add per partial error, here rather than storing every
         * sender's values (next_layer_cores x n_atoms more values per
         * slot): on the board a soft-float add (~100 cycles) lengthens
         * this callback, acceptable for the backward stream, which is no
         * denser than the forward one. */
        errors[parity][index] = value_add_counting(errors[parity][index],
                value_from_bits(payload), SATURATION_BACKWARD);
        work_add(NUMERIC_WORK(PARTIAL_ERROR_FILED), 1);
        if (status > 0) {
            layer_schedule(backward, parity);
        }
        return true;
    }
    status = input_streams_receive(&labels_in, key, &parity, &index);
    if (status >= 0) {
        uint32_t atom = index - layer.params.lo_atom;  /* wraps if below */
        if (training.sample_weights && index == weight_index) {
            label_weight[parity] = value_from_bits(payload);
        } else if (training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
            /* the host checks class indices before mapping; a bad one
             * here means a corrupted packet: stop rather than learn */
            if (payload >= layer.params.layer_atoms) {
                log_error("label %u: class index out of range 0..%u "
                        "(example of parity %u)", payload,
                        layer.params.layer_atoms - 1, parity);
                rt_error(RTE_SWERR);
            }
            label_class[parity] = payload;
        } else if (atom < layer.params.n_atoms) {
            labels[parity][atom] = value_from_bits(payload);
        }
        if (status > 0) {
            layer_schedule(labels_arrived, parity);
        }
        return true;
    }
    return false;
}

/* ---- start ----------------------------------------------------------------- */

static value_t *zeroed(uint32_t n)
{
    value_t *values = allocate(n * sizeof(value_t));
    for (uint32_t i = 0; i < n; i++) {
        values[i] = VALUE_ZERO;
    }
    return values;
}

void layer_training_init(data_specification_metadata_t *regions)
{
    spin1_memcpy(&training, data_specification_get_region(
            REGION_TRAINING, regions), sizeof(training));
    if (training.n_examples == 0) {
        log_error("no examples per epoch");
        rt_error(RTE_SWERR);
    }
    if (training.batch_size == 0) {
        training.batch_size = training.n_examples;
    }
    /* BACKWARD_IN: each linked next-layer core sends partial errors for
     * the own atoms its entry names (first_index counts from lo_atom) */
    input_streams_init(&errors_in,
            data_specification_get_region(REGION_BACKWARD_IN, regions));
    input_streams_init(&labels_in,
            data_specification_get_region(REGION_LABEL_TABLE, regions));
    /* the weight follows the class index, or the row of targets */
    weight_index = training.loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
            ? 1 : layer.params.layer_atoms;
    const backward_targets_t *out =
            data_specification_get_region(REGION_BACKWARD_OUT, regions);
    targets = copy_to_dtcm(out, sizeof(backward_targets_t)
            + out->n_targets * sizeof(backward_target_t));
    /* a streamed backward step visits every input once (layer_kind.h): so
     * the targets must take every input's partial error (the first layer
     * sends none) */
    uint32_t targeted = 0;
    for (uint32_t s = 0; s < targets->n_targets; s++) {
        targeted += targets->targets[s].n_atoms;
    }
    streams_errors = !training.is_first_layer
            && kind_streams_partial_errors()
            && targeted == layer.params.n_inputs;
    kind_training_init(&training, regions);
    uint32_t n_shared;
    value_t *shared = kind_shared_gradients(&n_shared);
    reducing = shared != NULL && layer.params.layer_cores > 1;
    if (reducing) {
        kernel_reduction_init(data_specification_get_region(
                REGION_REDUCTION, regions), shared, n_shared);
    }
    for (uint32_t p = 0; p < examples_in_flight; p++) {
        errors[p] = zeroed(layer.params.n_atoms);
        labels[p] = zeroed(layer.params.n_atoms);
        label_class[p] = 0;
        label_weight[p] = VALUE_ONE;
        output_parts[p] = 0;
    }
    partial_errors = allocate(layer.params.n_inputs * sizeof(value_t));
    gradient_exchange_init(regions);
    own_updated = false;
    updated_tokens = 0;
    batch_start = 0;
    batch_done = 0;
}

/* A kind that does not stream its partial errors computes them all in
 * kind_backward (layer_kind.h). */
__attribute__((weak)) bool kind_streams_partial_errors(void)
{
    return false;
}

__attribute__((weak)) void kind_begin_partial_errors(const value_t *x,
                                                     const value_t *delta)
{
    use(x);
    use(delta);
}

__attribute__((weak)) value_t kind_partial_error(uint32_t input)
{
    use(input);
    log_error("this layer kind does not stream its partial errors");
    rt_error(RTE_SWERR);
    return VALUE_ZERO;
}
