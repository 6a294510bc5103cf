#include <stddef.h>
#include "kernel_reduction.h"
#include "paced_send.h"
#include "regions.h"
#include "work.h"

static reduction_params params;
static value_t *sums;
static value_t *incoming;       /* the previous core's running sums  */
static uint32_t n_values;
static uint32_t chain_received;
static uint32_t total_received;
static bool own_done;

static bool is_first(void)
{
    return params.position == 0;
}

static bool is_last(void)
{
    return params.position + 1 == params.cores;
}

void kernel_reduction_init(const reduction_params *reduction, value_t *values,
                           uint32_t n)
{
    params = *reduction;
    sums = values;
    n_values = n;
    incoming = NULL;
    if (params.cores > 1 && !is_first()) {
        incoming = allocate(n * sizeof(value_t));
    }
    chain_received = total_received = 0;
    own_done = false;
}

bool kernel_reduction_owns(uint32_t key)
{
    return params.cores > 1 && (
            (key & params.total_in_mask) == params.total_in_key
            || (!is_first() && (key & params.chain_in_mask)
                == params.chain_in_key));
}

bool kernel_reduction_receive(uint32_t key, uint32_t payload)
{
    work_add(WORK_REDUCTION_FILED, 1);
    if ((key & params.total_in_mask) == params.total_in_key) {
        /* The total comes after every core's own sums went in. */
        ((uint32_t *) sums)[key & ~params.total_in_mask] = payload;
        return ++total_received == n_values;
    }
    ((uint32_t *) incoming)[key & ~params.chain_in_mask] = payload;
    return ++chain_received == n_values && own_done;
}

bool kernel_reduction_batch_done(void)
{
    own_done = true;
    return params.cores == 1 || is_first() || chain_received == n_values;
}

bool kernel_reduction_step(void)
{
    if (params.cores == 1) {
        own_done = false;
        return true;
    }
    if (total_received == n_values) {
        total_received = 0;
        own_done = false;
        return true;
    }
    if (!is_first()) {
        for (uint32_t j = 0; j < n_values; j++) {
            sums[j] += incoming[j];
        }
        work_add(WORK_REDUCTION_ADD, n_values);
        chain_received = 0;
    }
    send_paced(is_last() ? params.total_key : params.chain_key, sums,
            n_values, params.send_period_ns, 0);
    return false;
}
