/*
 * Replicas of a model combine their gradient sums on the machine at every
 * batch end (docs/training.md, "Replicas"), and each replica updates only
 * its share of the parameters, so every replica ends with the same weights
 * and no parameter is updated twice. The cores holding the same slice in
 * the R replicas form a ring r -> r + 1 (mod R) (REGION_REPLICAS); the
 * slice's parameters are cut into R segments, segment s owned by replica s:
 *  1. "ready" goes from replica R - 1 towards replica 0, each core passing
 *     it on once its own sums are final; replica 0 then sends "go" round
 *     the ring, so no sum arrives where it cannot be passed on at once;
 *  2. every core sends its own sums of the previous replica's segment;
 *     each replica adds what arrives to its own sums and passes them on,
 *     until they reach the segment's owner, which then holds the
 *     segment's totals (a reduce-scatter);
 *  3. the owner updates its segment (the optimizer, its state for that
 *     segment only) and its new weights go round the ring to every other
 *     replica (an all-gather), which take them in place of their own.
 * Segment s's sums are added in the ring's order from replica s + 1,
 * whatever the timing, so the result is deterministic.
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

/* The core's batch is done (its sums are final): start the exchange.
 * update(first, count) runs once the totals of this replica's segment are
 * in place (it updates those parameters and zeroes their sums); done()
 * once every other segment's new weights are in place too. */
void gradient_exchange_start(void (*update)(uint32_t first, uint32_t count),
                             void (*done)(void));

/* A packet of the exchange (FIQ): false if the key is none of its. */
bool gradient_exchange_receive(uint32_t key, uint32_t payload);

/* The REPLICAS region (valid when active). */
const replica_params_t *gradient_exchange_params(void);

/* The replica this core belongs to and their number (1 when inactive). */
uint32_t gradient_exchange_replica(void);
uint32_t gradient_exchange_replicas(void);

/* What the layer kind exchanges: its gradient sums and its parameters
 * (the same number, in the same order). */
weight_t *kind_gradient_sums(uint32_t *n_values);
weight_t *kind_parameters(uint32_t *n_values);

#endif
