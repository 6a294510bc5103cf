#include "dense_maths.h"
#include "../common/work.h"

value_t dense_weighted_sums(const value_t *parameters, const value_t *x,
                            value_t *z, uint32_t n_atoms, uint32_t n_inputs)
{
    const value_t *biases = &parameters[n_atoms * n_inputs];
    value_t local_max = VALUE_LOWEST;
    /* Soft float multiplies and adds a zero faster: count the zero
     * inputs (one pass over x, against n_atoms passes of multiplies). */
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < n_inputs; i++) {
        union { value_t as_value; uint32_t as_bits; } v = { .as_value = x[i] };
        zeros += (v.as_bits << 1) == 0;  /* +0 or -0, no float compare */
    }
    work_add(WORK_FORWARD_MAC, n_atoms * (n_inputs - zeros));
    work_add(WORK_FORWARD_ZERO_MAC, n_atoms * zeros);
    work_add(WORK_FORWARD_ATOM, n_atoms);
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

void dense_partial_errors(const value_t *parameters, const value_t *delta,
                          value_t *e, uint32_t n_atoms, uint32_t n_inputs)
{
    work_add(WORK_PARTIAL_ERROR_MAC, n_atoms * n_inputs);
    for (uint32_t i = 0; i < n_inputs; i++) {
        e[i] = VALUE_ZERO;
    }
    for (uint32_t a = 0; a < n_atoms; a++) {
        const value_t *row = &parameters[a * n_inputs];
        value_t d = delta[a];
        for (uint32_t i = 0; i < n_inputs; i++) {
            e[i] += value_mul(row[i], d);
        }
    }
}

void dense_accumulate_gradients(value_t *gradient_sums, const value_t *delta,
                                const value_t *x, uint32_t n_atoms,
                                uint32_t n_inputs)
{
    work_add(WORK_GRADIENT_MAC, n_atoms * n_inputs);
    work_add(WORK_GRADIENT_ATOM, n_atoms);
    value_t *bias_sums = &gradient_sums[n_atoms * n_inputs];
    for (uint32_t a = 0; a < n_atoms; a++) {
        value_t *row = &gradient_sums[a * n_inputs];
        value_t d = delta[a];
        for (uint32_t i = 0; i < n_inputs; i++) {
            row[i] += value_mul(d, x[i]);
        }
        bias_sums[a] += d;
    }
}
