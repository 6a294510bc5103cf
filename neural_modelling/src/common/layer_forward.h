/*
 * The forward maths of a Dense slice: z = W x + b, then the activation.
 * Weights are n_atoms rows of n_inputs (row a: the inputs' weights of atom
 * a), biases follow (docs/wire_format.md, WEIGHTS). Softmax needs the whole
 * layer's max and sum (softmax_exchange.h): the local pieces are here.
 */
#ifndef SPINNDL_LAYER_FORWARD_H
#define SPINNDL_LAYER_FORWARD_H

#include <stdint.h>

/* z = W x + b for every atom; returns the largest z. */
float forward_weighted_sums(const float *weights, const float *biases,
                            const float *x, float *z,
                            uint32_t n_atoms, uint32_t n_inputs);

/* values = f(values) in place for linear, relu, sigmoid and tanh (an
 * activation_t other than softmax). */
void forward_activate(uint32_t activation, float *values, uint32_t n);

/* Softmax, this core's share: the sum of exp(z - layer_max). */
float softmax_local_sum(const float *z, uint32_t n, float layer_max);

/* Softmax outputs in place: exp(z - layer_max) / layer_sum. */
void softmax_normalise(float *values, uint32_t n, float layer_max,
                       float layer_sum);

#endif
