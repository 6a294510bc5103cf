/*
 * The per-atom maths of backpropagation (docs/training.md), Keras 3
 * semantics in float32: the loss stage's dLoss/dy, the activations'
 * derivatives, and the optimizers' update of the parameters.
 */
#ifndef SPINNDL_TRAINING_MATHS_H
#define SPINNDL_TRAINING_MATHS_H

#include <stddef.h>
#include <stdint.h>
#include "../common/layer_regions.h"
#include "../common/numeric.h"
#include "../common/startup.h"

/* g = dLoss/dy of one example for n outputs y with targets t; output_atoms
 * is the whole layer's width (MSE and BCE average over it). */
PER_ATOM void loss_gradient(uint32_t loss, const value_t *y,
                            const value_t *t, value_t *g, uint32_t n,
                            uint32_t output_atoms);

/* The same for sparse categorical cross-entropy: the target is the class
 * index `label` of the whole layer; this core holds atoms lo_atom ..
 * lo_atom + n - 1, so g is -1/y on the label's atom (if here), 0 elsewhere. */
PER_ATOM void sparse_loss_gradient(const value_t *y, uint32_t label,
                                   uint32_t lo_atom, value_t *g, uint32_t n);

/* g *= w in place (an example's sample weight). */
PER_ATOM void scale(value_t *g, value_t w, uint32_t n);

/* g = 0 (a slot's sums start again for its next example). */
PER_ATOM void reset_errors(value_t *g, uint32_t n);

/* g *= f'(y) in place, f' from the output y (not softmax). */
PER_ATOM void activation_backward(uint32_t activation, const value_t *y,
                                  value_t *g, uint32_t n);

/* Optimizer state between updates (beyond the slots in SDRAM). */
typedef struct {
    weight_t beta_1_power;  /* beta_1^t of the last update (Adam) */
    weight_t beta_2_power;
    weight_t adam_rate;     /* lr sqrt(1 - beta_2^t) / (1 - beta_1^t)  */
} optimizer_powers_t;

/* Powers after `steps` earlier updates: beta^steps. */
STARTUP void optimizer_init(optimizer_powers_t *powers,
                            const training_params_t *training,
                            uint32_t steps);

/* The optimizer's next step t (Adam: the powers and rate of t), once per
 * batch before its optimizer_update calls: a replica updates its segment
 * in chunks, each sent on as it is done (gradient_exchange.c). */
ONCE_A_BATCH void optimizer_begin_step(const training_params_t *training,
                                       optimizer_powers_t *powers);

/* The step of n parameters from gradient sums over batch_examples
 * examples (Keras averages over the batch); zeroes the sums. state: the
 * parameters' optimizer slots, slot k of parameter j at
 * state[k * slot_stride + j] (the OPTIMIZER region holds slot_stride
 * weight_t per slot: momentum; Adam's m then v, v kept as sqrt(v) in fixed
 * point: numeric.h). */
void optimizer_update(const training_params_t *training,
                      const optimizer_powers_t *powers, weight_t *parameters,
                      weight_t *gradient_sums, weight_t *state,
                      uint32_t slot_stride, uint32_t n,
                      uint32_t batch_examples);

/* The same on parameters first .. first + count - 1 of n (state: n per
 * slot, or NULL for plain SGD): a replica's segment, or all of them. */
static inline void optimizer_update_segment(
        const training_params_t *training, const optimizer_powers_t *powers,
        weight_t *parameters, weight_t *gradient_sums, weight_t *state,
        uint32_t n, uint32_t first, uint32_t count, uint32_t batch_examples)
{
    optimizer_update(training, powers, parameters + first,
            gradient_sums + first, state == NULL ? NULL : state + first, n,
            count, batch_examples);
}

/* Softmax backward: this core's sum of y g, then g = y (g - dot) with the
 * layer's dot. */
PER_ATOM value_t softmax_dot(const value_t *y, const value_t *g, uint32_t n);
PER_ATOM void softmax_delta(const value_t *y, value_t *g, value_t dot,
                            uint32_t n);

#endif
