/*
 * timer_events: logs timer ticks and the user events they trigger, in the
 * order the core sees them.
 *
 * Region 0 CONFIG: [0] timer_period_us  [1] n_ticks
 * Region 1 RESULT (256 words): [0] number of entries, then per entry 2
 *   words: [event word, spin1_get_simulation_time() when logged]. The event
 *   word is (1 << 24) | tick for a timer tick (ticks count from 1) and
 *   (2 << 24) | arg0 for a user event. At most 127 entries are kept.
 *
 * Each tick t logs itself and triggers user event (t, 0); the user event
 * logs itself; after the user event of tick n_ticks the core exits.
 */
#include <spin1_api.h>
#include <data_specification.h>

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { USER_PRIORITY = 0, TIMER_PRIORITY = 1 };
enum { TIMER_ENTRY = 1, USER_ENTRY = 2, MAX_ENTRIES = 127 };

struct timer_events_config {
    uint32_t timer_period_us;
    uint32_t n_ticks;
};

struct timer_events_log {
    uint32_t n_entries;
    uint32_t entries[MAX_ENTRIES][2];
};

static uint32_t n_ticks;
static struct timer_events_log *log_region;

static void log_entry(uint32_t kind, uint32_t value)
{
    if (log_region->n_entries < MAX_ENTRIES) {
        uint32_t *entry = log_region->entries[log_region->n_entries];
        entry[0] = (kind << 24) | value;
        entry[1] = spin1_get_simulation_time();
        log_region->n_entries++;
    }
}

static void timer_tick(uint tick, uint unused)
{
    use(unused);
    log_entry(TIMER_ENTRY, tick);
    spin1_trigger_user_event(tick, 0);
}

static void user_event(uint tick, uint unused)
{
    use(unused);
    log_entry(USER_ENTRY, tick);
    if (tick >= n_ticks) {
        spin1_exit(0);
    }
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    struct timer_events_config *config =
            data_specification_get_region(CONFIG, ds);
    log_region = data_specification_get_region(RESULT, ds);
    n_ticks = config->n_ticks;

    spin1_set_timer_tick(config->timer_period_us);
    spin1_callback_on(TIMER_TICK, timer_tick, TIMER_PRIORITY);
    spin1_callback_on(USER_EVENT, user_event, USER_PRIORITY);
    spin1_start(SYNC_WAIT);
}
