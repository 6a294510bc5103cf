/*
 * Softmax statistics shared by every core of a layer on the layer's
 * "softmax" partition: key = own base key + (round << EXAMPLE_SLOT_BITS)
 * + slot, SOFTMAX_KEYS_PER_CORE keys per core. Round 0: each core's max
 * of z (combined by max); round 1: each core's sum of exp(z - M)
 * (summed); round 2 (training): each core's sum of y * g (summed). A
 * round of an example is complete when all layer_cores values are in.
 */
#ifndef SPINNDL_SOFTMAX_EXCHANGE_H
#define SPINNDL_SOFTMAX_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>
#include "layer_regions.h"
#include "numeric.h"
#include "input_streams.h"
#include "startup.h"

#define SOFTMAX_ROUND_MAX 0
#define SOFTMAX_ROUND_SUM 1
#define SOFTMAX_ROUND_DOT 2
#define SOFTMAX_ROUNDS 3
/* Keys per core on the softmax partition: (round << EXAMPLE_SLOT_BITS) |
 * slot, 4 rounds' room (input_streams.h). */
#define SOFTMAX_KEYS_PER_CORE 16

/* Keys and core count from the layer's PARAMS. */
STARTUP void softmax_exchange_init(const layer_params_t *params);

/* Whether a packet belongs to the layer's softmax partition. */
bool softmax_exchange_owns(uint32_t key);

/* This core's statistic of a round for an example (by parity). */
void softmax_exchange_send(uint32_t round, uint32_t parity, value_t value);

/* Files a statistic (packet-received callback: one compare or add). Sets
 * *parity; returns the round the packet completed, or -1. */
int32_t softmax_exchange_receive(uint32_t key, uint32_t payload,
                                 uint32_t *parity);

/* The layer's combined value of a completed round. */
value_t softmax_exchange_result(uint32_t round, uint32_t parity);

/* Round 1, once round 0 of the example is complete: send this core's sum
 * of exp(z - M) over its z values (n_atoms of them). */
void softmax_exchange_share_sum(const value_t *z, uint32_t n_atoms,
                                uint32_t parity);

/* Once round 1 is complete: z becomes the softmax outputs exp(z - M) / sum. */
void softmax_exchange_normalise(value_t *z, uint32_t n_atoms, uint32_t parity);

#endif
