#include <spin1_api.h>
#include <debug.h>
#include "regions.h"

void *allocate(uint32_t bytes)
{
    /* spin1_malloc(0) may give NULL: always ask for at least a word. */
    void *block = spin1_malloc(bytes > 0 ? bytes : sizeof(uint32_t));
    if (block == NULL) {
        log_error("out of DTCM allocating %u bytes", bytes);
        rt_error(RTE_MALLOC);
    }
    return block;
}

void *copy_to_dtcm(const void *region, uint32_t bytes)
{
    void *copy = allocate(bytes);
    spin1_memcpy(copy, region, bytes);
    return copy;
}
