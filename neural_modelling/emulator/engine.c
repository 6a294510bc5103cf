/*
 * spinndl emulator engine: runs every placed core's own C program on the
 * host and delivers every multicast packet as the generated routing tables
 * would on the machine. API and contract: engine.h.
 *
 * Files: engine.c (this model: cores, interrupts, task queues, timers, the
 * table programs call through, the event loop), engine_build.c (machine,
 * cores, program loading, regions), engine_query.c (results, counters),
 * router.c (routing tables -> cached multicast trees), event_queue.c,
 * watchdog.c (wall-clock limit, crash capture), host_ops.h (the table).
 *
 * Model (deterministic: events ordered by (simulated time in ns, sequence
 * number of scheduling); no wall-clock input):
 * - Cores. Each program core is a private copy of its program's shared
 *   object (dlopen RTLD_LOCAL of a copied file), so globals never collide.
 *   c_main runs at emu_start, in core order, at time 0. Callbacks are
 *   called directly from the event loop; a callback runs instantly on the
 *   host but occupies its core for a simulated time (cost model below).
 * - Priorities as in spin1_api. Priority <= 0 (FIQ/IRQ level) callbacks run
 *   when their interrupt is taken; priority 1..4 callbacks go to the core's
 *   task queues (16-entry rings, 15 usable, per priority; overflow is lost
 *   and counted) and run one at a time, lowest priority number first, FIFO
 *   within a priority, when the core is not busy. Interrupt-level work
 *   arriving while a queued callback runs delays that callback's end.
 * - Interrupts (packet arrival, timer tick, user event, DMA done) are taken
 *   one at a time: one arriving while the interrupt level is busy waits in
 *   arrival order (FIQ/IRQ precedence is not modelled). A packet that waits
 *   longer than ROUTER_DROP_WAIT_NS is dropped by the router (counted with
 *   key and chip); so is a packet for a core that has exited.
 * - Packets: a packet sent at time t from chip C reaches the cores of the
 *   chip after one router hop and a chip k links away after k + 1 hops.
 *   Routing (router.c) follows the tables: first match, default routing
 *   straight through, drops where there is nowhere to go.
 * - Timer: spin1_set_timer_tick(period_us); ticks every period from the
 *   start (or resume); callback arg0 is the tick count from 1, as spin1_api.
 *   FEC programs (simulation_run) start paused; the engine then gives them
 *   their run length like the host's CMD_RUNTIME (emu_set_runtime; default:
 *   run for ever) and they pause themselves at its end.
 * - User events: spin1_trigger_user_event queue of 4 (3 usable), overflow
 *   counted; the software interrupt is taken at the trigger time.
 * - DMA: bytes are copied at once; DMA_TRANSFER_DONE comes after
 *   DMA_SETUP_NS + length * DMA_NS_PER_BYTE, transfers in order; 16 may be
 *   outstanding.
 * - SOURCE cores send what emu_inject queued at its times; SINK cores
 *   record (key, payload, time) for emu_drain and cost nothing.
 * - Failures stop the run (sticky EMU_ERROR): rt_error, a callback past the
 *   wall-clock limit, a crash in a callback, a bad API call. The message
 *   names core (x, y, p), program and reason.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

/* ---- timing model (ARM968 at 200 MHz: 1 cycle = 5 ns) ------------------ */
/* A callback occupies its core for a fixed entry cost (spin1's own code,
 * below) plus the cycles of the work its kernels counted (common/work.h:
 * the one cost table, calibrated against the ARM build), charged whenever
 * the program next talks to the engine (a send, a delay, a schedule) and
 * when the callback returns, so a packet sent after a long loop leaves
 * after it. */
#define NS_PER_CYCLE 5ull
/* Router pipeline plus link to the next chip, per hop. */
#define ROUTER_HOP_NS 100ull
/* A packet callback: FIQ entry, spin1's dispatch and exit. */
#define PACKET_CALLBACK_NS (WORK_CYCLES_PACKET_INTERRUPT * NS_PER_CYCLE)
/* Other interrupts' callbacks and queued callbacks: spin1's dispatch. */
#define TIMER_CALLBACK_NS (WORK_CYCLES_OTHER_INTERRUPT * NS_PER_CYCLE)
#define USER_CALLBACK_NS (WORK_CYCLES_OTHER_INTERRUPT * NS_PER_CYCLE)
#define DMA_DONE_CALLBACK_NS (WORK_CYCLES_OTHER_INTERRUPT * NS_PER_CYCLE)
#define SCHEDULED_CALLBACK_NS (WORK_CYCLES_TASK * NS_PER_CYCLE)
/* An interrupt whose callback is queued, not run (~40 cycles). */
#define ISR_ENQUEUE_NS 200ull
/* spin1_send_mc_packet: writing one packet to the communications
 * controller. */
#define SEND_NS (WORK_CYCLES_PACKET_SEND * NS_PER_CYCLE)

#define WORK_AS_CYCLES(name, cycles) cycles,
static const uint32_t work_cycles[N_WORK_KINDS] = {
    WORK_KINDS(WORK_AS_CYCLES)
};
#undef WORK_AS_CYCLES

/* Advances the core's clock by the work its kernels counted since the
 * last charge. */
