/* Weight changes two to a packet (weight_deltas.h). */
#include "weight_deltas.h"
#include "../common/work.h"

/* A change fits 16 bits when it is -2^15 .. 2^15 - 1 (unsigned wrap). */
#define FITS_HALF(change) ((uint32_t) ((change) + 0x8000u) <= 0xFFFFu)

void weight_words_keep(const uint32_t *words, uint32_t *old, uint32_t n)
{
    /* a chunk is a few words: not worth the unrolled code's ITCM */
#pragma GCC unroll 1
    for (uint32_t i = 0; i < n; i++) {
        old[i] = words[i];
    }
    work_add(WORK_WEIGHT_KEPT, n);
}

bool weight_pair_pack(const uint32_t *new_words, const uint32_t *old_words,
                      uint32_t *packed)
{
    /* unsigned: the difference wraps as the sum will, exactly */
    uint32_t low = new_words[0] - old_words[0];
    uint32_t high = new_words[1] - old_words[1];
    work_add(WORK_WEIGHT_PAIR_PACKED, 1);
    if (!FITS_HALF(low) || !FITS_HALF(high)) {
        return false;
    }
    *packed = (low & 0xFFFFu) | (high << 16);
    return true;
}

void weight_pair_apply(uint32_t *words, uint32_t packed)
{
    words[0] += (uint32_t) (int32_t) (int16_t) (packed & 0xFFFFu);
    words[1] += (uint32_t) (int32_t) (int16_t) (packed >> 16);
    work_add(WORK_WEIGHT_PAIR_APPLIED, 1);
}
