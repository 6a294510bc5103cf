/*
 * DTCM allocation and copying a region into DTCM: the start-up chores every
 * layer program shares. Failures stop the core with rt_error.
 */
#ifndef SPINNDL_REGIONS_H
#define SPINNDL_REGIONS_H

#include <stdint.h>
#include <data_specification.h>
#include "startup.h"

/* spin1_malloc that stops the core (RTE_MALLOC) when DTCM runs out. */
STARTUP void *allocate(uint32_t bytes);

/* A new DTCM copy of the first bytes of a region. */
STARTUP void *copy_to_dtcm(const void *region, uint32_t bytes);

/* The start every layer program shares: read the data-specification
 * header, join FEC's simulation interface (application hash checked against
 * the SYSTEM region) without a timer, since examples, not time, drive the
 * work. Returns the region table. */
STARTUP data_specification_metadata_t *layer_program_start(
        uint32_t application_hash);

#endif
