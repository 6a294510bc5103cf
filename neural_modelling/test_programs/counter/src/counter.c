/*
 * counter: a static global counter per core; two cores running this program
 * must keep separate counts. Optionally sends the count every tick (the
 * drop test sends with a key no table routes).
 *
 * Region 0 CONFIG: [0] increment  [1] n_ticks  [2] timer_period_us
 *                  [3] send_key  [4] send_enabled
 * Region 1 RESULT (2 words, written every tick): [0] counter  [1] ticks
 *
 * Each tick adds increment to the counter (and sends (send_key, counter)
 * with payload if send_enabled); at tick n_ticks the core exits.
 */
#include <spin1_api.h>
#include <data_specification.h>

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { TIMER_PRIORITY = 1 };

struct counter_config {
    uint32_t increment;
    uint32_t n_ticks;
    uint32_t timer_period_us;
    uint32_t send_key;
    uint32_t send_enabled;
};

static struct counter_config config;
static uint32_t *result;
static uint32_t counter;    /* the state that must stay per core */

static void timer_tick(uint tick, uint unused)
{
    use(unused);
    counter += config.increment;
    if (config.send_enabled) {
        spin1_send_mc_packet(config.send_key, counter, WITH_PAYLOAD);
    }
    result[0] = counter;
    result[1] = tick;
    if (tick >= config.n_ticks) {
        spin1_exit(0);
    }
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    struct counter_config *stored = data_specification_get_region(CONFIG, ds);
    config = *stored;
    result = data_specification_get_region(RESULT, ds);
    spin1_set_timer_tick(config.timer_period_us);
    spin1_callback_on(TIMER_TICK, timer_tick, TIMER_PRIORITY);
    spin1_start(SYNC_WAIT);
}
