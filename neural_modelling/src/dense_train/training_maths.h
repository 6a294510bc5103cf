/*
 * The per-atom maths of backpropagation (docs/training.md), Keras 3
 * semantics in float32: the loss stage's dLoss/dy, the activations'
 * derivatives, and the optimizers' update of the parameters.
 */
#ifndef SPINNDL_TRAINING_MATHS_H
#define SPINNDL_TRAINING_MATHS_H

#include <stdint.h>
#include "../common/layer_regions.h"

/* g = dLoss/dy of one example for n outputs y with targets t; output_atoms
 * is the whole layer's width (MSE and BCE average over it). */
void loss_gradient(uint32_t loss, const float *y, const float *t, float *g,
                   uint32_t n, uint32_t output_atoms);

/* The same for sparse categorical cross-entropy: the target is the class
 * index `label` of the whole layer; this core holds atoms lo_atom ..
 * lo_atom + n - 1, so g is -1/y on the label's atom (if here), 0 elsewhere. */
void sparse_loss_gradient(const float *y, uint32_t label, uint32_t lo_atom,
                          float *g, uint32_t n);

/* g *= w in place (an example's sample weight). */
void scale(float *g, float w, uint32_t n);

/* g *= f'(y) in place, f' from the output y (not softmax). */
void activation_backward(uint32_t activation, const float *y, float *g,
                         uint32_t n);

/* Optimizer state between updates (beyond the slots in SDRAM). */
typedef struct {
    float beta_1_power;  /* beta_1^t of the last update (Adam) */
    float beta_2_power;
} optimizer_powers_t;

/* Powers after `steps` earlier updates: beta^steps. */
void optimizer_init(optimizer_powers_t *powers,
                    const training_params_t *training, uint32_t steps);

/* One update of n parameters from gradient sums over batch_examples
 * examples (Keras averages over the batch); zeroes the sums. state: the
 * OPTIMIZER region (n floats per slot: momentum; Adam's m then v). */
void optimizer_update(const training_params_t *training,
                      optimizer_powers_t *powers, float *parameters,
                      float *gradient_sums, float *state, uint32_t n,
                      uint32_t batch_examples);

/* e_i = sum_a W[a][i] delta_a: the partial errors for the previous layer,
 * with the weights (n_atoms rows of n_inputs) the forward pass used. */
void partial_errors_of(const float *weights, const float *delta, float *e,
                       uint32_t n_atoms, uint32_t n_inputs);

/* gradient sums += delta x (weights), += delta (biases, after the
 * weights); delta is zeroed for the slot's next example. */
void accumulate_gradients(float *gradient_sums, float *delta, const float *x,
                          uint32_t n_atoms, uint32_t n_inputs);

/* Softmax backward: this core's sum of y g, then g = y (g - dot) with the
 * layer's dot. */
float softmax_dot(const float *y, const float *g, uint32_t n);
void softmax_delta(const float *y, float *g, float dot, uint32_t n);

#endif