static void charge_work(emu_core_t *core)
{
    const work_counters_t *work = core->work;
    if (work == NULL) {
        return;
    }
    uint64_t cycles = 0;
    for (uint32_t k = 0; k < N_WORK_KINDS; k++) {
        uint32_t done = work->count[k] - core->work_seen[k];  /* wraps */
        if (done != 0) {
            core->work_seen[k] += done;
            core->work_total[k] += done;
            cycles += (uint64_t) done * work_cycles[k];
        }
    }
    core->clock += cycles * NS_PER_CYCLE;
}
/* How long the router waits for a busy core before dropping the packet:
 * generous, so that bursts of up to ~200 packets at one core survive. */
#define ROUTER_DROP_WAIT_NS 50000ull
/* DMA: setup, then ~1 byte/ns from SDRAM. */
#define DMA_SETUP_NS 200ull
#define DMA_NS_PER_BYTE 1ull

#define EV_SCHEDULED N_EVENT_IDS   /* cost class of spin1_schedule_callback */

static uint64_t callback_cost(uint32_t event_id)
{
    switch (event_id) {
    case EV_MC_PACKET:
    case EV_MCPL_PACKET:
        return PACKET_CALLBACK_NS;
    case EV_TIMER_TICK:
        return TIMER_CALLBACK_NS;
    case EV_USER:
        return USER_CALLBACK_NS;
    case EV_DMA_DONE:
        return DMA_DONE_CALLBACK_NS;
    default:
        return SCHEDULED_CALLBACK_NS;
    }
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* ---- errors -------------------------------------------------------------- */

void engine_fail(emu_engine_t *emu, const char *message)
{
    if (!emu->failed) {
        emu->failed = 1;
        emu->error_core = -1;
        snprintf(emu->error, sizeof(emu->error), "emulator: %s", message);
    }
}

static void describe_core_error(emu_engine_t *emu, emu_core_t *core,
                                const char *reason)
{
    if (!emu->failed) {
        emu->failed = 1;
        emu->error_core = (int) core->index;
        snprintf(emu->error, sizeof(emu->error),
                 "core (%u, %u, %u) running %s: %s",
                 core->x, core->y, core->p, core->program, reason);
    }
    if (core->state != CORE_EXITED) {
        core->state = CORE_ERROR;
    }
}

/* A core failed inside its own code: record and leave the run. */
__attribute__((noreturn, format(printf, 2, 3)))
static void core_fail(emu_core_t *core, const char *format, ...)
{
    char reason[384];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof(reason), format, args);
    va_end(args);
    describe_core_error(core->emu, core, reason);
    siglongjmp(core->emu->on_error, 1);
}

/* After a siglongjmp back into an entry point. */
static void landed_after_error(emu_engine_t *emu)
{
    char buf[256];
    const char *reason = watchdog_take_reason(buf, sizeof(buf));
    if (reason != NULL && emu->active_core >= 0) {
        emu_core_t *core = emu->cores[emu->active_core];
        char injected[300];
        if (core->fault_fired) {
            snprintf(injected, sizeof(injected), "%s (an injected fault)",
                     reason);
            reason = injected;
        }
        describe_core_error(emu, core, reason);
    } else if (reason != NULL) {
        engine_fail(emu, reason);
    }
    watchdog_disarm(emu);
}

static const char *rte_name(uint32_t code)
{
    static const char *const names[] = {
        "RTE_NONE", "RTE_RESET", "RTE_UNDEF", "RTE_SVC", "RTE_PABT",
        "RTE_DABT", "RTE_IRQ", "RTE_FIQ", "RTE_VIC", "RTE_ABORT",
        "RTE_MALLOC", "RTE_DIV0", "RTE_EVENT", "RTE_SWERR", "RTE_IOBUF",
        "RTE_ENABLE", "RTE_NULL", "RTE_PKT", "RTE_TIMER", "RTE_API",
        "RTE_VER"};
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : "?";
}

/* ---- scheduling ---------------------------------------------------------- */

static void schedule(emu_engine_t *emu, uint64_t time, uint32_t kind,
                     uint32_t index, uint32_t key, uint32_t payload,
                     uint32_t flags, void *ptr)
{
    event_t ev = {time, emu->next_seq++, kind, index, key, payload, flags, 0,
                  ptr};
    if (event_queue_push(&emu->events, &ev)) {
        engine_fail(emu, "out of memory for events");
    }
}

static inline int core_alive(const emu_core_t *core)
{
    return core->state == CORE_RUNNING || core->state == CORE_PAUSED;
}

/* A packet for a core dropped at the core's chip: the core is gone, or
 * the packet waited too long for it. With reinjection on, the chip's
 * monitor delivers a packet that waited too long to the core again later
 * (a gone core would only drop it again). */
static void core_drop(emu_engine_t *emu, emu_core_t *core, uint32_t key,
                      uint32_t payload, uint32_t has_payload, uint64_t time)
{
    int reinject = emu->reinjection && core_alive(core);
    emu->chips[core->chip].core_drops++;
    record_drop_full(emu, key, core->chip, time, EMU_DROP_ROUTER,
                     (uint32_t) reinject, -1);
    if (reinject) {
        schedule(emu, time + faults_reinject_delay(emu), EVENT_REINJECT,
                 core->index, key, payload, has_payload | 2u, NULL);
    }
}

/* An interrupt at time t takes `stolen` ns from the running task: the
 * earliest of the task's wait time after t not taken yet absorbs what it
 * can (a wait until a deadline ends at the deadline whatever ran meanwhile).
 * Returns the ns absorbed; the rest lengthens the task. Interrupts come in
 * time order, so the cursor only moves on. */
