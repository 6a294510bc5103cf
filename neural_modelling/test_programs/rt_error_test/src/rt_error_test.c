/*
 * rt_error_test: fails on purpose, so the emulator's error reports can be
 * tested.
 *
 * Region 0 CONFIG: [0] mode  [1] after_ticks  [2] timer_period_us
 *   mode 0: behave; spin1_exit(0) at tick after_ticks
 *   mode 1: rt_error(RTE_SWERR) at tick after_ticks
 *   mode 2: loop for ever inside the timer callback at tick after_ticks
 *   mode 3: call through a null function pointer at tick after_ticks (the
 *           board reports a branch through zero; the host a crash)
 * Region 1 RESULT: [0] ticks seen.
 */
#include <spin1_api.h>
#include <data_specification.h>

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { TIMER_PRIORITY = 1 };
enum modes { BEHAVE = 0, RT_ERROR = 1, SPIN = 2, NULL_CALL = 3 };

struct rt_error_config {
    uint32_t mode;
    uint32_t after_ticks;
    uint32_t timer_period_us;
};

static struct rt_error_config config;
static volatile uint32_t *ticks_seen;
/* volatile so the compiler cannot see it is null and drop the call */
static void (*volatile null_function)(void);

static void timer_tick(uint tick, uint unused)
{
    use(unused);
    *ticks_seen = tick;
    if (tick < config.after_ticks) {
        return;
    }
    switch (config.mode) {
    case RT_ERROR:
        rt_error(RTE_SWERR);
        break;
    case SPIN:
        for (;;) {
            *ticks_seen = tick;
        }
        break;
    case NULL_CALL:
        null_function();
        break;
    default:
        spin1_exit(0);
        break;
    }
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    struct rt_error_config *stored = data_specification_get_region(CONFIG, ds);
    config = *stored;
    ticks_seen = data_specification_get_region(RESULT, ds);
    spin1_set_timer_tick(config.timer_period_us);
    spin1_callback_on(TIMER_TICK, timer_tick, TIMER_PRIORITY);
    spin1_start(SYNC_WAIT);
}
