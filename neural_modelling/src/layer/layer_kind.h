/*
 * What a layer kind implements: one src/<kind>/<kind>_impl.c behind these
 * five calls (docs/architecture.md, "Adding a layer kind"). The shared
 * program (layer_main.c, and layer_training.c in the training binaries)
 * owns everything else: start-up, the packet dispatch, scheduling, the
 * activations and softmax rounds, the loss stage, the batches, acks and the
 * sends. A kind only computes, on its own atoms (layer.params.n_atoms of
 * them) from the example's inputs (layer.params.n_inputs values, indexed as
 * the KEY_TABLE's entries say).
 *
 * The calls run in queued callbacks of one priority, never in the
 * packet-received callback, so they may take their time.
 */
#ifndef SPINNDL_LAYER_KIND_H
#define SPINNDL_LAYER_KIND_H

#include <stdint.h>
#include <data_specification.h>
#include "../common/layer_regions.h"
#include "../common/numeric.h"
#include "../common/startup.h"

/* Start-up: the kind's own regions (WEIGHTS, and KIND_PARAMS if it has
 * one) into DTCM; params is the PARAMS region, already in DTCM. */
STARTUP void kind_init(const layer_params_t *params,
                       data_specification_metadata_t *regions);

/* z of every own atom (before the activation) for one example's inputs x;
 * returns the largest z (softmax shares it). */
value_t kind_forward(const value_t *x, value_t *z);

/* Training only (layer_training.c) ---------------------------------------- */

/* Start-up of training: gradient sums, the OPTIMIZER region's state. */
STARTUP void kind_training_init(const training_params_t *training,
                                data_specification_metadata_t *regions);

/* One example's backward step, given its inputs x and each own atom's
 * delta = dLoss/dz: the partial errors dLoss/dx_i into partial_errors
 * (n_inputs values; NULL on the first layer, which sends none), computed
 * with the weights the forward pass used, and the gradient sums +=. */
void kind_backward(const value_t *x, const value_t *delta,
                   value_t *partial_errors);

/* A kind that can do an example's backward step one input at a time, as
 * each partial error is sent, says so (Dense). Such an example's backward
 * is then kind_begin_partial_errors(x, delta) in place of kind_backward,
 * and kind_partial_error(i) once for every input i: it gives e_i with the
 * weights the forward pass used (the core sends them before it updates)
 * and adds input i's gradient terms to the sums. The sends' periods then
 * hide the multiply-accumulates. Other kinds do it all in kind_backward
 * (the weak default, layer_training.c, says no). */
bool kind_streams_partial_errors(void);
void kind_begin_partial_errors(const value_t *x, const value_t *delta);
value_t kind_partial_error(uint32_t input);

/* The end of a batch: the optimizer's next step begins (once per batch,
 * before kind_update). */
void kind_begin_update(void);

/* The end of a batch of batch_examples examples: the optimizer's update of
 * parameters first .. first + count - 1 from their gradient sums (zeroing
 * them). One copy updates all its parameters; a replica its share
 * (layer/gradient_exchange.h). */
void kind_update(uint32_t batch_examples, uint32_t first, uint32_t count);

/* The parameters as they are now, written to the WEIGHTS region for the
 * host; kind_parameter_count() of them. */
void kind_store_parameters(void);
uint32_t kind_parameter_count(void);

/* The gradient sums every core of the layer must combine before the
 * update (a kernel shared by all the positions of a convolution), n of
 * them; NULL when each core's parameters are its own (Dense). */
value_t *kind_shared_gradients(uint32_t *n);

#endif
