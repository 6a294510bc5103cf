/*
 * ring: passes a counter round a ring of cores.
 *
 * Region 0 CONFIG (uint32 words):
 *   [0] send_key         key this core sends with
 *   [1] is_starter       1 on exactly one core
 *   [2] max_hops         the counter value at which the ring stops
 *   [3] timer_period_us  the starter's timer period
 * Region 1 RESULT (4 words, written after every packet):
 *   [0] packets received  [1] last payload  [2] last key  [3] packets sent
 *
 * The starter sends (send_key, payload 1) at its first timer tick and then
 * turns its timer off. Every core that receives (key, payload) with
 * payload < max_hops sends (send_key, payload + 1); then all is quiet.
 */
#include <spin1_api.h>
#include <data_specification.h>
#include <debug.h>

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { PACKET_PRIORITY = -1, TIMER_PRIORITY = 1 };

struct ring_config {
    uint32_t send_key;
    uint32_t is_starter;
    uint32_t max_hops;
    uint32_t timer_period_us;
};

struct ring_result {
    uint32_t received;
    uint32_t last_payload;
    uint32_t last_key;
    uint32_t sent;
};

static struct ring_config config;
static struct ring_result *result;

static void send_counter(uint32_t counter)
{
    spin1_send_mc_packet(config.send_key, counter, WITH_PAYLOAD);
    result->sent++;
}

static void receive_packet(uint key, uint payload)
{
    result->received++;
    result->last_payload = payload;
    result->last_key = key;
    if (payload < config.max_hops) {
        send_counter(payload + 1);
    }
}

static void start_ring(uint ticks, uint unused)
{
    use(ticks);
    use(unused);
    spin1_callback_off(TIMER_TICK);
    send_counter(1);
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    struct ring_config *stored = data_specification_get_region(CONFIG, ds);
    config = *stored;
    result = data_specification_get_region(RESULT, ds);

    spin1_callback_on(MC_PACKET_RECEIVED, receive_packet, PACKET_PRIORITY);
    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, PACKET_PRIORITY);
    if (config.is_starter) {
        spin1_set_timer_tick(config.timer_period_us);
        spin1_callback_on(TIMER_TICK, start_ring, TIMER_PRIORITY);
    }
    spin1_start(SYNC_WAIT);
}
