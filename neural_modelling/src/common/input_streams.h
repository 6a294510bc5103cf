/*
 * Incoming streams of values keyed by a key table (docs/streaming.md):
 * the forward inputs, the labels, the partial errors of the backward pass.
 *
 * Every sender has examples_in_flight keys per value it sends, one per
 * example slot (the toolchain allocates examples_in_flight x atoms keys per
 * partition): value i of an example in slot s (its number modulo
 * examples_in_flight) goes with key + s * n_atoms + i. So the key alone
 * tells which of the examples in flight a packet belongs to, whatever
 * order packets arrive in (a re-injected packet may overtake others).
 * Called from the packet-received callback (FIQ): a key lookup and
 * counters, no float maths.
 */
#ifndef SPINNDL_INPUT_STREAMS_H
#define SPINNDL_INPUT_STREAMS_H

#include <stdint.h>
#include "layer_regions.h"
#include "startup.h"

/* Examples a core holds at once, each in its slot (docs/streaming.md,
 * "How many in flight"): the network's choice, in PARAMS, at most
 * MAX_EXAMPLES_IN_FLIGHT; a power of two (softmax keys carry the slot in
 * their low EXAMPLE_SLOT_BITS bits, a slot is an example number's low
 * bits). Every sender has that many keys per value, one per slot. */
#define MAX_EXAMPLES_IN_FLIGHT 4
#define EXAMPLE_SLOT_BITS 2
extern uint32_t examples_in_flight;
/* log2(examples_in_flight) */
extern uint32_t examples_in_flight_bits;

/* Sets examples_in_flight from a core's PARAMS; stops the core with an
 * error when n is not a power of two in 1 .. MAX_EXAMPLES_IN_FLIGHT
 * (regions.c, with the other start-up chores). */
STARTUP void examples_in_flight_init(uint32_t n);

typedef struct {
    key_entry_t *entries;      /* DTCM copy of the table, sorted by key */
    uint32_t n_entries;
    uint32_t per_example;      /* packets of one example, all senders   */
    uint32_t received[MAX_EXAMPLES_IN_FLIGHT];
    /* Evenly spaced tables (one app vertex's slices, as the toolchain's
     * zoned keys give them): entry e's key is first_key + e << key_bits,
     * so a packet's entry is (key - first_key) >> key_bits, no search.
     * key_bits 0: search (key_lookup.h). */
    uint32_t first_key;
    uint32_t key_bits;
    /* 1: the senders' keys past their singles carry pairs of values
     * (value_pairs.h; a fixed-point layer's forward inputs) */
    uint32_t pairs;
} input_streams_t;

/* Copies a key table into DTCM; every sender at its first example. */
STARTUP void input_streams_init(input_streams_t *streams,
                                const key_table_t *table);

/* Counts one packet. Returns -1 when no entry matches key (or the key is
 * past the entry's examples_in_flight x n_atoms keys); otherwise sets *parity
 * (the example's slot) and *index
 * (first_index + the value's number) and returns 1 when the packet
 * completed its example on these streams, else 0. */
int32_t input_streams_receive(input_streams_t *streams, uint32_t key,
                              uint32_t *parity, uint32_t *index);

/* A forward packet filed: its value (or, on a pair key, its two values)
 * stored as words in buffers[slot][index], an index from `limit` on
 * dropped (a window core keeps its window: a linked source's other values
 * fall outside its inputs; below them the index wraps). Returns as
 * input_streams_receive, with *parity the example's slot. */
int32_t input_streams_file(input_streams_t *streams, uint32_t key,
                           uint32_t payload, uint32_t **buffers,
                           uint32_t limit, uint32_t *parity);

#endif
