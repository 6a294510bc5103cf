/*
 * Fault injection and reinjection (engine.h, docs/reliability.md).
 *
 * Packet faults (drop, parity error, delay) act where a core's packet
 * enters its chip's router (engine.c send_from_chip): a packet matches a
 * fault by sending core and key/mask; the fault hits matching packets by
 * index (first .. first + count - 1) and/or with a seeded probability.
 * Re-sent (reinjected) packets are not matched again.
 * Core faults (stop, hang, crash) fire at the core's first interrupt once
 * it has received after_packets packets (engine.c take_interrupt): a
 * stopped core takes nothing more (packets to it are dropped); a hang or
 * crash happens inside the next callback the core runs, where the
 * engine's watchdog and crash capture turn it into a named core error.
 */
#include <signal.h>
#include <string.h>
#include "engine_internal.h"

/* splitmix64: small, seedable, the same numbers everywhere */
static uint64_t next_random(struct emu_engine *emu)
{
    uint64_t z = (emu->rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(struct emu_engine *emu)
{
    return (double) (next_random(emu) >> 11) * (1.0 / 9007199254740992.0);
}

static int is_packet_fault(uint32_t kind)
{
    return kind <= EMU_FAULT_DELAY;
}

int emu_add_fault(emu_engine_t *emu, const emu_fault_t *fault)
{
    if (emu->n_faults >= MAX_FAULTS) {
        return usage_error(emu, "at most %d faults", MAX_FAULTS);
    }
    if (fault->kind > EMU_FAULT_CRASH) {
        return usage_error(emu, "no fault kind %u", fault->kind);
    }
    if (!(fault->rate >= 0.0 && fault->rate <= 1.0)) {
        return usage_error(emu, "fault rate %g is not in 0..1", fault->rate);
    }
    fault_state_t *state = &emu->faults[emu->n_faults];
    state->spec = *fault;
    state->seen = 0;
    if (is_packet_fault(fault->kind)) {
        if (fault->core >= 0 && core_of(emu, fault->core) == NULL) {
            return usage_error(emu, "no core %d to send faulty packets",
                               fault->core);
        }
        emu->n_packet_faults++;
    } else {
        emu_core_t *core = core_of(emu, fault->core);
        if (core == NULL || core->kind != EMU_CORE_PROGRAM) {
            return usage_error(emu, "core fault on %d, not a program core",
                               fault->core);
        }
        if (core->fault != NULL) {
            return usage_error(emu, "core %d already has a fault",
                               fault->core);
        }
        core->fault = &state->spec;
    }
    emu->n_faults++;
    return 0;
}

void emu_set_fault_seed(emu_engine_t *emu, uint64_t seed)
{
    emu->rng_state = seed;
}

void emu_set_reinjection(emu_engine_t *emu, int enabled, uint64_t delay_ns,
                         uint64_t jitter_ns)
{
    emu->reinjection = enabled != 0;
    emu->reinject_delay_ns = delay_ns;
    emu->reinject_jitter_ns = jitter_ns;
}

void emu_fault_counters(const emu_engine_t *emu, emu_fault_counters_t *out)
{
    *out = emu->fault_counters;
    out->dropped = emu->n_drops;
}

uint32_t faults_on_packet(struct emu_engine *emu, int32_t sender,
                          uint32_t key, uint64_t *extra_delay_ns)
{
    uint32_t outcome = 0;
    for (uint32_t i = 0; i < emu->n_faults; i++) {
        fault_state_t *state = &emu->faults[i];
        const emu_fault_t *f = &state->spec;
        if (!is_packet_fault(f->kind) || (f->core >= 0 && f->core != sender)
                || (key & f->mask) != f->key) {
            continue;
        }
        uint64_t index = state->seen++;
        int hit = index >= f->first && index - f->first < f->count;
        if (!hit && f->rate > 0.0) {
            hit = uniform(emu) < f->rate;
        }
        if (!hit || outcome) {
            continue;
        }
        if (f->kind == EMU_FAULT_DELAY) {
            *extra_delay_ns += f->delay_ns;
            emu->fault_counters.delayed++;
        } else if (f->kind == EMU_FAULT_DROP) {
            outcome = EMU_DROP_FAULT;
            emu->fault_counters.fault_drops++;
        } else {
            outcome = EMU_DROP_PARITY;
            emu->fault_counters.parity_errors++;
        }
    }
    return outcome;
}

uint64_t faults_reinject_delay(struct emu_engine *emu)
{
    uint64_t jitter = emu->reinject_jitter_ns
            ? next_random(emu) % (emu->reinject_jitter_ns + 1) : 0;
    return emu->reinject_delay_ns + jitter;
}

void faults_act_in_callback(emu_core_t *core)
{
    uint32_t action = core->fault_action;
    core->fault_action = 0;
    if (action == EMU_FAULT_HANG) {
        /* spins until the watchdog's wall-clock limit ends the callback */
        volatile uint32_t spins = 0;
        for (;;) {
            spins++;
        }
    }
    if (action == EMU_FAULT_CRASH) {
        raise(SIGSEGV);
    }
}
