/*
 * stale_work: a program whose work counters (src/common/work.h's
 * work_counters symbol) say it counts one kind of work, as a program built
 * against an older list of kinds would. The engine must refuse to load it
 * rather than charge its counts with the wrong costs.
 */
#include <stdint.h>
#include <spin1_api.h>

uint32_t work_counters[2] = {1, 0};   /* n_kinds = 1, one count */

void c_main(void)
{
    spin1_start(SYNC_NOWAIT);
}
