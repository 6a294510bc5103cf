/*
 * fanout_sink: counts the packets it receives (the engine's fan-out test
 * and benchmark; the callback is kept tiny on purpose).
 *
 * Region 0 CONFIG: [0] unused.
 * Region 1 RESULT (4 words, wrapping uint32 sums):
 *   [0] packets received  [1] sum of keys  [2] sum of payloads (0 for MC)
 *   [3] last key
 */
#include <spin1_api.h>
#include <data_specification.h>

enum regions { CONFIG = 0, RESULT = 1 };
enum priorities { PACKET_PRIORITY = -1 };

struct sink_result {
    uint32_t received;
    uint32_t key_sum;
    uint32_t payload_sum;
    uint32_t last_key;
};

static struct sink_result *result;

static void receive_packet(uint key, uint payload)
{
    result->received++;
    result->key_sum += key;
    result->payload_sum += payload;
    result->last_key = key;
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    result = data_specification_get_region(RESULT, ds);
    spin1_callback_on(MC_PACKET_RECEIVED, receive_packet, PACKET_PRIORITY);
    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_packet, PACKET_PRIORITY);
    spin1_start(SYNC_WAIT);
}
