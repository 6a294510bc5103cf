#include <stdbool.h>
#include "input_streams.h"
#include "key_lookup.h"
#include "numeric.h"
#include "regions.h"

/* Set at start-up from PARAMS (examples_in_flight_init, regions.c). */
uint32_t examples_in_flight = 2;
uint32_t examples_in_flight_bits = 1;

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
    streams->pairs = 0;
}

/* n more values of slot p; 1 when they complete its example. */
static inline int32_t count_values(input_streams_t *streams, uint32_t p,
                                   uint32_t n)
{
    streams->received[p] += n;
    if (streams->received[p] == streams->per_example) {
        streams->received[p] = 0;
        return 1;
    }
    return 0;
}

/* Finds key's entry (*entry) and its value: 0 with *slot and *value (its
 * number in the entry) for a single value, 1 for a key past the entry's
 * examples_in_flight x n_atoms singles (*value counts on from them), -1
 * for no entry. */
static inline int32_t locate(const input_streams_t *streams, uint32_t key,
                             const key_entry_t **entry, uint32_t *value,
                             uint32_t *slot)
{
    int32_t entry_index = entry_of(streams, key);
    if (entry_index < 0) {
        return -1;
    }
    work_add(WORK_PACKET_FILED, 1);
    const key_entry_t *found = &streams->entries[entry_index];
    uint32_t v = key & ~found->mask;
    uint32_t singles = found->n_atoms << examples_in_flight_bits;
    *entry = found;
    if (v >= singles) {
        *value = v - singles;
        return 1;
    }
    /* slot = v / n_atoms without a division (none on the ARM968) */
    uint32_t p = 0;
    while (v >= found->n_atoms) {
        v -= found->n_atoms;
        p++;
    }
    *value = v;
    *slot = p;
    return 0;
}

int32_t input_streams_receive(input_streams_t *streams, uint32_t key,
                              uint32_t *parity, uint32_t *index)
{
    const key_entry_t *entry;
    uint32_t value, p = 0;
    if (locate(streams, key, &entry, &value, &p) != 0) {
        return -1;
    }
    *parity = p;
    *index = entry->first_index + value;
    return count_values(streams, p, 1);
}

/* A pair key: `value` counts on past the entry's singles, pair j of slot
 * p at (j << (slot bits + 1)) | p << 1 | unsigned (value_pairs.h). */
static int32_t file_pair(input_streams_t *streams, const key_entry_t *entry,
                         uint32_t value, uint32_t payload,
                         uint32_t **buffers, uint32_t limit,
                         uint32_t *parity)
{
    uint32_t pair = value >> (examples_in_flight_bits + 1);
    if (pair >= entry->n_atoms >> 1) {
        return -1;
    }
    uint32_t p = (value >> 1) & (examples_in_flight - 1);
    uint32_t low = payload & 0xFFFFu, high = payload >> 16;
    if ((value & 1) == 0) {     /* signed */
        low = (uint32_t) (int32_t) (int16_t) low;
        high = (uint32_t) (int32_t) (int16_t) high;
    }
    uint32_t index = entry->first_index + 2 * pair;
    if (index + 1 < limit) {     /* pairs go to Dense cores: every input */
        buffers[p][index] = low;
        buffers[p][index + 1] = high;
    }
    work_add(WORK_VALUE_PAIR_FILED, 1);
    *parity = p;
    return count_values(streams, p, 2);
}

int32_t input_streams_file(input_streams_t *streams, uint32_t key,
                           uint32_t payload, uint32_t **buffers,
                           uint32_t limit, uint32_t *parity)
{
    const key_entry_t *entry;
    uint32_t value, p = 0;
    int32_t found = locate(streams, key, &entry, &value, &p);
    if (found != 0) {
        return NUMERIC_FORWARD_PAIRS && found > 0 && streams->pairs
                ? file_pair(streams, entry, value, payload, buffers, limit,
                            parity)
                : -1;
    }
    uint32_t index = entry->first_index + value;
    if (index < limit) {
        buffers[p][index] = payload;
    }
    *parity = p;
    return count_values(streams, p, 1);
}
