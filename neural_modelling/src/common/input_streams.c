#include "input_streams.h"
#include "key_lookup.h"
#include "regions.h"

static void count_per_example(input_streams_t *streams)
{
    streams->per_example = 0;
    for (uint32_t e = 0; e < streams->n_entries; e++) {
        streams->per_example += streams->entries[e].n_atoms;
    }
}

void input_streams_init(input_streams_t *streams, const key_table_t *table)
{
    streams->n_entries = table->n_entries;
    streams->entries = copy_to_dtcm(table->entries,
            table->n_entries * sizeof(key_entry_t));
    for (uint32_t p = 0; p < EXAMPLES_IN_FLIGHT; p++) {
        streams->received[p] = 0;
    }
    count_per_example(streams);
}

int32_t input_streams_receive(input_streams_t *streams, uint32_t key,
                              uint32_t *parity, uint32_t *index)
{
    int32_t entry_index = key_lookup(streams->entries, streams->n_entries,
            key);
    if (entry_index < 0) {
        return -1;
    }
    work_add(WORK_PACKET_FILED, 1);
    const key_entry_t *entry = &streams->entries[entry_index];
    uint32_t value = key & ~entry->mask;
    /* slot = value / n_atoms without a division (none on the ARM968) */
    uint32_t p = 0;
    while (value >= entry->n_atoms) {
        value -= entry->n_atoms;
        if (++p == EXAMPLES_IN_FLIGHT) {
            return -1;
        }
    }
    *parity = p;
    *index = entry->first_index + value;
    if (++streams->received[p] == streams->per_example) {
        streams->received[p] = 0;
        return 1;
    }
    return 0;
}
