/*
 * The activations of a layer's outputs, whatever its kind computes before
 * them (docs/architecture.md): f(z) in place for linear, relu, sigmoid and
 * tanh, and the local pieces of softmax, which needs the whole layer's max
 * and sum (softmax_exchange.h).
 */
#ifndef SPINNDL_LAYER_FORWARD_H
#define SPINNDL_LAYER_FORWARD_H

#include <stdint.h>
#include "numeric.h"

/* values = f(values) in place for linear, relu, sigmoid and tanh (an
 * activation_t other than softmax). */
void forward_activate(uint32_t activation, value_t *values, uint32_t n);

/* Softmax, this core's share: the sum of exp(z - layer_max). */
value_t softmax_local_sum(const value_t *z, uint32_t n, value_t layer_max);

/* Softmax outputs in place: exp(z - layer_max) / layer_sum. */
void softmax_normalise(value_t *values, uint32_t n, value_t layer_max,
                       value_t layer_sum);

#endif
