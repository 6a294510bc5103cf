/* core_clock.h on the board: timer 2, enabled 32-bit free-running with no
 * prescale (control 0x82), counts down from 0xFFFFFFFF at the CPU clock;
 * its complement counts up. spin1 uses timer 1 only. */
#include <sark.h>
#include "core_clock.h"

#define TIMER_ENABLED_32_BIT_FREE_RUNNING 0x82

void core_clock_start(void)
{
    tc[T2_CONTROL] = TIMER_ENABLED_32_BIT_FREE_RUNNING;
}

uint32_t core_clock_cycles(void)
{
    return ~tc[T2_COUNT];
}

void core_clock_wait_until(uint32_t deadline)
{
    while ((int32_t) (deadline - core_clock_cycles()) > 0) {
        /* interrupts run meanwhile */
    }
}
