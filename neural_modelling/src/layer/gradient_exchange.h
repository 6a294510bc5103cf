/*
 * Replicas of a model combine their gradient sums on the machine at every
 * batch end (docs/training.md, "Replicas"), so every replica applies the
 * same update and the weights stay identical. Each core exchanges with the
 * cores that hold the same slice in the other replicas (REGION_REPLICAS):
 *  1. at its batch end a core of replica r > 0 tells replica r - 1 it is
 *     ready (its own sums are final);
 *  2. replica 0, once ready was heard, sends its sums along the chain;
 *     replica 0 < r < R - 1 adds what arrives to its own and, once all has
 *     arrived and r + 1 is ready, sends the partial sums on;
 *  3. replica R - 1 adds the last partial sums to its own and multicasts
 *     the totals to every other replica, which take them in place of their
 *     own. Every replica then updates from the same bits.
 * The sums are added in replica order whatever the timing, so the result
 * is deterministic.
 */
#ifndef SPINNDL_GRADIENT_EXCHANGE_H
#define SPINNDL_GRADIENT_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>
#include <data_specification.h>
#include "../common/layer_regions.h"
#include "../common/numeric.h"
#include "../common/startup.h"

/* Reads REGION_REPLICAS (absent: one copy, nothing to exchange). */
STARTUP void gradient_exchange_init(data_specification_metadata_t *regions);

/* True when this core has replicas to combine its sums with. */
bool gradient_exchange_active(void);

/* The core's batch is done (its sums are final): start the exchange;
 * done() runs once the totals are in place. */
void gradient_exchange_start(void (*done)(void));

/* A packet of the exchange (FIQ): false if the key is none of its. */
bool gradient_exchange_receive(uint32_t key, uint32_t payload);

/* The REPLICAS region (valid when active). */
const replica_params_t *gradient_exchange_params(void);

/* The replica this core belongs to and their number (1 when inactive). */
uint32_t gradient_exchange_replica(void);
uint32_t gradient_exchange_replicas(void);

/* What the layer kind exchanges: its gradient sums and their number. */
weight_t *kind_gradient_sums(uint32_t *n_values);

#endif
