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

/* How many of values[0 .. n - 1] are not zero. */
static uint32_t count_live(const value_t *values, uint32_t n)
{
    uint32_t live = 0;
    for (uint32_t i = 0; i < n; i++) {
        live += !value_is_zero(values[i]);
    }
    return live;
}

uint32_t dense_live_atoms(const value_t *delta, uint32_t n_atoms,
                          uint32_t n_inputs, dense_live_atom_t *live)
{
    /* An atom whose delta is 0 (a ReLU atom that was off: about half of a
     * hidden layer's) adds exactly nothing (0 in fixed point, +-0 in
     * float): when enough are, only the others are listed and summed (a
     * listed term costs more than a plain one: LIVE_ATOMS_WORTH_LISTING). */
    uint32_t n_live = 0;
    for (uint32_t a = 0; a < n_atoms; a++) {
        if (!value_is_zero(delta[a])) {
            live[n_live].row = a * n_inputs;
            live[n_live].delta = delta[a];
            n_live++;
        }
    }
    work_add(WORK_LIVE_ATOM_LISTED, n_atoms);
    return n_live;
}

/* e_i, one running sum over the atoms (one rounding in fixed point; the
 * same float additions in the same order as row by row): every atom's
 * column entry, or the listed atoms' only. */
static inline value_t column_error(const weight_t *column,
                                   const value_t *delta, uint32_t n_atoms,
                                   uint32_t n_inputs)
{
    mac_t sum = MAC_ZERO;
    for (uint32_t a = 0; a < n_atoms; a++) {
        sum = mac(sum, *column, delta[a]);
        column += n_inputs;
    }
    return mac_value(sum);
}

static inline value_t listed_column_error(const weight_t *column,
                                          const dense_live_atom_t *live,
                                          uint32_t n_live)
{
    mac_t sum = MAC_ZERO;
    for (uint32_t k = 0; k < n_live; k++) {
        sum = mac(sum, column[live[k].row], live[k].delta);
    }
    return mac_value(sum);
}

void dense_partial_errors(const weight_t *parameters, const value_t *delta,
                          value_t *e, uint32_t n_atoms, uint32_t n_inputs,
                          dense_live_atom_t *live)
{
    uint32_t n_live = dense_live_atoms(delta, n_atoms, n_inputs, live);
    /* the choice once, outside the loop over the inputs */
    if (!LIVE_ATOMS_WORTH_LISTING(n_live, n_atoms)) {
        work_add(NUMERIC_WORK(PARTIAL_ERROR_MAC), n_atoms * n_inputs);
        for (uint32_t i = 0; i < n_inputs; i++) {
            e[i] = column_error(&parameters[i], delta, n_atoms, n_inputs);
        }
        return;
    }
    work_add(NUMERIC_WORK(PARTIAL_ERROR_LISTED_MAC), n_live * n_inputs);
    for (uint32_t i = 0; i < n_inputs; i++) {
        e[i] = listed_column_error(&parameters[i], live, n_live);
    }
}

value_t dense_partial_error(const weight_t *parameters, const value_t *delta,
                            const dense_live_atom_t *live, uint32_t n_live,
                            uint32_t n_atoms, uint32_t n_inputs, uint32_t i)
{
    work_add(WORK_PARTIAL_ERROR_ALONE, 1);
    if (!LIVE_ATOMS_WORTH_LISTING(n_live, n_atoms)) {
        work_add(NUMERIC_WORK(PARTIAL_ERROR_MAC), n_atoms);
        return column_error(&parameters[i], delta, n_atoms, n_inputs);
    }
    work_add(NUMERIC_WORK(PARTIAL_ERROR_LISTED_MAC), n_live);
    return listed_column_error(&parameters[i], live, n_live);
}

void dense_accumulate_gradients(weight_t *gradient_sums, const value_t *delta,
                                const value_t *x, uint32_t n_atoms,
                                uint32_t n_inputs)
{
    /* A term with delta = 0 or x = 0 adds exactly nothing: a zero delta's
     * row is skipped whole; where a soft-float multiply costs far more
     * than a test, so is each zero input (NUMERIC_SKIP_ZERO_INPUTS). */
    uint32_t live_atoms = count_live(delta, n_atoms);
    uint32_t live_inputs = NUMERIC_SKIP_ZERO_INPUTS
            ? count_live(x, n_inputs) : n_inputs;
    work_add(NUMERIC_WORK(GRADIENT_MAC), live_atoms * live_inputs);
    work_add(WORK_SKIPPED_MAC, live_atoms * (n_inputs - live_inputs));
    work_add(NUMERIC_WORK(GRADIENT_ATOM), n_atoms);
    weight_t *bias_sums = &gradient_sums[n_atoms * n_inputs];
    for (uint32_t a = 0; a < n_atoms; a++) {
        value_t d = delta[a];
        if (value_is_zero(d)) {
            continue;
        }
        weight_t *row = &gradient_sums[a * n_inputs];
        for (uint32_t i = 0; i < n_inputs; i++) {
            if (!NUMERIC_SKIP_ZERO_INPUTS || !value_is_zero(x[i])) {
                row[i] = gradient_accumulate(row[i], d, x[i]);
            }
        }
        bias_sums[a] = weight_add(bias_sums[a], weight_from_value(d));
    }
}

void dense_accumulate_bias_gradients(weight_t *gradient_sums,
                                     const value_t *delta, uint32_t n_atoms,
                                     uint32_t n_inputs)
{
    weight_t *bias_sums = &gradient_sums[n_atoms * n_inputs];
    uint32_t live = 0;
    for (uint32_t a = 0; a < n_atoms; a++) {
        if (!value_is_zero(delta[a])) {
            bias_sums[a] = weight_add(bias_sums[a],
                    weight_from_value(delta[a]));
            live++;
        }
    }
    work_add(NUMERIC_WORK(BIAS_GRADIENT), live);
}

value_t dense_streamed_input(const weight_t *parameters,
                             weight_t *gradient_sums,
                             const dense_live_atom_t *live, uint32_t n_live,
                             uint32_t i, value_t x_i)
{
    work_add(NUMERIC_WORK(STREAMED_INPUT), 1);
    const weight_t *column = &parameters[i];
    if (NUMERIC_SKIP_ZERO_INPUTS && value_is_zero(x_i)) {
        /* no gradient terms: e_i alone */
        work_add(NUMERIC_WORK(PARTIAL_ERROR_LISTED_MAC), n_live);
        return listed_column_error(column, live, n_live);
    }
    work_add(NUMERIC_WORK(STREAMED_MAC), n_live);
    mac_t sum = MAC_ZERO;
    weight_t *sums = &gradient_sums[i];
    for (uint32_t k = 0; k < n_live; k++) {
        uint32_t row = live[k].row;
        value_t delta = live[k].delta;
        sum = mac(sum, column[row], delta);
        sums[row] = gradient_accumulate(sums[row], delta, x_i);
    }
    return mac_value(sum);
}
