/*
 * The state the shared layer program keeps for every kind: the PARAMS, and
 * per example in flight (its parity slot) the inputs x and the outputs (z,
 * then y in place). layer_main.c owns it; layer_training.c reads it.
 */
#ifndef SPINNDL_LAYER_H
#define SPINNDL_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <spin1_api.h>
#include <data_specification.h>
#include "../common/layer_regions.h"
#include "../common/input_streams.h"
#include "../common/numeric.h"
#include "layer_kind.h"

/* One struct, so a function reaches all of it from one address (on the
 * ARM each extern global costs a literal of its own). */
typedef struct {
    layer_params_t params;
    value_t *inputs[MAX_EXAMPLES_IN_FLIGHT];   /* x                          */
    value_t *outputs[MAX_EXAMPLES_IN_FLIGHT];  /* z, then y in place         */
} layer_t;

extern layer_t layer;


/* Queues callback(parity) at the compute priority (stops the core if the
 * task queue is full: an example would be lost). */
void layer_schedule(callback_t callback, uint32_t parity);

/* What the training half adds to the program. The inference binaries link
 * layer_inference.c, where these do nothing; the training binaries link
 * layer_training.c (docs/training.md). */

/* Start-up, after the forward state is set up. */
STARTUP void layer_training_init(data_specification_metadata_t *regions);

/* An example's outputs have been sent (the output layer starts its loss
 * stage once the labels are in too). */
void layer_training_forward_done(uint32_t parity);

/* Softmax round 2 (the layer's sum of y * g) of an example is complete. */
void layer_training_softmax_dot(uint parity, uint unused);

/* A packet that is no forward input or softmax statistic: partial errors
 * or labels. Returns false if no table knows its key. */
bool layer_training_receive(uint32_t key, uint32_t payload);

#endif
