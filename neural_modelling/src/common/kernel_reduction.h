/*
 * The kernel-gradient reduction over a layer's cores (docs/conv.md), at
 * the end of every batch, so that every core of a convolution applies the
 * same update to the same shared kernel:
 *
 *   core 0 sends its gradient sums along the chain to core 1, which adds
 *   them to its own and sends the running sums to core 2, ...; the last
 *   core then holds the layer's sums and multicasts them once to every
 *   core of the layer (itself included), which take them as their own.
 *
 * (cores - 1) x n + n packets per batch for n parameters, instead of the
 * thesis' all-to-all cores x (cores - 1) x n. Partial sums arrive into a
 * buffer (the receive callback only files bits away) and are added in a
 * queued callback once this core's own batch is done.
 */
#ifndef SPINNDL_KERNEL_REDUCTION_H
#define SPINNDL_KERNEL_REDUCTION_H

#include <stdbool.h>
#include <stdint.h>
#include "numeric.h"
#include "startup.h"

typedef struct reduction_params {
    uint32_t cores;          /* cores of the layer (1: nothing to do)      */
    uint32_t position;       /* this core's place in the chain             */
    uint32_t chain_key;      /* running sums to the next core (not last)   */
    uint32_t chain_in_key;   /* ... and from the previous core (not first) */
    uint32_t chain_in_mask;
    uint32_t total_key;      /* the last core's multicast of the sums      */
    uint32_t total_in_key;   /* every core receives it                     */
    uint32_t total_in_mask;
    uint32_t send_period_ns;
} reduction_params;

/* sums: the kind's n gradient sums (overwritten by the layer's total). */
STARTUP void kernel_reduction_init(const reduction_params *params,
                                   value_t *sums, uint32_t n);

/* Whether a packet is the reduction's. */
bool kernel_reduction_owns(uint32_t key);

/* Files a packet (receive callback). Returns true when the packet
 * completed a step that needs a queued kernel_reduction_step. */
bool kernel_reduction_receive(uint32_t key, uint32_t payload);

/* This core's backward passes of the batch are done. Returns true when
 * a queued kernel_reduction_step is needed. */
bool kernel_reduction_batch_done(void);

/* The queued step: adds the previous core's sums and sends on, or (last
 * core) sends the total. Returns true when this core holds the layer's
 * total (its update may run). */
bool kernel_reduction_step(void);

#endif
