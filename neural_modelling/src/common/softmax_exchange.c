#include "softmax_exchange.h"
#include "layer_forward.h"
#include "input_streams.h"
#include "paced_send.h"
#include "work.h"

typedef struct {
    uint32_t count;  /* statistics in so far */
    value_t value;   /* their max (round 0) or sum */
} softmax_round_t;

static uint32_t own_key, layer_key, layer_mask, layer_cores;
static softmax_round_t rounds[SOFTMAX_ROUNDS][MAX_EXAMPLES_IN_FLIGHT];

void softmax_exchange_init(const layer_params_t *params)
{
    own_key = params->softmax_key;
    layer_key = params->softmax_layer_key;
    layer_mask = params->softmax_layer_mask;
    layer_cores = params->layer_cores;
    for (uint32_t r = 0; r < SOFTMAX_ROUNDS; r++) {
        for (uint32_t p = 0; p < MAX_EXAMPLES_IN_FLIGHT; p++) {
            rounds[r][p].count = 0;
            rounds[r][p].value = VALUE_ZERO;
        }
    }
}

bool softmax_exchange_owns(uint32_t key)
{
    return (key & layer_mask) == layer_key;
}

void softmax_exchange_send(uint32_t round, uint32_t parity, value_t value)
{
    send_value(own_key + (round << EXAMPLE_SLOT_BITS) + parity, value);
}

int32_t softmax_exchange_receive(uint32_t key, uint32_t payload,
                                 uint32_t *parity)
{
    value_t value = value_from_bits(payload);
    uint32_t p = key & ((1u << EXAMPLE_SLOT_BITS) - 1);
    uint32_t round = (key >> EXAMPLE_SLOT_BITS) & 3;
    if (round >= SOFTMAX_ROUNDS) {
        return -1;
    }
    work_add(NUMERIC_WORK(SOFTMAX_STAT_FILED), 1);
    softmax_round_t *state = &rounds[round][p];
    *parity = p;
    if (state->count == 0) {
        state->value = value;
    } else if (round != SOFTMAX_ROUND_MAX) {
        /* the sum of y g (round 2) is training's backward pass */
        state->value = value_add_counting(state->value, value,
                round == SOFTMAX_ROUND_DOT ? SATURATION_BACKWARD
                                           : SATURATION_FORWARD);
    } else if (value > state->value) {
        state->value = value;
    }
    if (++state->count == layer_cores) {
        state->count = 0;
        return (int32_t) round;
    }
    return -1;
}

value_t softmax_exchange_result(uint32_t round, uint32_t parity)
{
    return rounds[round][parity].value;
}

void softmax_exchange_share_sum(const value_t *z, uint32_t n_atoms,
                                uint32_t parity)
{
    softmax_exchange_send(SOFTMAX_ROUND_SUM, parity, softmax_local_sum(
            z, n_atoms, softmax_exchange_result(SOFTMAX_ROUND_MAX, parity)));
}

void softmax_exchange_normalise(value_t *z, uint32_t n_atoms, uint32_t parity)
{
    softmax_normalise(z, n_atoms,
            softmax_exchange_result(SOFTMAX_ROUND_MAX, parity),
            softmax_exchange_result(SOFTMAX_ROUND_SUM, parity));
}
