/*
 * The Dense layer kind (layer/layer_kind.h), start-up and forward: a slice
 * of perceptrons, z = W x + b (dense_impl.h).
 */
#include "dense_impl.h"
#include "../common/regions.h"

dense_t dense;

void kind_init(const layer_params_t *params,
               data_specification_metadata_t *regions)
{
    dense.n_atoms = params->n_atoms;
    dense.n_inputs = params->n_inputs;
    dense.n_parameters = dense.n_atoms * dense.n_inputs + dense.n_atoms;
    dense.sdram_weights = data_specification_get_region(
            REGION_WEIGHTS, regions);
    dense.parameters = copy_to_dtcm(dense.sdram_weights,
            dense.n_parameters * sizeof(value_t));
}

value_t kind_forward(const value_t *x, value_t *z)
{
    uint32_t n_atoms = dense.n_atoms, n_inputs = dense.n_inputs;
    const value_t *parameters = dense.parameters;
    const value_t *biases = &parameters[n_atoms * n_inputs];
    value_t local_max = VALUE_LOWEST;
    for (uint32_t a = 0; a < n_atoms; a++) {
        const value_t *row = &parameters[a * n_inputs];
        value_t sum = VALUE_ZERO;
        for (uint32_t i = 0; i < n_inputs; i++) {
            sum += value_mul(row[i], x[i]);
        }
        z[a] = sum + biases[a];
        if (z[a] > local_max) {
            local_max = z[a];
        }
    }
    return local_max;
}
