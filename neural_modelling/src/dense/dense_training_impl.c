/*
 * The Dense layer kind (layer/layer_kind.h), training half: backward and
 * the update (dense_impl.h).
 */
#include <spin1_api.h>
#include "dense_impl.h"
#include "dense_maths.h"
#include "../common/work.h"
#include "../layer/training_maths.h"
#include "../common/regions.h"
#include "../layer/gradient_exchange.h"
#include "../common/core_clock.h"

static const training_params_t *training;
static weight_t *gradient_sums;
static weight_t *optimizer_state;     /* the OPTIMIZER region (SDRAM)     */
static optimizer_powers_t powers;
static dense_live_atom_t *live_atoms;   /* dense_partial_errors' list    */
static const value_t *streamed_x;       /* kind_begin_partial_errors'    */
static const value_t *streamed_delta;
static uint32_t streamed_live;
static bool streamed_fused;

void kind_training_init(const training_params_t *training_params,
                        data_specification_metadata_t *regions)
{
    training = training_params;
    gradient_sums = allocate(dense.n_parameters * sizeof(weight_t));
    live_atoms = allocate(dense.n_atoms * sizeof(dense_live_atom_t));
    for (uint32_t j = 0; j < dense.n_parameters; j++) {
        gradient_sums[j] = WEIGHT_ZERO;
    }
    /* Plain SGD has no state and no OPTIMIZER region. */
    optimizer_state = training->optimizer == OPTIMIZER_SGD ? NULL
            : data_specification_get_region(REGION_OPTIMIZER, regions);
    optimizer_init(&powers, training, training->initial_step);
}

void kind_backward(const value_t *x, const value_t *delta,
                   value_t *partial_errors)
{
    if (partial_errors != NULL) {
        dense_partial_errors(dense.parameters, delta, partial_errors,
                dense.n_atoms, dense.n_inputs, live_atoms);
    }
    dense_accumulate_gradients(gradient_sums, delta, x, dense.n_atoms,
            dense.n_inputs);
}

bool kind_streams_partial_errors(void)
{
    return true;
}

/* Whether an input's gradient terms go with its partial error (the
 * sends' period hides them) rather than all at once before the first
 * send: per input, what each way keeps the core from its next packet,
 * from the cost table (a send is part of the period, paced_send.h). */
static bool fuse_gradients(uint32_t n_live)
{
    uint32_t period = training->backward_period_ns / CORE_CLOCK_NS_PER_CYCLE;
    uint32_t fused = NUMERIC_CYCLES(STREAMED_INPUT)
            + NUMERIC_CYCLES(STREAMED_MAC) * n_live
            + WORK_CYCLES_PACKET_SEND;
    uint32_t alone = WORK_PARTIAL_ERROR_ALONE_CYCLES
            + (LIVE_ATOMS_WORTH_LISTING(n_live, dense.n_atoms)
               ? NUMERIC_CYCLES(PARTIAL_ERROR_LISTED_MAC) * n_live
               : NUMERIC_CYCLES(PARTIAL_ERROR_MAC) * dense.n_atoms)
            + WORK_CYCLES_PACKET_SEND;
    uint32_t gradient = NUMERIC_CYCLES(GRADIENT_MAC) * n_live;
    return (fused > period ? fused : period)
            <= gradient + (alone > period ? alone : period);
}

void kind_begin_partial_errors(const value_t *x, const value_t *delta)
{
    streamed_x = x;
    streamed_delta = delta;
    streamed_live = dense_live_atoms(delta, dense.n_atoms, dense.n_inputs,
            live_atoms);
    streamed_fused = fuse_gradients(streamed_live);
    if (streamed_fused) {
        dense_accumulate_bias_gradients(gradient_sums, delta, dense.n_atoms,
                dense.n_inputs);
    } else {
        dense_accumulate_gradients(gradient_sums, delta, x, dense.n_atoms,
                dense.n_inputs);
    }
}

value_t kind_partial_error(uint32_t input)
{
    if (streamed_fused) {
        return dense_streamed_input(dense.parameters, gradient_sums,
                live_atoms, streamed_live, input, streamed_x[input]);
    }
    return dense_partial_error(dense.parameters, streamed_delta, live_atoms,
            streamed_live, dense.n_atoms, dense.n_inputs, input);
}

void kind_begin_update(void)
{
    optimizer_begin_step(training, &powers);
}

void kind_update(uint32_t batch_examples, uint32_t first, uint32_t count)
{
    optimizer_update_segment(training, &powers, dense.parameters,
            gradient_sums, optimizer_state, dense.n_parameters, first, count,
            batch_examples);
}

void kind_store_parameters(void)
{
    spin1_memcpy(dense.sdram_weights, dense.parameters,
            dense.n_parameters * sizeof(weight_t));
    work_add(WORK_SDRAM_WORD, dense.n_parameters);
}

uint32_t kind_parameter_count(void)
{
    return dense.n_parameters;
}

value_t *kind_shared_gradients(uint32_t *n)
{
    *n = 0;
    return NULL;   /* each core's weights are its own units' */
}

weight_t *kind_gradient_sums(uint32_t *n_values)
{
    *n_values = dense.n_parameters;
    return gradient_sums;
}

weight_t *kind_parameters(uint32_t *n_values)
{
    *n_values = dense.n_parameters;
    return dense.parameters;
}