static uint64_t use_pauses(emu_core_t *core, uint64_t t, uint64_t stolen)
{
    while (core->pause_cursor < core->n_pauses
            && core->pauses[core->pause_cursor].end <= t) {
        core->pause_cursor++;
    }
    uint64_t position = core->pause_total;     /* wait time before t */
    if (core->pause_cursor < core->n_pauses) {
        const pause_t *pause = &core->pauses[core->pause_cursor];
        position = pause->before + (t > pause->start ? t - pause->start : 0);
    }
    if (core->pause_used > position) {
        position = core->pause_used;
    }
    uint64_t left = core->pause_total - position;
    uint64_t used = stolen < left ? stolen : left;
    core->pause_used = position + used;
    /* that time was the interrupt's, counted there */
    core->delay_ns -= used;
    core->busy_ns -= used;
    return used;
}

static void record_pause(emu_core_t *core, uint64_t start, uint64_t end)
{
    if (core->n_pauses == core->cap_pauses) {
        uint32_t cap = core->cap_pauses ? 2 * core->cap_pauses : 256;
        pause_t *pauses = realloc(core->pauses, sizeof(pause_t) * cap);
        if (pauses == NULL) {
            engine_fail(core->emu, "out of memory for a core's waits");
            return;
        }
        core->pauses = pauses;
        core->cap_pauses = cap;
    }
    core->pauses[core->n_pauses++] = (pause_t) {start, end,
                                                core->pause_total};
    core->pause_total += end - start;
}

/* Runs one callback of a core starting at `start`; returns its end. */
static inline uint64_t run_callback(emu_core_t *core, emu_callback_fn cb,
                                    uint32_t arg0, uint32_t arg1,
                                    uint64_t start, uint64_t cost)
{
    core->emu->active_core = (int) core->index;
    core->clock = start + cost;
    watchdog_enter_callback();
    if (core->fault_action) {
        faults_act_in_callback(core);
    }
    cb(arg0, arg1);
    watchdog_leave_callback();
    charge_work(core);
    core->counters.callbacks++;
    core->busy_ns += core->clock - start;
    return core->clock;
}

static int task_push(emu_core_t *core, uint32_t priority, emu_callback_fn cb,
                     uint32_t arg0, uint32_t arg1, uint32_t event_id)
{
    task_queue_t *q = &core->tasks[priority - 1];
    uint32_t next = (q->end + 1) % TASK_QUEUE_SIZE;
    if (next == q->start) {
        core->counters.queue_overflows++;
        return 0;
    }
    q->items[q->end] = (task_t) {cb, arg0, arg1, event_id};
    q->end = next;
    return 1;
}

static int task_pop(emu_core_t *core, task_t *out)
{
    for (uint32_t i = 0; i < N_TASK_PRIORITIES; i++) {
        task_queue_t *q = &core->tasks[i];
        if (q->start != q->end) {
            *out = q->items[q->start];
            q->start = (q->start + 1) % TASK_QUEUE_SIZE;
            return 1;
        }
    }
    return 0;
}

static int tasks_waiting(const emu_core_t *core)
{
    for (uint32_t i = 0; i < N_TASK_PRIORITIES; i++) {
        if (core->tasks[i].start != core->tasks[i].end) {
            return 1;
        }
    }
    return 0;
}

static void kick_dispatch(emu_core_t *core, uint64_t not_before)
{
    if (!core->dispatch_pending && tasks_waiting(core)) {
        core->dispatch_pending = 1;
        uint64_t when = max_u64(not_before,
                max_u64(core->busy_until, core->irq_busy_until));
        schedule(core->emu, when, EVENT_DISPATCH, core->index, 0, 0, 0, NULL);
    }
}

static void irq_fifo_push(emu_core_t *core, uint32_t event_id, uint32_t arg0,
                          uint32_t arg1, uint64_t arrival)
{
    if (core->irq_n == core->irq_cap) {
        uint32_t cap = core->irq_cap ? core->irq_cap * 2 : 64;
        irq_request_t *fifo = malloc(sizeof(irq_request_t) * cap);
        if (fifo == NULL) {
            engine_fail(core->emu, "out of memory for interrupts");
            return;
        }
        for (uint32_t i = 0; i < core->irq_n; i++) {
            fifo[i] = core->irq_fifo[(core->irq_start + i) % core->irq_cap];
        }
        free(core->irq_fifo);
        core->irq_fifo = fifo;
        core->irq_start = 0;
        core->irq_cap = cap;
    }
    irq_request_t *r =
        &core->irq_fifo[(core->irq_start + core->irq_n) % core->irq_cap];
    *r = (irq_request_t) {event_id, arg0, arg1,
                          event_id == EV_MCPL_PACKET, arrival};
    core->irq_n++;
    if (!core->irq_drain_pending) {
        core->irq_drain_pending = 1;
        schedule(core->emu, max_u64(arrival, core->irq_busy_until),
                 EVENT_IRQ_DRAIN, core->index, 0, 0, 0, NULL);
    }
}

static void stop_timer(emu_core_t *core);

/* An injected core fault whose time has come: a stop takes effect now
 * (returns 1: the interrupt is not taken); a hang or crash waits for the
 * core's next callback. */
