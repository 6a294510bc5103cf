/*
 * region_echo: checks that region data arrives intact and can be read back.
 *
 * Region 0 CONFIG: [0] n_words, then n_words data words.
 * Region 1 RESULT (4 + 4 * n_words bytes): [0] n_words, then
 *   data[i] ^ 0xA5A5A5A5 for each data word.
 *
 * The copy happens in c_main; the core then exits from its first
 * scheduled callback.
 */
#include <spin1_api.h>
#include <data_specification.h>

enum regions { CONFIG = 0, RESULT = 1 };
#define ECHO_MASK 0xA5A5A5A5u

static void finish(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    spin1_exit(0);
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    uint32_t *in = data_specification_get_region(CONFIG, ds);
    uint32_t *out = data_specification_get_region(RESULT, ds);
    uint32_t n_words = in[0];
    out[0] = n_words;
    for (uint32_t i = 1; i <= n_words; i++) {
        out[i] = in[i] ^ ECHO_MASK;
    }
    spin1_schedule_callback(finish, 0, 0, 1);
    spin1_start(SYNC_WAIT);
}
