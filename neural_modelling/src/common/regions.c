#include <spin1_api.h>
#include <debug.h>
#include <simulation.h>
#include "core_clock.h"
#include "input_streams.h"
#include "layer_regions.h"
#include "regions.h"

#define SDP_PRIORITY 1
#define DMA_PRIORITY 0

static uint32_t simulation_ticks, infinite_run, simulation_time;

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

void examples_in_flight_init(uint32_t n)
{
    if (n == 0 || n > MAX_EXAMPLES_IN_FLIGHT || (n & (n - 1)) != 0) {
        log_error("examples in flight %u: must be a power of two up to %u",
                n, MAX_EXAMPLES_IN_FLIGHT);
        rt_error(RTE_SWERR);
    }
    examples_in_flight = n;
    examples_in_flight_bits = 0;
    while ((1u << examples_in_flight_bits) < n) {
        examples_in_flight_bits++;
    }
}

data_specification_metadata_t *layer_program_start(uint32_t application_hash)
{
    data_specification_metadata_t *regions =
            data_specification_get_data_address();
    if (!data_specification_read_header(regions)) {
        rt_error(RTE_SWERR);
    }
    uint32_t timer_period;
    if (!simulation_initialise(
            data_specification_get_region(REGION_SYSTEM, regions),
            application_hash, &timer_period, &simulation_ticks,
            &infinite_run, &simulation_time, SDP_PRIORITY, DMA_PRIORITY)) {
        rt_error(RTE_SWERR);
    }
    simulation_set_uses_timer(false);
    core_clock_start();
    return regions;
}
