/*
 * Sending values as MCPL packets (key, float bits), retrying while the
 * 16-entry TX queue is full, and paced: one packet every period_ns of a
 * burst, by deadline on the core's clock (core_clock.h), so that the
 * receiving cores are never flooded (docs/wire_format.md, send_period_ns).
 * The send itself and any work between packets are part of the period, and
 * packets the core receives meanwhile do not lengthen it.
 */
#ifndef SPINNDL_PACED_SEND_H
#define SPINNDL_PACED_SEND_H

#include <stdbool.h>
#include <stdint.h>
#include "numeric.h"

/* One packet with a 32-bit payload. */
void send_word(uint32_t key, uint32_t payload);

/* One packet carrying a value's bits. */
void send_value(uint32_t key, value_t value);

/* The deadlines of one burst of sends, a period apart (in cycles). */
typedef struct {
    uint32_t period;
    uint32_t deadline;
} pacer_t;

/* One packet every period_ns, the first phase_ns from now (waited for
 * here, by deadline too). */
void pacer_start(pacer_t *pacer, uint32_t period_ns, uint32_t phase_ns);

/* After a packet: wait for the next one's deadline (at once if the core is
 * late: the burst catches up). */
void pacer_pause(pacer_t *pacer);

/* values[i] with key base_key + i, one every period_ns from phase_ns on. */
void send_paced(uint32_t base_key, const value_t *values, uint32_t n,
                uint32_t period_ns, uint32_t phase_ns);

/* An example's n value words in slot `slot` from a sender keyed key +
 * slot * n + i, with pairs each aligned pair that fits 16 bits as one
 * packet on its pair key (value_pairs.h), one packet every period_ns from
 * phase_ns on. */
void send_paced_pairs(uint32_t key, uint32_t slot, const uint32_t *words,
                      uint32_t n, bool pairs, uint32_t period_ns,
                      uint32_t phase_ns);

#endif
