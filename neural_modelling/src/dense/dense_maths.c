#include "dense_maths.h"
#include "../common/work.h"

value_t dense_weighted_sums(const weight_t *parameters, const value_t *x,
                            value_t *z, uint32_t n_atoms, uint32_t n_inputs)
{
    const weight_t *biases = &parameters[n_atoms * n_inputs];
    value_t local_max = VALUE_LOWEST;
    /* Soft float multiplies and adds a zero faster: count the zero
     * inputs (one pass over x, against n_atoms passes of multiplies). */
    uint32_t zeros = 0;
    if (NUMERIC_ZERO_INPUTS_ARE_CHEAPER) {
        for (uint32_t i = 0; i < n_inputs; i++) {
            zeros += value_is_zero(x[i]);
        }
    }
    work_add(NUMERIC_WORK(FORWARD_MAC), n_atoms * (n_inputs - zeros));
    work_add(WORK_FORWARD_ZERO_MAC, n_atoms * zeros);
    work_add(NUMERIC_WORK(FORWARD_ATOM), n_atoms);
    for (uint32_t a = 0; a < n_atoms; a++) {
        const weight_t *row = &parameters[a * n_inputs];
        mac_t sum = MAC_ZERO;
        for (uint32_t i = 0; i < n_inputs; i++) {
            sum = mac(sum, row[i], x[i]);
        }
        z[a] = mac_result(sum, biases[a]);
        if (z[a] > local_max) {
            local_max = z[a];
        }
    }
    return local_max;
}

void dense_partial_errors(const weight_t *parameters, const value_t *delta,
                          value_t *e, uint32_t n_atoms, uint32_t n_inputs)
{
    work_add(NUMERIC_WORK(PARTIAL_ERROR_MAC), n_atoms * n_inputs);
    /* Input by input, each error one running sum over the atoms (one
     * rounding in fixed point; the same float additions in the same
     * order as row by row). */
    for (uint32_t i = 0; i < n_inputs; i++) {
        const weight_t *column = &parameters[i];
        mac_t sum = MAC_ZERO;
        for (uint32_t a = 0; a < n_atoms; a++) {
            sum = mac(sum, *column, delta[a]);
            column += n_inputs;
        }
        e[i] = mac_value(sum);
    }
}

void dense_accumulate_gradients(weight_t *gradient_sums, const value_t *delta,
                                const value_t *x, uint32_t n_atoms,
                                uint32_t n_inputs)
{
    work_add(NUMERIC_WORK(GRADIENT_MAC), n_atoms * n_inputs);
    work_add(NUMERIC_WORK(GRADIENT_ATOM), n_atoms);
    weight_t *bias_sums = &gradient_sums[n_atoms * n_inputs];
    for (uint32_t a = 0; a < n_atoms; a++) {
        weight_t *row = &gradient_sums[a * n_inputs];
        value_t d = delta[a];
        for (uint32_t i = 0; i < n_inputs; i++) {
            row[i] = gradient_accumulate(row[i], d, x[i]);
        }
        bias_sums[a] = weight_add(bias_sums[a], weight_from_value(d));
    }
}