static int fire_core_fault(emu_core_t *core, uint32_t event_id, uint32_t key,
                           uint32_t payload, uint64_t t)
{
    const emu_fault_t *fault = core->fault;
    core->fault = NULL;
    core->fault_fired = fault->kind + 1;
    core->emu->fault_counters.core_faults++;
    if (fault->kind != EMU_FAULT_STOP) {
        core->fault_action = fault->kind;
        return 0;
    }
    core->state = CORE_STOPPED;
    stop_timer(core);
    if (event_id == EV_MC_PACKET || event_id == EV_MCPL_PACKET) {
        core_drop(core->emu, core, key, payload, event_id == EV_MCPL_PACKET,
                  t);
    }
    return 1;
}

/* The core takes an interrupt at time t (its interrupt level is free). */
static void take_interrupt(emu_core_t *core, uint32_t event_id, uint32_t arg0,
                           uint32_t arg1, uint64_t t)
{
    emu_engine_t *emu = core->emu;
    if (core->fault != NULL
            && core->counters.received >= core->fault->after_packets
            && fire_core_fault(core, event_id, arg0, arg1, t)) {
        return;
    }
    switch (event_id) {
    case EV_MC_PACKET:
    case EV_MCPL_PACKET:
        core->counters.received++;
        emu->deliveries++;
        break;
    case EV_TIMER_TICK:
        arg0 = ++core->ticks;
        arg1 = 0;
        break;
    case EV_USER:
        if (core->user_start == core->user_end) {
            return;    /* spurious: an earlier interrupt took the event */
        }
        arg0 = core->user_args[core->user_start][0];
        arg1 = core->user_args[core->user_start][1];
        core->user_start = (core->user_start + 1) % USER_EVENT_QUEUE_SIZE;
        if (core->user_start != core->user_end && !core->soft_int_pending) {
            /* the software interrupt stays raised while events remain */
            core->soft_int_pending = 1;
            schedule(emu, t, EVENT_SOFT_INT, core->index, 0, 0, 0, NULL);
        }
        break;
    case EV_DMA_DONE:
        core->dma_outstanding--;
        break;
    default:
        break;
    }
    emu_callback_fn cb = core->callbacks[event_id];
    if (cb == NULL) {
        return;    /* no callback: the event is discarded, as on the board */
    }
    uint64_t end;
    if (core->priorities[event_id] <= 0) {
        end = run_callback(core, cb, arg0, arg1, t, callback_cost(event_id));
    } else {
        task_push(core, (uint32_t) core->priorities[event_id], cb, arg0, arg1,
                  event_id);
        end = t + ISR_ENQUEUE_NS;
    }
    core->irq_busy_until = end;
    if (core->busy_until > t) {
        /* the interrupt stole that time from the task, but the task's
         * waits after it give it back */
        uint64_t stolen = end - t;
        core->busy_until += stolen - use_pauses(core, t, stolen);
    }
    if (core_alive(core)) {
        kick_dispatch(core, end);
    }
}

static inline void interrupt(emu_core_t *core, uint32_t event_id,
                             uint32_t arg0, uint32_t arg1, uint64_t t)
{
    if (core->irq_n != 0 || core->irq_busy_until > t) {
        irq_fifo_push(core, event_id, arg0, arg1, t);
    } else {
        take_interrupt(core, event_id, arg0, arg1, t);
    }
}

static void sink_record(emu_core_t *core, uint32_t key, uint32_t payload,
                        uint64_t t)
{
    sink_buffer_t *s = &core->sink;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 1024;
        uint32_t *keys = realloc(s->keys, sizeof(uint32_t) * cap);
        uint32_t *payloads = keys ? realloc(s->payloads, sizeof(uint32_t) * cap) : NULL;
        uint64_t *times = payloads ? realloc(s->times, sizeof(uint64_t) * cap) : NULL;
        if (keys) {
            s->keys = keys;
        }
        if (payloads) {
            s->payloads = payloads;
        }
        if (times == NULL) {
            engine_fail(core->emu, "out of memory for a sink's packets");
            return;
        }
        s->times = times;
        s->cap = cap;
    }
    s->keys[s->n] = key;
    s->payloads[s->n] = payload;
    s->times[s->n] = t;
    s->n++;
}

static inline void deliver_packet(emu_engine_t *emu, emu_core_t *core,
                                  uint32_t key, uint32_t payload,
                                  uint32_t has_payload, uint64_t t)
{
    if (core->kind == EMU_CORE_PROGRAM) {
        if (!core_alive(core)) {
            core_drop(emu, core, key, payload, has_payload, t);
            return;
        }
        interrupt(core, has_payload ? EV_MCPL_PACKET : EV_MC_PACKET, key,
                  payload, t);
        return;
    }
    core->counters.received++;
    emu->deliveries++;
    if (core->kind == EMU_CORE_SINK) {
        sink_record(core, key, payload, t);
    }
}

/* A packet sent by core `sender` (-1: re-sent by a monitor) leaves chip
 * `chip` at time t. */
