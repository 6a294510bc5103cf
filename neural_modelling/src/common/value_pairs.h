/*
 * Forward values two to a packet (fixed point, docs/wire_format.md): a
 * sender with n values per example has, past its S x n single keys (S
 * examples in flight), S x 2 x (n / 2) pair keys. Values 2j and 2j + 1 of
 * an example in slot p go as one packet with key + S n + (j << (log2 S +
 * 1)) + (p << 1) + u, the first in the low half, when both fit 16 bits,
 * signed (u = 0: s16.15 values in [-1, 1)) or unsigned (u = 1: [0, 2),
 * ReLU's outputs, pixels), else as two singles: a shift and two masks
 * find a pair's slot, no loop. Exact either way: the receiver extends the
 * halves back to the same words. Floats do not fit: NUMERIC_FORWARD_PAIRS
 * (numeric.h) is 0 there, and nothing sends or files pairs.
 */
#ifndef SPINNDL_VALUE_PAIRS_H
#define SPINNDL_VALUE_PAIRS_H

#include <stdint.h>

typedef enum {
    VALUE_PAIR_NONE = 0,      /* send both whole                          */
    VALUE_PAIR_SIGNED = 1,
    VALUE_PAIR_UNSIGNED = 2
} value_pair_t;

/* How the two value words first and second can share a packet, and
 * *packed, the packet's payload when they can. */
value_pair_t value_pair_pack(uint32_t first, uint32_t second,
                             uint32_t *packed);

#endif
