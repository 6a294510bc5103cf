/*
 * Incoming streams of values keyed by a key table (docs/streaming.md):
 * the forward inputs, the labels, the partial errors of the backward pass.
 *
 * Every sender sends whole examples in order on one route, so counting each
 * sender's (key table row's) packets tells which example a packet belongs
 * to; with two examples in flight its parity (0/1) picks the buffer. Called
 * from the packet-received callback (FIQ): a binary search and counters, no
 * float maths.
 */
#ifndef SPINNDL_INPUT_STREAMS_H
#define SPINNDL_INPUT_STREAMS_H

#include <stdint.h>
#include "layer_regions.h"

#define EXAMPLES_IN_FLIGHT 2

/* Where one sender stands: which example its next packet is of. */
typedef struct {
    uint32_t received;  /* packets of the current example so far */
    uint32_t parity;    /* the example they belong to (mod 2)    */
} stream_state_t;

typedef struct {
    key_entry_t *entries;      /* DTCM copy of the table, sorted by key */
    stream_state_t *states;    /* one per entry                         */
    uint32_t n_entries;
    uint32_t per_example;      /* packets of one example, all senders   */
    uint32_t received[EXAMPLES_IN_FLIGHT];
} input_streams_t;

/* Copies a key table into DTCM; every sender at its first example. */
void input_streams_init(input_streams_t *streams, const key_table_t *table);

/* For tables whose senders each send one value per atom of this core (the
 * backward partial errors): every entry carries atoms 0 .. n_atoms - 1,
 * whatever the table said. */
void input_streams_per_own_atom(input_streams_t *streams, uint32_t n_atoms);

/* Counts one packet. Returns -1 when no entry matches key; otherwise sets
 * *parity and *index (first_index + (key & ~mask)) and returns 1 when the
 * packet completed its example on these streams, else 0. */
int32_t input_streams_receive(input_streams_t *streams, uint32_t key,
                              uint32_t *parity, uint32_t *index);

#endif
