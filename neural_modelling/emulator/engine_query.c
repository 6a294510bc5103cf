/* Reading results, errors and counters back out of the engine. */
#include <string.h>
#include "engine_internal.h"

uint64_t emu_now(const emu_engine_t *emu)
{
    return emu->now;
}

uint32_t emu_drain(emu_engine_t *emu, int core_index, uint32_t *keys,
                   uint32_t *payloads, uint64_t *times_ns, uint32_t max)
{
    emu_core_t *core = core_of(emu, core_index);
    if (core == NULL || core->kind != EMU_CORE_SINK) {
        return 0;
    }
    sink_buffer_t *s = &core->sink;
    uint32_t n = s->n - s->read;
    n = n < max ? n : max;
    if (keys) {
        memcpy(keys, s->keys + s->read, sizeof(uint32_t) * n);
    }
    if (payloads) {
        memcpy(payloads, s->payloads + s->read, sizeof(uint32_t) * n);
    }
    if (times_ns) {
        memcpy(times_ns, s->times + s->read, sizeof(uint64_t) * n);
    }
    s->read += n;
    if (s->read == s->n) {
        s->read = s->n = 0;
    }
    return n;
}

const void *emu_core_region(const emu_engine_t *emu, int core_index,
                            uint32_t region, uint32_t *size)
{
    emu_core_t *core = core_of(emu, core_index);
    if (core == NULL || region >= EMU_DS_N_REGIONS
            || core->ds_table.regions[region].pointer == NULL) {
        return NULL;
    }
    if (size != NULL) {
        *size = core->region_size[region];
    }
    return core->ds_table.regions[region].pointer;
}

const char *emu_error_message(const emu_engine_t *emu)
{
    return emu->error;
}

int emu_error_core(const emu_engine_t *emu)
{
    return emu->error_core;
}

void emu_set_callback_limit(emu_engine_t *emu, double seconds)
{
    emu->callback_limit_s = seconds > 0 ? seconds : DEFAULT_CALLBACK_LIMIT_S;
}

void emu_set_log_level(emu_engine_t *emu, int level)
{
    emu->log_level = level;
}

int emu_core_counters(const emu_engine_t *emu, int core_index,
                      emu_core_counters_t *out)
{
    emu_core_t *core = core_of(emu, core_index);
    if (core == NULL) {
        return -1;
    }
    *out = core->counters;
    out->state = core->state;
    return 0;
}

int emu_chip_counters(const emu_engine_t *emu, uint32_t x, uint32_t y,
                      emu_chip_counters_t *out)
{
    if (x >= emu->width || y >= emu->height) {
        return -1;
    }
    router_count_chip(emu, x * emu->height + y, out);
    return 0;
}

uint64_t emu_drops(const emu_engine_t *emu, emu_drop_t *out, uint32_t max)
{
    uint64_t kept = emu->n_drops < MAX_DROP_RECORDS ? emu->n_drops
                                                    : MAX_DROP_RECORDS;
    if (out != NULL) {
        memcpy(out, emu->drops, sizeof(emu_drop_t) * (kept < max ? kept : max));
    }
    return emu->n_drops;
}

uint64_t emu_deliveries(const emu_engine_t *emu)
{
    return emu->deliveries;
}

#define WORK_AS_NAME(name, cycles) #name,
#define WORK_AS_CYCLES(name, cycles) cycles,
static const char *const work_names[N_WORK_KINDS] = {
    WORK_KINDS(WORK_AS_NAME)
};
static const uint32_t work_kind_cycles[N_WORK_KINDS] = {
    WORK_KINDS(WORK_AS_CYCLES)
};

uint32_t emu_work_kinds(void)
{
    return N_WORK_KINDS;
}

const char *emu_work_kind(uint32_t kind, uint32_t *cycles)
{
    if (kind >= N_WORK_KINDS) {
        return NULL;
    }
    if (cycles != NULL) {
        *cycles = work_kind_cycles[kind];
    }
    return work_names[kind];
}

int emu_core_work(const emu_engine_t *emu, int core_index, uint64_t *totals,
                  uint32_t n, uint64_t *busy_ns, uint64_t *delay_ns)
{
    const emu_core_t *core = core_of(emu, core_index);
    if (core == NULL) {
        return -1;
    }
    for (uint32_t k = 0; k < n && k < N_WORK_KINDS; k++) {
        totals[k] = core->work_total[k];
    }
    if (busy_ns != NULL) {
        *busy_ns = core->busy_ns;
    }
    if (delay_ns != NULL) {
        *delay_ns = core->delay_ns;
    }
    return core->work != NULL;
}
