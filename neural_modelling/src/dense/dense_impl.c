/*
 * The Dense layer kind (layer/layer_kind.h), start-up and forward: a slice
 * of perceptrons, z = W x + b (dense_impl.h).
 */
#include "dense_impl.h"
#include "dense_maths.h"
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
            dense.n_parameters * sizeof(weight_t));
}

value_t kind_forward(const value_t *x, value_t *z)
{
    return dense_weighted_sums(dense.parameters, x, z, dense.n_atoms,
            dense.n_inputs);
}
