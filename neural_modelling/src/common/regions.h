/*
 * DTCM allocation and copying a region into DTCM: the start-up chores every
 * layer program shares. Failures stop the core with rt_error.
 */
#ifndef SPINNDL_REGIONS_H
#define SPINNDL_REGIONS_H

#include <stdint.h>

/* spin1_malloc that stops the core (RTE_MALLOC) when DTCM runs out. */
void *allocate(uint32_t bytes);

/* A new DTCM copy of the first bytes of a region. */
void *copy_to_dtcm(const void *region, uint32_t bytes);

#endif
