/*
 * The gradient exchange's new weights as changes from the old ones, two
 * to a packet (gradient_exchange.c, docs/training.md "Replicas"). In fixed
 * point a weight is an integer: old + change gives back the new bits
 * exactly, and every replica holds the same old weights, so a pair of
 * weights whose changes both fit 16 bits goes as one packet instead of
 * two. Floats do not give their bits back that way: NUMERIC_WEIGHT_DELTAS
 * (common/numeric.h) is 0 there and every weight goes whole.
 */
#ifndef SPINNDL_WEIGHT_DELTAS_H
#define SPINNDL_WEIGHT_DELTAS_H

#include <stdbool.h>
#include <stdint.h>

/* old[i] = words[i] for i < n: the weights a chunk's update changes. */
void weight_words_keep(const uint32_t *words, uint32_t *old, uint32_t n);

/* The changes of two neighbouring weights in one word (the first in the
 * low half) when both fit 16 bits (signed); false otherwise. */
bool weight_pair_pack(const uint32_t *new_words, const uint32_t *old_words,
                      uint32_t *packed);

/* A packed pair of changes added to the two weights. */
void weight_pair_apply(uint32_t *words, uint32_t packed);

#endif
