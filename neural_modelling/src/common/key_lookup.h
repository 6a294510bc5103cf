/*
 * Finding the key table entry of an incoming packet: a binary search over
 * entries sorted by key, cheap enough for the packet-received callback.
 */
#ifndef SPINNDL_KEY_LOOKUP_H
#define SPINNDL_KEY_LOOKUP_H

#include "layer_regions.h"
#include "work.h"

/* Index of the entry whose key matches (key & entry mask), or -1. */
static inline int32_t key_lookup(const key_entry_t *entries,
                                 uint32_t n_entries, uint32_t key)
{
    int32_t low = 0, high = (int32_t) n_entries - 1;
    uint32_t steps = 0;
    int32_t found = -1;
    while (low <= high) {
        int32_t mid = (low + high) >> 1;
        steps++;
        const key_entry_t *entry = &entries[mid];
        uint32_t masked = key & entry->mask;
        if (masked == entry->key) {
            found = mid;
            break;
        }
        if (masked < entry->key) {
            high = mid - 1;
        } else {
            low = mid + 1;
        }
    }
    work_add(WORK_KEY_SEARCH_STEP, steps);
    return found;
}

#endif
