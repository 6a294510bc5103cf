/* Forward values two to a packet (value_pairs.h). */
#include "value_pairs.h"
#include "work.h"

value_pair_t value_pair_pack(uint32_t first, uint32_t second,
                             uint32_t *packed)
{
    work_add(WORK_VALUE_PAIR_PACKED, 1);
    *packed = (first & 0xFFFFu) | (second << 16);
    if ((first | second) >> 16 == 0) {
        return VALUE_PAIR_UNSIGNED;           /* both 0 .. 2^16 - 1       */
    }
    /* both -2^15 .. 2^15 - 1: unsigned wrap after adding 2^15 */
    if (((first + 0x8000u) | (second + 0x8000u)) >> 16 == 0) {
        return VALUE_PAIR_SIGNED;
    }
    return VALUE_PAIR_NONE;
}
