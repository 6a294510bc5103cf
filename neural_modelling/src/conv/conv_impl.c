/*
 * The convolution kind (layer/layer_kind.h), start-up and forward over the
 * core's band of positions (conv_impl.h, window/conv_kernels.h).
 */
#include <spin1_api.h>
#include "conv_impl.h"
#include "../window/conv_kernels.h"
#include "../common/regions.h"

conv_t conv;

void kind_init(const layer_params_t *params,
               data_specification_metadata_t *regions)
{
    use(params);
    spin1_memcpy(&conv.params, data_specification_get_region(
            REGION_KIND_PARAMS, regions), sizeof(conv.params));
    const window_params *g = &conv.params.geometry;
    uint32_t kernel_values = g->kernel_rows * g->kernel_cols
            * g->channels_in * g->channels_out;
    conv.n_parameters = kernel_values + g->channels_out;
    conv.sdram_weights = data_specification_get_region(
            REGION_WEIGHTS, regions);
    conv.parameters = copy_to_dtcm(conv.sdram_weights,
            conv.n_parameters * sizeof(value_t));
}

value_t kind_forward(const value_t *x, value_t *z)
{
    const window_params *g = &conv.params.geometry;
    uint32_t kernel_values = conv.n_parameters - g->channels_out;
    return conv_forward_band(g, conv.parameters,
            conv.parameters + kernel_values, x, z);
}