static void send_from_chip(emu_engine_t *emu, uint32_t chip, uint32_t key,
                           uint32_t payload, uint32_t has_payload, uint64_t t,
                           int32_t sender)
{
    if (emu->n_packet_faults && sender >= 0) {
        uint64_t extra = 0;
        uint32_t dropped = faults_on_packet(emu, sender, key, &extra);
        if (dropped) {
            /* a parity error's data is wrong: never re-sent */
            int reinject = emu->reinjection && dropped == EMU_DROP_FAULT;
            record_drop_full(emu, key, chip, t, dropped, (uint32_t) reinject,
                             sender);
            if (reinject) {
                schedule(emu, t + faults_reinject_delay(emu), EVENT_REINJECT,
                         chip, key, payload, has_payload, NULL);
            }
            return;
        }
        t += extra;
    }
    multicast_tree_t *tree = router_tree(emu, chip, key);
    if (tree == NULL) {
        engine_fail(emu, "out of memory for routes");
        return;
    }
    tree->uses++;
    for (uint32_t i = 0; i < tree->n_drops; i++) {
        record_drop(emu, key, tree->drops[i].chip,
                    t + (tree->drops[i].delay_ns + 1) * ROUTER_HOP_NS);
    }
    for (uint32_t g = 0; g < tree->n_groups; g++) {
        schedule(emu, t + (tree->groups[g].delay_ns + 1) * ROUTER_HOP_NS,
                 EVENT_DELIVER_GROUP, g, key, payload, has_payload, tree);
    }
}

static void stop_timer(emu_core_t *core)
{
    core->timer_generation++;
    core->timer_active = 0;
}

/* The timer interrupt is on while the core runs, has a period and has a
 * TIMER_TICK callback (spin1_api enables it only then). */
static void start_timer(emu_core_t *core, uint64_t from)
{
    stop_timer(core);
    if (core->timer_period_ns == 0 || core->callbacks[EV_TIMER_TICK] == NULL) {
        return;
    }
    core->timer_active = 1;
    uint64_t first = core->timer_phase_ns ? core->timer_phase_ns
                                          : core->timer_period_ns;
    schedule(core->emu, from + first, EVENT_TIMER, core->index, 0,
             core->timer_generation, 0, NULL);
}

/* ---- the table the programs' host support forwards to ------------------ */

static void op_callback_on(void *c, uint32_t event_id, emu_callback_fn cb,
                           int32_t priority)
{
    emu_core_t *core = c;
    if (event_id >= N_EVENT_IDS) {
        core_fail(core, "spin1_callback_on: no event %u", event_id);
    }
    if (priority < -1 || priority > N_TASK_PRIORITIES) {
        core_fail(core, "spin1_callback_on(%u): priority %d is not in -1..%d",
                  event_id, priority, N_TASK_PRIORITIES);
    }
    core->callbacks[event_id] = cb;
    core->priorities[event_id] = priority;
    if (event_id == EV_TIMER_TICK && core->state == CORE_RUNNING
            && !core->timer_active) {
        start_timer(core, core->clock);
    }
}

static void op_callback_off(void *c, uint32_t event_id)
{
    emu_core_t *core = c;
    if (event_id < N_EVENT_IDS) {
        core->callbacks[event_id] = NULL;
    }
    if (event_id == EV_TIMER_TICK) {
        stop_timer(core);
    }
}

static uint32_t op_schedule_callback(void *c, emu_callback_fn cb,
                                     uint32_t arg0, uint32_t arg1,
                                     uint32_t priority)
{
    emu_core_t *core = c;
    if (priority < 1 || priority > N_TASK_PRIORITIES) {
        core_fail(core, "spin1_schedule_callback: priority %u is not in 1..%d",
                  priority, N_TASK_PRIORITIES);
    }
    if (!task_push(core, priority, cb, arg0, arg1, EV_SCHEDULED)) {
        return 0;
    }
    charge_work(core);
    kick_dispatch(core, core->clock);
    return 1;
}

static uint32_t op_trigger_user_event(void *c, uint32_t arg0, uint32_t arg1)
{
    emu_core_t *core = c;
    uint32_t next = (core->user_end + 1) % USER_EVENT_QUEUE_SIZE;
    if (next == core->user_start) {
        core->counters.queue_overflows++;
        return 0;
    }
    core->user_args[core->user_end][0] = arg0;
    core->user_args[core->user_end][1] = arg1;
    core->user_end = next;
    charge_work(core);
    if (!core->soft_int_pending) {
        core->soft_int_pending = 1;
        schedule(core->emu, core->clock, EVENT_SOFT_INT, core->index, 0, 0, 0,
                 NULL);
    }
    return 1;
}

static uint32_t op_send_packet(void *c, uint32_t key, uint32_t payload,
                               uint32_t has_payload)
{
    emu_core_t *core = c;
    charge_work(core);
    core->clock += SEND_NS;
    core->counters.sent++;
    send_from_chip(core->emu, core->chip, key, payload, has_payload,
                   core->clock, (int32_t) core->index);
    return 1;
}

static uint32_t op_dma_transfer(void *c, uint32_t tag, uint32_t length)
{
    emu_core_t *core = c;
    if (core->dma_outstanding >= DMA_QUEUE_SIZE) {
        core->counters.queue_overflows++;
        return 0;
    }
    core->dma_outstanding++;
    if (++core->dma_next_id == 0) {
        core->dma_next_id = 1;
    }
    charge_work(core);
    uint64_t start = max_u64(core->clock, core->dma_free_at);
    core->dma_free_at = start + DMA_SETUP_NS + length * DMA_NS_PER_BYTE;
    schedule(core->emu, core->dma_free_at, EVENT_DMA_DONE, core->index, 0,
             core->dma_next_id, tag, NULL);
    return core->dma_next_id;
}

static void op_set_timer_tick(void *c, uint32_t period_us, uint32_t phase_us)
{
    emu_core_t *core = c;
    core->timer_period_ns = (uint64_t) period_us * 1000;
    core->timer_phase_ns = (uint64_t) phase_us * 1000;
    if (core->state == CORE_RUNNING) {
        start_timer(core, core->clock);
    }
}

