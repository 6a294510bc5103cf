/*
 * The pooling kind (layer/layer_kind.h), start-up and forward over the
 * core's band of positions (pool_impl.h, window/pool_kernels.h).
 */
#include "pool_impl.h"
#include "../window/pool_kernels.h"

pool_t pool;

void kind_init(const layer_params_t *params,
               data_specification_metadata_t *regions)
{
    use(params);
    spin1_memcpy(&pool, data_specification_get_region(
            REGION_KIND_PARAMS, regions), sizeof(pool));
}

value_t kind_forward(const value_t *x, value_t *z)
{
    const window_params *g = &pool.geometry;
    uint32_t n = g->n_positions * g->channels_out;
    pool_forward_band(g, pool.mode, x + pool.window_offset, z);
    value_t local_max = VALUE_LOWEST;
    for (uint32_t a = 0; a < n; a++) {
        if (z[a] > local_max) {
            local_max = z[a];
        }
    }
    return local_max;
}
