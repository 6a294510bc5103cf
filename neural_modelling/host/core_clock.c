/* core_clock.h on the host: the core's simulated clock. A wait moves it to
 * the deadline; interrupts that fall in the wait use its time instead of
 * lengthening the callback (emulator/engine.c, "pauses"). */
#include "host_core.h"
#include "../src/common/core_clock.h"

void core_clock_start(void)
{
}

uint32_t core_clock_cycles(void)
{
    return emu_host_ops->clock_cycles(emu_host_core);
}

void core_clock_wait_until(uint32_t deadline)
{
    emu_host_ops->wait_until_cycles(emu_host_core, deadline);
}
