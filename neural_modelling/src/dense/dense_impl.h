/*
 * The Dense kind's state, shared by its two halves: dense_impl.c (start-up
 * and forward, in every Dense binary) and dense_training_impl.c (backward
 * and update, in the training binary only, so the inference binary carries
 * none of it). WEIGHTS holds n_atoms rows of n_inputs (row a: the inputs'
 * weights of atom a), then the biases (docs/wire_format.md); the gradient
 * sums and the OPTIMIZER region's slots have the same layout.
 */
#ifndef SPINNDL_DENSE_IMPL_H
#define SPINNDL_DENSE_IMPL_H

#include "../layer/layer_kind.h"

typedef struct {
    uint32_t n_atoms;
    uint32_t n_inputs;
    uint32_t n_parameters;
    weight_t *parameters;       /* weights, then biases (DTCM)        */
    weight_t *sdram_weights;     /* the WEIGHTS region                 */
} dense_t;

extern dense_t dense;

#endif
