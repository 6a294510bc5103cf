/*
 * The pooling kind (layer/layer_kind.h), start-up and forward over the
 * core's band of positions (pool_impl.h, window/pool_kernels.h).
 */
#include <spin1_api.h>
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
    return pool_forward_band(&pool.geometry, pool.mode, x, z);
}
