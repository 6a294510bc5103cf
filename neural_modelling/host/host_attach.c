/* Binding of one program instance to its engine core (see host_ops.h). */
#include <stdlib.h>
#include <string.h>
#include "host_core.h"
#include "sark.h"

const struct emu_host_ops *emu_host_ops;
void *emu_host_core;
uint32_t emu_host_x, emu_host_y, emu_host_p;
void *emu_host_ds_table;
vcpu_t emu_host_vcpu_table[18];

EMU_EXPORT int emu_host_attach(const struct emu_host_ops *ops, void *core,
        uint32_t x, uint32_t y, uint32_t p, void *ds_table,
        const char *app_name)
{
    if (ops == NULL || ops->version != EMU_HOST_OPS_VERSION || p >= 18) {
        return -1;
    }
    emu_host_ops = ops;
    emu_host_core = core;
    emu_host_x = x;
    emu_host_y = y;
    emu_host_p = p;
    emu_host_ds_table = ds_table;
    vcpu_t *vcpu = &emu_host_vcpu_table[p];
    vcpu->phys_cpu = (uchar) p;
    vcpu->cpu_state = CPU_STATE_INIT;
    /* user0 holds the region table's board address; the host has none. */
    vcpu->user0 = 0;
    strncpy(vcpu->app_name, app_name, sizeof(vcpu->app_name) - 1);
    return 0;
}