static uint32_t op_start(void *c, uint32_t paused)
{
    emu_core_t *core = c;
    if (core->state != CORE_NOT_STARTED) {
        return 0;
    }
    core->state = paused ? CORE_PAUSED : CORE_RUNNING;
    if (!paused) {
        start_timer(core, core->clock);
    }
    return 0;
}

static void op_pause(void *c)
{
    emu_core_t *core = c;
    if (core->state == CORE_RUNNING) {
        core->state = CORE_PAUSED;
        stop_timer(core);
    }
}

static void op_resume(void *c)
{
    emu_core_t *core = c;
    if (core->state == CORE_PAUSED) {
        core->state = CORE_RUNNING;
        start_timer(core, core->clock);
    }
}

static void op_exit(void *c, uint32_t code)
{
    emu_core_t *core = c;
    (void) code;
    if (core_alive(core) || core->state == CORE_NOT_STARTED) {
        core->state = CORE_EXITED;
        stop_timer(core);
        core->emu->n_exited++;
        for (uint32_t i = 0; i < N_TASK_PRIORITIES; i++) {
            core->tasks[i].start = core->tasks[i].end = 0;
        }
    }
}

static uint32_t op_ticks(void *c)
{
    return ((emu_core_t *) c)->ticks;
}

static void op_delay_us(void *c, uint32_t us)
{
    charge_work((emu_core_t *) c);
    ((emu_core_t *) c)->clock += (uint64_t) us * 1000;
    ((emu_core_t *) c)->delay_ns += (uint64_t) us * 1000;
}

static uint32_t op_clock_cycles(void *c)
{
    emu_core_t *core = c;
    charge_work(core);
    return (uint32_t) (core->clock / NS_PER_CYCLE);
}

static void op_wait_until_cycles(void *c, uint32_t deadline)
{
    emu_core_t *core = c;
    int32_t ahead = (int32_t) (deadline - op_clock_cycles(core));
    if (ahead <= 0) {
        return;
    }
    uint64_t ns = (uint64_t) ahead * NS_PER_CYCLE;
    if (core->in_task) {
        record_pause(core, core->clock, core->clock + ns);
    }
    core->clock += ns;
    core->delay_ns += ns;
}

static void op_cpu_state(void *c, uint32_t state)
{
    (void) c;
    (void) state;
}

static void op_rt_error(void *c, uint32_t code, const char *detail)
{
    emu_core_t *core = c;
    core_fail(core, "%s(%u %s) at %llu ns (tick %u)", detail, code,
              rte_name(code), (unsigned long long) core->clock, core->ticks);
}

static void op_log(void *c, int32_t level, const char *text)
{
    emu_core_t *core = c;
    const char *tag = level == 0 ? "" : level <= 10 ? "ERROR: "
                    : level <= 20 ? "WARNING: " : level <= 30 ? "" : "DEBUG: ";
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '\n') {
        n--;
    }
    fprintf(stderr, "[core %u,%u,%u %s] %s%.*s\n", core->x, core->y, core->p,
            core->program, tag, (int) n, text);
}

const struct emu_host_ops engine_host_ops_template = {
    .version = EMU_HOST_OPS_VERSION,
    .callback_on = op_callback_on,
    .callback_off = op_callback_off,
    .schedule_callback = op_schedule_callback,
    .trigger_user_event = op_trigger_user_event,
    .send_packet = op_send_packet,
    .dma_transfer = op_dma_transfer,
    .set_timer_tick = op_set_timer_tick,
    .start = op_start,
    .pause = op_pause,
    .resume = op_resume,
    .exit = op_exit,
    .ticks = op_ticks,
    .delay_us = op_delay_us,
    .clock_cycles = op_clock_cycles,
    .wait_until_cycles = op_wait_until_cycles,
    .cpu_state = op_cpu_state,
    .rt_error = op_rt_error,
    .log = op_log,
    .log_level = NULL,    /* per engine: see emu_create */
};

/* ---- running ------------------------------------------------------------- */

/* Gives a paused FEC core its next run (the host's CMD_RUNTIME). */
static void apply_runtime(emu_engine_t *emu, emu_core_t *core)
{
    if (core->set_runtime == NULL || core->state != CORE_PAUSED) {
        return;
    }
    uint32_t start = core->run_end_tick;
    uint32_t end = emu->run_infinite ? UINT32_MAX : start + emu->run_ticks;
    emu->active_core = (int) core->index;
    core->clock = max_u64(emu->now, core->busy_until);
    watchdog_enter_callback();
    int uses_fec = core->set_runtime(end, emu->run_infinite, start);
    watchdog_leave_callback();
    if (uses_fec) {
        core->run_end_tick = end;
    }
}

