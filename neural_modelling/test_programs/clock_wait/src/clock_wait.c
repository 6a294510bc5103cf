/*
 * clock_wait: how long a queued callback's wait lasts while packets arrive.
 *
 * Region 0 CONFIG (uint32 words):
 *   [0] role             0: flood, 1: wait
 *   [1] send_key         the flooder's key
 *   [2] n_packets        the flooder's packets
 *   [3] flood_period_us  the flooder's time between them
 *   [4] wait_mode        the waiter's: 0 spin1_delay_us (a counted loop),
 *                        1 core_clock_wait_until (a deadline)
 *   [5] wait_us          how long it waits
 * Region 1 RESULT (3 words, by the waiter):
 *   [0] ns from the wait's start to the next queued callback's start
 *   [1] packets received by then  [2] packets received in all
 *
 * At the first timer tick the flooder sends its packets and the waiter
 * starts waiting; the waiter's next callback can start only when the wait
 * (and whatever interrupts it took meanwhile) is over.
 */
#include <spin1_api.h>
#include <data_specification.h>
#include <debug.h>
#include "common/core_clock.h"

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { PACKET_PRIORITY = -1, TASK_PRIORITY = 1 };

struct clock_wait_config {
    uint32_t role;
    uint32_t send_key;
    uint32_t n_packets;
    uint32_t flood_period_us;
    uint32_t wait_mode;
    uint32_t wait_us;
};

static struct clock_wait_config config;
static uint32_t *result;
static volatile uint32_t received;
static uint32_t wait_start;

static void receive_packet(uint key, uint payload)
{
    use(key);
    use(payload);
    received++;
    result[2] = received;
}

static void after_wait(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    result[0] = (core_clock_cycles() - wait_start) * CORE_CLOCK_NS_PER_CYCLE;
    result[1] = received;
}

static void wait(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    wait_start = core_clock_cycles();
    if (config.wait_mode == 0) {
        spin1_delay_us(config.wait_us);
    } else {
        core_clock_wait_until(wait_start
                + config.wait_us * 1000 / CORE_CLOCK_NS_PER_CYCLE);
    }
    spin1_schedule_callback(after_wait, 0, 0, TASK_PRIORITY);
}

static void flood(void)
{
    for (uint32_t i = 0; i < config.n_packets; i++) {
        spin1_send_mc_packet(config.send_key, i, WITH_PAYLOAD);
        spin1_delay_us(config.flood_period_us);
    }
}

static void first_tick(uint ticks, uint unused)
{
    use(ticks);
    use(unused);
    spin1_callback_off(TIMER_TICK);
    if (config.role == 0) {
        flood();
    } else {
        spin1_schedule_callback(wait, 0, 0, TASK_PRIORITY);
    }
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    struct clock_wait_config *stored = data_specification_get_region(CONFIG,
                                                                    ds);
    config = *stored;
    result = data_specification_get_region(RESULT, ds);
    core_clock_start();
    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, PACKET_PRIORITY);
    spin1_set_timer_tick(1000);
    spin1_callback_on(TIMER_TICK, first_tick, TASK_PRIORITY);
    spin1_start(SYNC_WAIT);
}
