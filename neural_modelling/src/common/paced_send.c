#include <spin1_api.h>
#include "core_clock.h"
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

static inline uint32_t cycles_of(uint32_t ns)
{
    return (ns + CORE_CLOCK_NS_PER_CYCLE - 1) / CORE_CLOCK_NS_PER_CYCLE;
}

void pacer_start(pacer_t *pacer, uint32_t period_ns, uint32_t phase_ns)
{
    pacer->period = cycles_of(period_ns);
    pacer->deadline = core_clock_cycles() + cycles_of(phase_ns);
    core_clock_wait_until(pacer->deadline);
}

void pacer_pause(pacer_t *pacer)
{
    pacer->deadline += pacer->period;
    core_clock_wait_until(pacer->deadline);
}

void send_paced(uint32_t base_key, const value_t *values, uint32_t n,
                uint32_t period_ns, uint32_t phase_ns)
{
    pacer_t pacer;
    pacer_start(&pacer, period_ns, phase_ns);
    for (uint32_t i = 0; i < n; i++) {
        send_value(base_key + i, values[i]);
        pacer_pause(&pacer);
    }
}