int emu_start(emu_engine_t *emu)
{
    if (emu->failed) {
        return -1;
    }
    if (emu->started) {
        return 0;
    }
    if (watchdog_arm(emu)) {
        return -1;
    }
    if (sigsetjmp(emu->on_error, 1)) {
        landed_after_error(emu);
        return -1;
    }
    emu->started = 1;
    for (uint32_t i = 0; i < emu->n_cores; i++) {
        emu_core_t *core = emu->cores[i];
        if (core->kind != EMU_CORE_PROGRAM) {
            core->state = CORE_RUNNING;
            continue;
        }
        emu->active_core = (int) i;
        core->clock = emu->now;
        watchdog_enter_callback();
        core->c_main();
        watchdog_leave_callback();
        charge_work(core);
        core->busy_until = core->clock;
        if (core->state == CORE_NOT_STARTED) {
            /* c_main returned without spin1_start: the core is done */
            core->state = CORE_EXITED;
            emu->n_exited++;
        }
    }
    for (uint32_t i = 0; i < emu->n_cores; i++) {
        apply_runtime(emu, emu->cores[i]);
    }
    emu->active_core = -1;
    watchdog_disarm(emu);
    return 0;
}

int emu_set_runtime(emu_engine_t *emu, uint32_t run_ticks, int infinite)
{
    if (emu->failed) {
        return -1;
    }
    emu->run_ticks = run_ticks;
    emu->run_infinite = infinite ? 1 : 0;
    if (!emu->started) {
        return 0;
    }
    if (watchdog_arm(emu)) {
        return -1;
    }
    if (sigsetjmp(emu->on_error, 1)) {
        landed_after_error(emu);
        return -1;
    }
    for (uint32_t i = 0; i < emu->n_cores; i++) {
        apply_runtime(emu, emu->cores[i]);
    }
    emu->active_core = -1;
    watchdog_disarm(emu);
    return 0;
}

static void on_deliver_group(emu_engine_t *emu, const event_t *ev)
{
    const multicast_tree_t *tree = ev->ptr;
    const delivery_group_t *group = &tree->groups[ev->index];
    const uint32_t *cores = &tree->cores[group->first];
    for (uint32_t i = 0; i < group->count; i++) {
        deliver_packet(emu, emu->cores[cores[i]], ev->key, ev->payload,
                       ev->flags, ev->time);
    }
}

static void on_timer(emu_engine_t *emu, const event_t *ev)
{
    emu_core_t *core = emu->cores[ev->index];
    if (ev->payload != core->timer_generation || core->state != CORE_RUNNING) {
        return;
    }
    schedule(emu, ev->time + core->timer_period_ns, EVENT_TIMER, core->index,
             0, core->timer_generation, 0, NULL);
    interrupt(core, EV_TIMER_TICK, 0, 0, ev->time);
}

static void on_irq_drain(emu_engine_t *emu, const event_t *ev)
{
    emu_core_t *core = emu->cores[ev->index];
    uint64_t t = ev->time;
    core->irq_drain_pending = 0;
    while (core->irq_n > 0) {
        irq_request_t *r = &core->irq_fifo[core->irq_start];
        int is_packet = r->event_id == EV_MC_PACKET
                || r->event_id == EV_MCPL_PACKET;
        if (is_packet && (!core_alive(core)
                || t - r->arrival_ns > ROUTER_DROP_WAIT_NS)) {
            core_drop(emu, core, r->arg0, r->arg1, r->has_payload,
                      core_alive(core)
                      ? r->arrival_ns + ROUTER_DROP_WAIT_NS : t);
        } else if (!core_alive(core)) {
            /* an exited core takes no more interrupts */
        } else if (core->irq_busy_until > t) {
            core->irq_drain_pending = 1;
            schedule(emu, core->irq_busy_until, EVENT_IRQ_DRAIN, core->index,
                     0, 0, 0, NULL);
            return;
        } else {
            irq_request_t request = *r;
            core->irq_start = (core->irq_start + 1) % core->irq_cap;
            core->irq_n--;
            take_interrupt(core, request.event_id, request.arg0, request.arg1,
                           t);
            continue;
        }
        core->irq_start = (core->irq_start + 1) % core->irq_cap;
        core->irq_n--;
    }
}

static void on_dispatch(emu_engine_t *emu, const event_t *ev)
{
    emu_core_t *core = emu->cores[ev->index];
    core->dispatch_pending = 0;
    if (!core_alive(core)) {
        return;
    }
    uint64_t ready = max_u64(core->busy_until, core->irq_busy_until);
    if (ready > ev->time) {
        kick_dispatch(core, ready);
        return;
    }
    task_t task;
    if (!task_pop(core, &task)) {
        return;
    }
    core->n_pauses = 0;
    core->pause_cursor = 0;
    core->pause_total = 0;
    core->pause_used = 0;
    core->in_task = 1;
    core->busy_until = run_callback(core, task.cb, task.arg0, task.arg1,
                                    ev->time, callback_cost(task.event_id));
    core->in_task = 0;
    if (core_alive(core)) {
        kick_dispatch(core, core->busy_until);
    }
}

static void on_soft_int(emu_engine_t *emu, const event_t *ev)
{
    emu_core_t *core = emu->cores[ev->index];
    core->soft_int_pending = 0;
    if (core_alive(core) && core->user_start != core->user_end) {
        interrupt(core, EV_USER, 0, 0, ev->time);
    }
}

static void on_dma_done(emu_engine_t *emu, const event_t *ev)
{
    emu_core_t *core = emu->cores[ev->index];
    if (core_alive(core)) {
        interrupt(core, EV_DMA_DONE, ev->payload, ev->flags, ev->time);
    }
}

