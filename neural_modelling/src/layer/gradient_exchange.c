/*
 * The gradient exchange between replicas (gradient_exchange.h). The
 * receive side runs in the packet callback: a sum is added to the core's
 * own (sums only come once this core said it is ready, so no backward step
 * still adds to them) and passed on unless this core owns it; a weight is
 * taken and passed on unless the next replica owns it. Sends of whole
 * segments run in queued callbacks, paced for the one core that receives
 * them. In fixed point two new weights may go as their changes in one
 * packet (weight_deltas.h).
 */
#include <debug.h>
#include <spin1_api.h>

#include "gradient_exchange.h"
#include "layer.h"
#include "weight_deltas.h"
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
static uint32_t *weight_words;     /* the kind's parameters, as words      */
static uint32_t n_values;
static uint32_t weights_expected;  /* all but the own segment              */
static void (*update_own)(uint32_t first, uint32_t count);
static void (*exchange_done)(void);

/* This batch's progress. The exchange starts once every replica's sums are
 * final: "ready" goes from the last replica towards replica 0, each
 * passing it on once its own sums are final too; replica 0 then sends
 * "go" round the ring, and every replica starts its segment. So every
 * replica passes sums on as they arrive. */
static uint32_t exchange_round;  /* exchanges finished (go's payload)  */
static bool own_done;        /* own sums final, start() was called        */
/* The replicas after this one are ready. Consumed when this core says it
 * is ready, not cleared at the end: the next replica may finish its batch,
 * start the next one and say it is ready again before this one has all
 * its new weights. */
static bool after_ready;
static bool ready_sent;
static bool going;           /* "go" came (or a sum did: it follows go)   */
static bool weights_sent;    /* own segment updated, its weights sent     */
static uint32_t owned_in;    /* the own segment's sums received         */
static uint32_t weights_in;

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

static inline bool in_segment(uint32_t j, uint32_t first, uint32_t count)
{
    return j - first < count;    /* unsigned: j below first wraps */
}

static inline bool owned(uint32_t j)
{
    return in_segment(j, params.own_first, params.own_count);
}

ONCE_A_BATCH static void finish(void)
{
    /* the other segments' sums went on; the own ones were zeroed by the
     * update */
    for (uint32_t j = 0; j < n_values; j++) {
        if (!owned(j)) {
            sums[j] = WEIGHT_ZERO;
        }
    }
    work_add(WORK_VALUE_CLEARED, n_values - params.own_count);
    exchange_round++;
    own_done = false;
    ready_sent = false;
    going = false;
    weights_sent = false;
    owned_in = 0;
    weights_in = 0;
    exchange_done();
}

ONCE_A_BATCH static void finish_if_complete(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    if (weights_sent && weights_in == weights_expected) {
        finish();
    }
}

/* Chain keys: the sums (j), the new weights (n_values + j), "go"
 * (2 n_values), then pairs of changes (2 n_values + 1 + j / 2, j even). */
static inline uint32_t weight_pairs(void)
{
    return NUMERIC_WEIGHT_DELTAS ? n_values / 2 : 0;
}

/* A chunk's new weights, j = first .. first + count - 1: an aligned pair
 * as its changes from old in one packet where they fit, else whole. */
static void send_chunk(uint32_t first, uint32_t count, const uint32_t *old,
                       pacer_t *pacer)
{
    uint32_t whole = params.chain_key + n_values;
    uint32_t pairs = params.chain_key + 2 * n_values + 1;
    uint32_t end = first + count;
    for (uint32_t j = first; j < end; j++) {
        uint32_t packed;
        if (NUMERIC_WEIGHT_DELTAS && (j & 1) == 0 && j + 1 < end
                && weight_pair_pack(&weight_words[j], &old[j - first],
                                    &packed)) {
            send_word(pairs + j / 2, packed);
            j++;
        } else {
            send_word(whole + j, weight_words[j]);
        }
        pacer_pause(pacer);
    }
}

/* The own segment's totals are in: update it a chunk at a time, each
 * chunk's new weights sent as soon as they are done, so the update's own
 * time is part of their period (weights_period_ns). Chunks start at
 * multiples of their size, so a pair never spans two. */
#define UPDATE_CHUNK 8
static void update_share(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    uint32_t end = params.own_first + params.own_count;
    uint32_t old[UPDATE_CHUNK];
    pacer_t pacer;
    pacer_start(&pacer, params.weights_period_ns, 0);
    for (uint32_t first = params.own_first; first < end; ) {
        uint32_t next = (first | (UPDATE_CHUNK - 1)) + 1;
        uint32_t count = (next < end ? next : end) - first;
        if (NUMERIC_WEIGHT_DELTAS) {
            weight_words_keep(&weight_words[first], old, count);
        }
        update_own(first, count);
        send_chunk(first, count, old, &pacer);
        first += count;
    }
    weights_sent = true;
    finish_if_complete(0, 0);
}

static bool is_last(void)
{
    return params.replica + 1 == params.n_replicas;
}

