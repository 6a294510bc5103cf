#include <spin1_api.h>
#include "paced_send.h"

void send_word(uint32_t key, uint32_t payload)
{
    while (!spin1_send_mc_packet(key, payload, WITH_PAYLOAD)) {
        spin1_delay_us(1);
    }
}

void send_value(uint32_t key, value_t value)
{
    send_word(key, value_to_bits(value));
}

void send_paced(uint32_t base_key, const value_t *values, uint32_t n,
                uint32_t gap_us)
{
    for (uint32_t i = 0; i < n; i++) {
        send_value(base_key + i, values[i]);
        spin1_delay_us(gap_us);
    }
}