static void on_source_send(emu_engine_t *emu, const event_t *ev)
{
    source_batch_t *batch = ev->ptr;
    emu_core_t *core = emu->cores[batch->core];
    uint32_t i = ev->index;
    core->counters.sent++;
    send_from_chip(emu, core->chip, batch->keys[i],
                   batch->payloads ? batch->payloads[i] : 0,
                   batch->has_payload, ev->time, (int32_t) core->index);
    if (i + 1 < batch->n) {
        uint64_t next = max_u64(ev->time,
                batch->start_ns + (uint64_t) (i + 1) * batch->interval_ns);
        schedule(emu, next, EVENT_SOURCE_SEND, i + 1, 0, 0, 0, batch);
        return;
    }
    if (batch->prev != NULL) {
        batch->prev->next = batch->next;
    } else {
        emu->sources = batch->next;
    }
    if (batch->next != NULL) {
        batch->next->prev = batch->prev;
    }
    free(batch->keys);
    free(batch->payloads);
    free(batch);
}

/* A monitor re-sends a dropped packet: from the chip that dropped it
 * (index: chip), or (flags bit 1) to the one core that could not take it
 * (index: core). */
static void on_reinject(emu_engine_t *emu, const event_t *ev)
{
    uint32_t has_payload = ev->flags & 1u;
    if (ev->flags & 2u) {
        deliver_packet(emu, emu->cores[ev->index], ev->key, ev->payload,
                       has_payload, ev->time);
    } else {
        send_from_chip(emu, ev->index, ev->key, ev->payload, has_payload,
                       ev->time, -1);
    }
}

static int run_events(emu_engine_t *emu, uint64_t until_ns)
{
    for (;;) {
        if (emu->failed) {
            return EMU_ERROR;
        }
        if (emu->n_program_cores && emu->n_exited == emu->n_program_cores) {
            return EMU_ALL_EXITED;
        }
        const event_t *next = event_queue_peek(&emu->events);
        if (next != NULL && next->kind == EVENT_TIMER
                && next->payload != emu->cores[next->index]->timer_generation) {
            event_t stale;    /* a stopped timer's tick: not an event at all */
            event_queue_pop(&emu->events, &stale);
            continue;
        }
        if (next == NULL) {
            return EMU_IDLE;
        }
        if (until_ns && next->time > until_ns) {
            emu->now = until_ns;
            return EMU_TIME_REACHED;
        }
        event_t ev;
        event_queue_pop(&emu->events, &ev);
        emu->now = ev.time;
        switch (ev.kind) {
        case EVENT_DELIVER_GROUP:
            on_deliver_group(emu, &ev);
            break;
        case EVENT_TIMER:
            on_timer(emu, &ev);
            break;
        case EVENT_IRQ_DRAIN:
            on_irq_drain(emu, &ev);
            break;
        case EVENT_DISPATCH:
            on_dispatch(emu, &ev);
            break;
        case EVENT_SOFT_INT:
            on_soft_int(emu, &ev);
            break;
        case EVENT_DMA_DONE:
            on_dma_done(emu, &ev);
            break;
        case EVENT_SOURCE_SEND:
            on_source_send(emu, &ev);
            break;
        case EVENT_REINJECT:
            on_reinject(emu, &ev);
            break;
        default:
            engine_fail(emu, "unknown event");
            break;
        }
    }
}

int emu_run(emu_engine_t *emu, uint64_t until_ns)
{
    if (emu->failed) {
        return EMU_ERROR;
    }
    if (!emu->started && emu_start(emu)) {
        return EMU_ERROR;
    }
    if (until_ns && until_ns < emu->now) {
        return EMU_TIME_REACHED;
    }
    if (watchdog_arm(emu)) {
        return EMU_ERROR;    /* another engine runs: not this one's fault */
    }
    if (sigsetjmp(emu->on_error, 1)) {
        landed_after_error(emu);
        return EMU_ERROR;
    }
    int status = run_events(emu, until_ns);
    emu->active_core = -1;
    watchdog_disarm(emu);
    return status;
}

int emu_inject(emu_engine_t *emu, int core_index, uint64_t start_ns,
               uint64_t interval_ns, const uint32_t *keys,
               const uint32_t *payloads, int has_payload, uint32_t n)
{
    emu_core_t *core = core_of(emu, core_index);
    if (core == NULL || core->kind != EMU_CORE_SOURCE) {
        return usage_error(emu, "core %d is not a source", core_index);
    }
    if (n == 0) {
        return 0;
    }
    source_batch_t *batch = calloc(1, sizeof(*batch));
    if (batch == NULL) {
        return usage_error(emu, "out of memory for injected packets");
    }
    batch->keys = malloc(sizeof(uint32_t) * n);
    if (payloads != NULL) {
        batch->payloads = malloc(sizeof(uint32_t) * n);
    }
    if (batch->keys == NULL || (payloads != NULL && batch->payloads == NULL)) {
        free(batch->keys);
        free(batch->payloads);
        free(batch);
        return usage_error(emu, "out of memory for injected packets");
    }
    memcpy(batch->keys, keys, sizeof(uint32_t) * n);
    if (payloads != NULL) {
        memcpy(batch->payloads, payloads, sizeof(uint32_t) * n);
    }
    batch->core = core->index;
    batch->start_ns = max_u64(start_ns, emu->now);
    batch->interval_ns = interval_ns;
    batch->n = n;
    batch->has_payload = has_payload ? 1 : 0;
    batch->next = emu->sources;
    if (emu->sources != NULL) {
        emu->sources->prev = batch;
    }
    emu->sources = batch;
    schedule(emu, batch->start_ns, EVENT_SOURCE_SEND, 0, 0, 0, 0, batch);
    return 0;
}

