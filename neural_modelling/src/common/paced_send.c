#include <spin1_api.h>
#include "core_clock.h"
#include "input_streams.h"
#include "paced_send.h"
#include "value_pairs.h"

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

void send_paced_pairs(uint32_t key, uint32_t slot, const uint32_t *words,
                      uint32_t n, bool pairs, uint32_t period_ns,
                      uint32_t phase_ns)
{
    uint32_t singles = key + slot * n;
    /* pair j past every slot's singles: (j << (slot bits + 1)) | slot << 1
     * | unsigned */
    uint32_t pair_base = key + (n << examples_in_flight_bits) + (slot << 1);
    pacer_t pacer;
    pacer_start(&pacer, period_ns, phase_ns);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t packed;
        value_pair_t kind = pairs && (i & 1) == 0 && i + 1 < n
                ? value_pair_pack(words[i], words[i + 1], &packed)
                : VALUE_PAIR_NONE;
        if (kind != VALUE_PAIR_NONE) {
            /* pair i / 2, shifted by slot bits + 1 */
            send_word(pair_base + (i << examples_in_flight_bits)
                      + (kind == VALUE_PAIR_UNSIGNED), packed);
            i++;
        } else {
            send_word(singles + i, words[i]);
        }
        pacer_pause(&pacer);
    }
}
