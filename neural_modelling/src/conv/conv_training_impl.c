/*
 * The convolution kind (layer/layer_kind.h), training half. Each core adds
 * its band's share of the kernel gradient; at a batch end the shared
 * program reduces the sums over the layer's cores (docs/conv.md: a chain,
 * then one multicast of the total) before kind_update, so every core
 * applies the same update to the same kernel.
 */
#include <spin1_api.h>
#include "conv_impl.h"
#include "../layer/layer.h"
#include "../window/window_errors.h"
#include "../window/conv_kernels.h"
#include "../layer/training_maths.h"
#include "../common/regions.h"

static const training_params_t *training;
static value_t *gradient_sums;
static value_t *optimizer_state;     /* the OPTIMIZER region (SDRAM)     */
static optimizer_powers_t powers;

void kind_training_init(const training_params_t *training_params,
                        data_specification_metadata_t *regions)
{
    training = training_params;
    gradient_sums = allocate(conv.n_parameters * sizeof(value_t));
    for (uint32_t j = 0; j < conv.n_parameters; j++) {
        gradient_sums[j] = VALUE_ZERO;
    }
    optimizer_state = training->optimizer == OPTIMIZER_SGD ? NULL
            : data_specification_get_region(REGION_OPTIMIZER, regions);
    optimizer_init(&powers, training, training->initial_step);
}

void kind_backward(const value_t *x, const value_t *delta,
                   value_t *partial_errors)
{
    const window_params *g = &conv.params.geometry;
    uint32_t kernel_values = conv.n_parameters - g->channels_out;
    if (partial_errors != NULL) {
        window_errors_clear(partial_errors, layer.params.n_inputs);
        conv_input_errors_band(g, conv.parameters, delta, partial_errors);
    }
    conv_kernel_gradients_band(g, x, delta, gradient_sums,
            gradient_sums + kernel_values);
}

value_t *kind_shared_gradients(uint32_t *n_values)
{
    *n_values = conv.n_parameters;
    return gradient_sums;
}

void kind_begin_update(void)
{
    optimizer_begin_step(training, &powers);
}

void kind_update(uint32_t batch_examples, uint32_t first, uint32_t count)
{
    optimizer_update_segment(training, &powers, conv.parameters,
            gradient_sums, optimizer_state, conv.n_parameters, first, count,
            batch_examples);
}

void kind_store_parameters(void)
{
    spin1_memcpy(conv.sdram_weights, conv.parameters,
            conv.n_parameters * sizeof(value_t));
    work_add(WORK_SDRAM_WORD, conv.n_parameters);
}

uint32_t kind_parameter_count(void)
{
    return conv.n_parameters;
}
