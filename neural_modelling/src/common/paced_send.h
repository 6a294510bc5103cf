/*
 * Sending values as MCPL packets (key, float bits), retrying while the
 * 16-entry TX queue is full, and paced: a pause of gap_us after every packet
 * of a burst, so that the receiving cores are never flooded
 * (docs/wire_format.md, send_gap_us).
 */
#ifndef SPINNDL_PACED_SEND_H
#define SPINNDL_PACED_SEND_H

#include <stdint.h>
#include "numeric.h"

/* One packet with a 32-bit payload. */
void send_word(uint32_t key, uint32_t payload);

/* One packet carrying a value's bits. */
void send_value(uint32_t key, value_t value);

/* values[i] with key base_key + i, gap_us after each packet. */
void send_paced(uint32_t base_key, const value_t *values, uint32_t n,
                uint32_t gap_us);

#endif
