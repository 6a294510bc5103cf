/*
 * The Dense kind's pure kernels: no runtime calls, so the ARM calibration
 * (spinndl/benchmarks/arm_calibration.py) builds and times them as the
 * board runs them. Each counts its work (common/work.h).
 */
#ifndef SPINNDL_DENSE_MATHS_H
#define SPINNDL_DENSE_MATHS_H

#include <stdint.h>
#include "../common/numeric.h"

/* z = W x + b for n_atoms rows of n_inputs weights (the biases after the
 * rows); returns the largest z. */
value_t dense_weighted_sums(const weight_t *parameters, const value_t *x,
                            value_t *z, uint32_t n_atoms, uint32_t n_inputs);

/* An atom with a delta that is not zero: its row's first weight, its
 * delta (dense_partial_errors sums over these only). */
typedef struct {
    uint32_t row;
    value_t delta;
} dense_live_atom_t;

/* e_i = sum_a W[a][i] delta_a: the partial errors for the previous layer,
 * with the weights the forward pass used; live: room for n_atoms. */
void dense_partial_errors(const weight_t *parameters, const value_t *delta,
                          value_t *e, uint32_t n_atoms, uint32_t n_inputs,
                          dense_live_atom_t *live);

/* The same one input at a time, as each is sent: first the atoms with a
 * delta that is not zero (returns how many), then e_i for any input i
 * (the same bits as dense_partial_errors' e[i]). */
uint32_t dense_live_atoms(const value_t *delta, uint32_t n_atoms,
                          uint32_t n_inputs, dense_live_atom_t *live);
value_t dense_partial_error(const weight_t *parameters, const value_t *delta,
                            const dense_live_atom_t *live, uint32_t n_live,
                            uint32_t n_atoms, uint32_t n_inputs, uint32_t i);

/* gradient sums += delta x (weights), += delta (biases, after the
 * weights). */
void dense_accumulate_gradients(weight_t *gradient_sums, const value_t *delta,
                                const value_t *x, uint32_t n_atoms,
                                uint32_t n_inputs);

/* The backward step streamed one input at a time, as each partial error
 * is sent: the biases' sums once, then for input i, in one pass over the
 * listed atoms (a zero delta adds nothing), e_i and input i's column of
 * weight sums. e_i has the bits of dense_partial_error's, and each sum
 * gets the terms dense_accumulate_gradients gives it, each once per
 * example: the same bits. */
void dense_accumulate_bias_gradients(weight_t *gradient_sums,
                                     const value_t *delta, uint32_t n_atoms,
                                     uint32_t n_inputs);
value_t dense_streamed_input(const weight_t *parameters,
                             weight_t *gradient_sums,
                             const dense_live_atom_t *live, uint32_t n_live,
                             uint32_t i, value_t x_i);

#endif
