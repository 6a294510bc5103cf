/*
 * The pooling kind (layer/layer_kind.h), training half: the input errors
 * of the band (a pooling is linear: delta is the output error); nothing
 * to learn.
 */
#include "pool_impl.h"
#include "../layer/layer.h"
#include "../window/window_errors.h"
#include "../window/pool_kernels.h"

void kind_training_init(const training_params_t *training_params,
                        data_specification_metadata_t *regions)
{
    use(training_params);
    use(regions);
}

void kind_backward(const value_t *x, const value_t *delta,
                   value_t *partial_errors)
{
    const window_params *g = &pool.geometry;
    if (partial_errors == NULL) {
        return;
    }
    window_errors_clear(partial_errors, layer.params.n_inputs);
    pool_backward_band(g, pool.mode, x, delta, partial_errors);
}

value_t *kind_shared_gradients(uint32_t *n_values)
{
    *n_values = 0;
    return NULL;
}

void kind_begin_update(void)
{
}

void kind_update(uint32_t batch_examples, uint32_t first, uint32_t count)
{
    use(batch_examples);
    use(first);
    use(count);
}

void kind_store_parameters(void)
{
}

uint32_t kind_parameter_count(void)
{
    return 0;
}