/* The own sums of the segment this core starts, to the next replica. */
static void send_start_segment(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    const uint32_t *words = (const uint32_t *) sums;
    pacer_t pacer;
    pacer_start(&pacer, params.sums_period_ns, 0);
    for (uint32_t j = params.start_first;
            j < params.start_first + params.start_count; j++) {
        send_word(params.chain_key + j, words[j]);
        pacer_pause(&pacer);
    }
}

/* Every replica is ready: "go" on round the ring (it ends before replica
 * 0, where it began), then this core's segment. */
ONCE_A_BATCH static void go(void)
{
    going = true;
    if (!is_last()) {
        send_word(params.chain_key + 2 * n_values, exchange_round);
    }
    layer_schedule(send_start_segment, 0);
}

/* Ready once the own sums are final and, but on the last replica, every
 * replica after this one is. */
ONCE_A_BATCH static void say_ready_if_ready(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    if (!own_done || ready_sent || !(is_last() || after_ready)) {
        return;
    }
    ready_sent = true;
    after_ready = false;
    if (params.replica > 0) {
        send_word(params.ready_key, 0);
    } else {
        go();
    }
}

ONCE_A_BATCH void gradient_exchange_start(
        void (*update)(uint32_t first, uint32_t count), void (*done)(void))
{
    update_own = update;
    exchange_done = done;
    own_done = true;
    if (params.own_count == 0) {
        /* fewer parameters than replicas: nothing of its own comes */
        layer_schedule(update_share, 0);
    }
    say_ready_if_ready(0, 0);
}

static void receive_sum(uint32_t j, uint32_t payload)
{
    if (!going) {
        go();     /* a sum overtook "go": every replica is ready */
    }
    sums[j] = weight_add_counting(sums[j], weight_from_bits(payload),
            SATURATION_BACKWARD);
    work_add(NUMERIC_WORK(PARTIAL_ERROR_FILED), 1);
    if (owned(j)) {
        if (++owned_in == params.own_count) {
            layer_schedule(update_share, 0);
        }
    } else {
        send_word(params.chain_key + j, ((const uint32_t *) sums)[j]);
    }
}

static void weights_arrived(uint32_t n)
{
    weights_in += n;
    if (weights_in == weights_expected) {
        layer_schedule(finish_if_complete, 0);
    }
}

static void receive_weight(uint32_t j, uint32_t payload)
{
    weight_words[j] = payload;
    if (!in_segment(j, params.next_first, params.next_count)) {
        send_word(params.chain_key + n_values + j, payload);
    }
    weights_arrived(1);
}

/* Weights 2 p and 2 p + 1 as their changes (a pair is in one segment). */
static void receive_weight_pair(uint32_t p, uint32_t payload)
{
    weight_pair_apply(&weight_words[2 * p], payload);
    if (!in_segment(2 * p, params.next_first, params.next_count)) {
        send_word(params.chain_key + 2 * n_values + 1 + p, payload);
    }
    weights_arrived(2);
}

bool gradient_exchange_receive(uint32_t key, uint32_t payload)
{
    if (!active) {
        return false;
    }
    if ((key & params.chain_in_mask) == params.chain_in_key) {
        uint32_t j = key & ~params.chain_in_mask;
        work_add(WORK_PACKET_FILED, 1);
        if (j < n_values) {
            receive_sum(j, payload);
        } else if (j < 2 * n_values) {
            receive_weight(j - n_values, payload);
        } else if (j == 2 * n_values) {
            /* "go" of this exchange (a sum that overtook it went already) */
            if (payload == exchange_round && !going) {
                go();
            }
        } else if (j - (2 * n_values + 1) < weight_pairs()) {
            receive_weight_pair(j - (2 * n_values + 1), payload);
        } else {
            log_error("gradient exchange key %u of 2 x %u + 1 + %u", j,
                      n_values, weight_pairs());
            rt_error(RTE_SWERR);
        }
        return true;
    }
    if (!is_last() && (key & params.ready_in_mask) == params.ready_in_key) {
        after_ready = true;
        work_add(WORK_PACKET_FILED, 1);
        layer_schedule(say_ready_if_ready, 0);
        return true;
    }
    return false;
}

/* A kind that does not say what it exchanges cannot have replicas. */
__attribute__((weak)) weight_t *kind_gradient_sums(uint32_t *n)
{
    *n = 0;
    return NULL;
}

__attribute__((weak)) weight_t *kind_parameters(uint32_t *n)
{
    *n = 0;
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
    uint32_t n_parameters;
    sums = kind_gradient_sums(&n_values);
    weight_words = (uint32_t *) kind_parameters(&n_parameters);
    if (sums == NULL || weight_words == NULL || n_values != params.n_values
            || n_parameters != n_values) {
        log_error("replicas: the kind exchanges %u gradient sums and %u "
                "parameters, the region says %u", n_values, n_parameters,
                params.n_values);
        rt_error(RTE_SWERR);
    }
    weights_expected = n_values - params.own_count;
    exchange_round = 0;
    own_done = after_ready = ready_sent = going = weights_sent = false;
    owned_in = weights_in = 0;
}
