/*
 * The gradient exchange between replicas (gradient_exchange.h). The
 * receive side runs in the packet callback: chain values are added to the
 * core's own sums (they only come once this core said it is ready, so no
 * backward step is still adding to them), totals replace them. Sends run
 * in queued callbacks, paced for the one core that receives them.
 */
#include <debug.h>
#include <spin1_api.h>

#include "gradient_exchange.h"
#include "layer.h"
#include "../common/layer_regions.h"
#include "../common/paced_send.h"
#include "../common/regions.h"
#include "../common/work.h"

/* A payload's bits as a gradient sum (float or fixed, common/numeric.h). */
static inline weight_t weight_from_bits(uint32_t bits)
{
    union { uint32_t as_bits; weight_t as_weight; } w = { .as_bits = bits };
    return w.as_weight;
}

static replica_params_t params;
static bool active;
static weight_t *sums;
static uint32_t n_sums;
static void (*exchange_done)(void);

/* This batch's progress */
static bool own_done;        /* own sums final, start() was called        */
/* The next replica said it is ready. Cleared when this batch's chain
 * starts, not at the end: with on-board data sources a replica may start
 * its next batch, and say it is ready again, before this one has all its
 * totals. */
static bool next_ready;
static bool chain_sent;
static bool forwarding;      /* partial sums go on as they arrive         */
static uint32_t chain_in;    /* partial sums received from the previous   */
static uint32_t totals_in;   /* totals received from the last replica     */

bool gradient_exchange_active(void)
{
    return active;
}

const replica_params_t *gradient_exchange_params(void)
{
    return &params;
}

uint32_t gradient_exchange_replica(void)
{
    return active ? params.replica : 0;
}

uint32_t gradient_exchange_replicas(void)
{
    return active ? params.n_replicas : 1;
}

static bool is_last(void)
{
    return params.replica + 1 == params.n_replicas;
}

static void finish(void)
{
    own_done = false;
    chain_sent = false;
    forwarding = false;
    chain_in = 0;
    totals_in = 0;
    exchange_done();
}

static void finish_callback(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    finish();
}

/* The sums' words, key base_key + j, gap_us after each. */
static void send_sums(uint32_t base_key)
{
    const uint32_t *words = (const uint32_t *) sums;
    for (uint32_t j = 0; j < n_sums; j++) {
        send_word(base_key + j, words[j]);
        spin1_delay_us(params.gap_us);
    }
}

static void send_totals(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    send_sums(params.total_key);
    finish();
}

static void send_chain(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    send_sums(params.chain_key);
}

/* Whatever can go next, from a queued callback. */
static void progress(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    if (!own_done) {
        return;
    }
    bool have_previous = params.replica == 0 || chain_in == n_sums;
    if (!have_previous) {
        return;
    }
    if (is_last()) {
        if (!chain_sent) {
            chain_sent = true;
            send_totals(0, 0);
        }
        return;
    }
    if (next_ready && !chain_sent) {
        chain_sent = true;
        next_ready = false;
        send_chain(0, 0);
    }
}

void gradient_exchange_start(void (*done)(void))
{
    exchange_done = done;
    own_done = true;
    if (params.replica > 0) {
        send_word(params.ready_key, 0);
    }
    progress(0, 0);
}

bool gradient_exchange_receive(uint32_t key, uint32_t payload)
{
    if (!active) {
        return false;
    }
    if (params.replica > 0 && (key & params.chain_in_mask)
            == params.chain_in_key) {
        uint32_t j = key & ~params.chain_in_mask;
        if (j >= n_sums) {
            log_error("gradient sum %u of %u", j, n_sums);
            rt_error(RTE_SWERR);
        }
        if (chain_in == 0) {
            /* the next replica is ready (the last has no next): pass
             * every value on as it arrives, else all at once later */
            forwarding = is_last() || next_ready;
            chain_sent = forwarding;
            if (forwarding) {
                next_ready = false;
            }
        }
        sums[j] = weight_add_counting(sums[j], weight_from_bits(payload),
                SATURATION_BACKWARD);
        work_add(WORK_PACKET_FILED, 1);
        work_add(WORK_PARTIAL_ERROR_FILED, 1);
        if (forwarding) {
            send_word((is_last() ? params.total_key : params.chain_key)
                    + j, ((const uint32_t *) sums)[j]);
        }
        if (++chain_in == n_sums) {
            if (is_last()) {
                layer_schedule(finish_callback, 0);
            } else if (!forwarding) {
                layer_schedule(progress, 0);
            }
        }
        return true;
    }
    if (!is_last() && (key & params.ready_in_mask) == params.ready_in_key) {
        next_ready = true;
        work_add(WORK_PACKET_FILED, 1);
        layer_schedule(progress, 0);
        return true;
    }
    if (!is_last() && (key & params.total_in_mask) == params.total_in_key) {
        uint32_t j = key & ~params.total_in_mask;
        if (j >= n_sums) {
            log_error("gradient total %u of %u", j, n_sums);
            rt_error(RTE_SWERR);
        }
        ((uint32_t *) sums)[j] = payload;
        work_add(WORK_PACKET_FILED, 1);
        if (++totals_in == n_sums) {
            layer_schedule(finish_callback, 0);
        }
        return true;
    }
    return false;
}

/* A kind that does not say what it exchanges cannot have replicas. */
__attribute__((weak)) weight_t *kind_gradient_sums(uint32_t *n_values)
{
    *n_values = 0;
    return NULL;
}

void gradient_exchange_init(data_specification_metadata_t *regions)
{
    const replica_params_t *region =
            data_specification_get_region(REGION_REPLICAS, regions);
    active = region != NULL && region->n_replicas > 1;
    if (!active) {
        return;
    }
    spin1_memcpy(&params, region, sizeof(params));
    sums = kind_gradient_sums(&n_sums);
    if (sums == NULL || n_sums != params.n_values) {
        log_error("replicas: the kind exchanges %u gradient sums, the "
                "region says %u", n_sums, params.n_values);
        rt_error(RTE_SWERR);
    }
    own_done = next_ready = chain_sent = forwarding = false;
    chain_in = totals_in = 0;
}
