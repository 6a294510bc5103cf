#include "input_streams.h"
#include "key_lookup.h"
#include "regions.h"

/* Set at start-up from PARAMS (examples_in_flight_init, regions.c). */
uint32_t examples_in_flight = 2;

static void count_per_example(input_streams_t *streams)
{
    streams->per_example = 0;
    for (uint32_t e = 0; e < streams->n_entries; e++) {
        streams->per_example += streams->entries[e].n_atoms;
    }
}

/* Sets first_key and key_bits when entry e's key is entries[0].key +
 * e << key_bits, all with one mask of ~0 << key_bits (else key_bits 0). */
static void find_spacing(input_streams_t *streams)
{
    streams->key_bits = 0;
    if (streams->n_entries == 0) {
        return;
    }
    const key_entry_t *entries = streams->entries;
    uint32_t mask = entries[0].mask;
    uint32_t bits = 0;
    while (bits < 31 && ((mask >> bits) & 1) == 0) {
        bits++;
    }
    if (bits == 0 || mask != (0xFFFFFFFFu << bits)
            || (entries[0].key & ~mask) != 0) {
        return;
    }
    for (uint32_t e = 0; e < streams->n_entries; e++) {
        if (entries[e].mask != mask
                || entries[e].key != entries[0].key + (e << bits)) {
            return;
        }
    }
    streams->first_key = entries[0].key;
    streams->key_bits = bits;
}

/* Entry index of key, or -1. */
static inline int32_t entry_of(const input_streams_t *streams, uint32_t key)
{
    if (streams->key_bits == 0) {
        return key_lookup(streams->entries, streams->n_entries, key);
    }
    work_add(WORK_KEY_INDEXED, 1);
    /* a key below first_key wraps to a large index */
    uint32_t e = (key - streams->first_key) >> streams->key_bits;
    return e < streams->n_entries ? (int32_t) e : -1;
}

void input_streams_init(input_streams_t *streams, const key_table_t *table)
{
    streams->n_entries = table->n_entries;
    streams->entries = copy_to_dtcm(table->entries,
            table->n_entries * sizeof(key_entry_t));
    for (uint32_t p = 0; p < MAX_EXAMPLES_IN_FLIGHT; p++) {
        streams->received[p] = 0;
    }
    count_per_example(streams);
    find_spacing(streams);
}

int32_t input_streams_receive(input_streams_t *streams, uint32_t key,
                              uint32_t *parity, uint32_t *index)
{
    int32_t entry_index = entry_of(streams, key);
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
        if (++p == examples_in_flight) {
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
