/*
 * Internal state of the emulator engine, shared by engine.c (cores, events,
 * API), router.c (routing tables and multicast trees), event_queue.c and
 * watchdog.c. Not part of the Python contract.
 */
#ifndef SPINNDL_EMULATOR_ENGINE_INTERNAL_H
#define SPINNDL_EMULATOR_ENGINE_INTERNAL_H

#include <setjmp.h>
#include <stdint.h>
#include "engine.h"
#include "host_ops.h"
#include "../src/common/work.h"

#define N_LINKS 6
#define LINK_LOCAL 6            /* "came in from a core of this chip" */
#define CORES_PER_CHIP 18
#define N_EVENT_IDS 8           /* spin1_api NUM_EVENTS */
#define N_TASK_PRIORITIES 4     /* queued priorities 1..4 (N_TASK_QUEUES) */
#define TASK_QUEUE_SIZE 16      /* spin1_api: ring of 16, holds 15 */
#define USER_EVENT_QUEUE_SIZE 4 /* spin1_api: ring of 4, holds 3 */
#define DMA_QUEUE_SIZE 16       /* spin1_api: outstanding transfers */
#define MAX_DROP_RECORDS 4096   /* drops kept with key, chip and time */
#define MAX_FAULTS 64           /* emu_add_fault entries                */

/* spin1_api event ids (spin1_api.h) */
enum {
    EV_MC_PACKET = 0, EV_DMA_DONE = 1, EV_TIMER_TICK = 2, EV_SDP = 3,
    EV_USER = 4, EV_MCPL_PACKET = 5
};

/* ---- events ---------------------------------------------------------- */
enum event_kind {
    EVENT_DELIVER_GROUP,   /* a multicast packet reaches a group of cores */
    EVENT_TIMER,           /* a core's timer fires                        */
    EVENT_IRQ_DRAIN,       /* a core's interrupt level is free again      */
    EVENT_DISPATCH,        /* a core may start its next queued callback   */
    EVENT_SOFT_INT,        /* a core's user-event interrupt               */
    EVENT_DMA_DONE,        /* a core's DMA transfer completed             */
    EVENT_SOURCE_SEND,     /* a SOURCE core sends its next packet         */
    EVENT_REINJECT         /* a chip's monitor re-sends a dropped packet  */
};

typedef struct {
    uint64_t time;
    uint64_t seq;
    uint32_t kind;
    uint32_t index;        /* core index or group index                   */
    uint32_t key;
    uint32_t payload;      /* or timer generation, DMA id                 */
    uint32_t flags;        /* has_payload, DMA tag                         */
    uint32_t spare;
    void *ptr;             /* multicast tree or source batch              */
} event_t;

typedef struct {
    event_t *items;
    uint32_t n, cap;
} event_queue_t;

int event_queue_push(event_queue_t *q, const event_t *ev);
void event_queue_pop(event_queue_t *q, event_t *out);
static inline const event_t *event_queue_peek(const event_queue_t *q)
{
    return q->n ? &q->items[0] : 0;
}

/* ---- routing ----------------------------------------------------------- */
typedef struct {
    uint32_t key, mask, processor_mask, link_mask;
} route_entry_t;

typedef struct {
    int exists;
    int32_t link_to[N_LINKS];      /* chip index or -1                     */
    int32_t core_at[CORES_PER_CHIP];
    route_entry_t *routes;
    uint32_t n_routes, cap_routes;
    uint64_t core_drops;           /* dropped waiting for a busy core     */
} chip_t;

/* One counter a packet following a tree adds one to at a chip. */
enum { CONTRIB_ROUTED, CONTRIB_DEFAULT, CONTRIB_DROPPED, CONTRIB_LINK0 };
typedef struct {
    uint32_t chip;
    uint32_t what;                 /* CONTRIB_* or CONTRIB_LINK0 + link    */
} contribution_t;

typedef struct {
    uint64_t delay_ns;
    uint32_t first, count;         /* into tree->cores                     */
} delivery_group_t;

typedef struct {
    uint32_t chip;
    uint64_t delay_ns;
} tree_drop_t;

/* Where a packet with one key sent from one chip ends up: worked out once
 * from the routing tables, then reused for every such packet. */
typedef struct multicast_tree {
    struct multicast_tree *next;   /* hash bucket chain                    */
    uint32_t chip, key;
    delivery_group_t *groups;
    uint32_t n_groups;
    uint32_t *cores;               /* delivery order: by delay, core index */
    contribution_t *contributions;
    uint32_t n_contributions;
    tree_drop_t *drops;
    uint32_t n_drops;
    uint64_t uses;                 /* packets that followed this tree      */
} multicast_tree_t;

typedef struct {
    multicast_tree_t **buckets;
    uint32_t n_buckets, n_trees;
} tree_cache_t;

/* ---- cores ------------------------------------------------------------- */
typedef struct {
    emu_callback_fn cb;
    uint32_t arg0, arg1;
    uint32_t event_id;             /* for the cost model                  */
} task_t;

typedef struct {
    task_t items[TASK_QUEUE_SIZE];
    uint32_t start, end;
} task_queue_t;

typedef struct {
    uint32_t event_id;             /* EV_*                                 */
    uint32_t arg0, arg1;
    uint32_t has_payload;
    uint64_t arrival_ns;
} irq_request_t;

typedef struct source_batch {
    struct source_batch *next, *prev;
    uint32_t core;
    uint64_t start_ns, interval_ns;
    uint32_t *keys, *payloads;
    uint32_t n, has_payload;
} source_batch_t;

typedef struct {
    uint32_t *keys, *payloads;
    uint64_t *times;
    uint32_t n, read, cap;
} sink_buffer_t;

enum core_state {
    CORE_NOT_STARTED = 0, CORE_RUNNING = 1, CORE_PAUSED = 2,
    CORE_EXITED = 3, CORE_ERROR = 4,
    CORE_STOPPED = 5               /* an injected stop: takes nothing more */
};

/* An emu_fault_t with how many matching packets it has seen. */
typedef struct {
    emu_fault_t spec;
    uint64_t seen;
} fault_state_t;

/* A wait of a task in core_clock_wait_until, in the task's own timeline,
 * and the time of the task's waits before it. */
typedef struct {
    uint64_t start, end, before;
} pause_t;

typedef struct emu_core {
    struct emu_engine *emu;
    uint32_t index, x, y, p, chip;
    enum emu_core_kind kind;
    uint32_t state;
    char program[64];

    /* program instance */
    void *dl;
    void (*c_main)(void);
    emu_host_set_runtime_fn set_runtime;
    emu_host_release_fn release;
    struct emu_ds_table ds_table;
    uint32_t region_size[EMU_DS_N_REGIONS];

    /* spin1_api state */
    emu_callback_fn callbacks[N_EVENT_IDS];
    int32_t priorities[N_EVENT_IDS];
    task_queue_t tasks[N_TASK_PRIORITIES];
    uint32_t user_args[USER_EVENT_QUEUE_SIZE][2];
    uint32_t user_start, user_end;
    int soft_int_pending;
    irq_request_t *irq_fifo;       /* interrupts waiting for the core     */
    uint32_t irq_start, irq_n, irq_cap;
    int irq_drain_pending, dispatch_pending;

    /* simulated time of the core */
    uint64_t clock;                /* inside a callback: its current time */
    uint64_t busy_until;           /* queued callback in progress         */
    uint64_t irq_busy_until;       /* interrupt-level callback            */

    /* timer */
    uint64_t timer_period_ns, timer_phase_ns;
    uint32_t timer_generation;     /* stale timer events are ignored      */
    int timer_active;
    uint32_t ticks;
    uint32_t run_end_tick;         /* FEC run length so far               */

    /* DMA */
    uint32_t dma_next_id, dma_outstanding;
    uint64_t dma_free_at;

    sink_buffer_t sink;
    emu_core_counters_t counters;

    /* the program's work counters (common/work.h; NULL if it has none),
     * the values already charged, and 64-bit totals */
    const work_counters_t *work;
    uint32_t work_seen[N_WORK_KINDS];
    uint64_t work_total[N_WORK_KINDS];
    uint64_t busy_ns;              /* simulated time spent in callbacks   */
    uint64_t delay_ns;             /* of it, in spin1_delay_us and waits  */

    /* the waits (core_clock_wait_until) of the task running or last run:
     * interrupts taken during the task use their time before they lengthen
     * the task, as on the board, where the clock runs on through them */
    int in_task;
    pause_t *pauses;
    uint32_t n_pauses, cap_pauses, pause_cursor;
    uint64_t pause_total;          /* of the task's waits                 */
    uint64_t pause_used;           /* of that, what interrupts took: the
                                      earliest wait time after each one   */

    /* injected core fault (stop / hang / crash) not fired yet, and the
     * hang or crash the next callback must suffer */
    const emu_fault_t *fault;
    uint32_t fault_action;
    uint32_t fault_fired;          /* kind + 1 of the fault that fired     */
} emu_core_t;

/* ---- the engine -------------------------------------------------------- */
struct emu_engine {
    uint32_t width, height;
    chip_t *chips;
    emu_core_t **cores;
    uint32_t n_cores, cap_cores, n_program_cores, n_exited;
    char tmpdir[256];

    event_queue_t events;
    uint64_t now, next_seq;
    tree_cache_t trees;
    int tables_frozen;             /* trees are cached: no route changes  */

    int started;
    uint32_t run_ticks, run_infinite;
    int32_t log_level;
    double callback_limit_s;

    struct emu_host_ops host_ops;  /* what this engine's programs call   */
    emu_drop_t drops[MAX_DROP_RECORDS];
    uint64_t n_drops;
    uint64_t deliveries;

    source_batch_t *sources;       /* injected packets not yet all sent   */

    /* fault injection and reinjection (faults.c) */
    fault_state_t faults[MAX_FAULTS];
    uint32_t n_faults, n_packet_faults;
    uint64_t rng_state;
    int reinjection;
    uint64_t reinject_delay_ns, reinject_jitter_ns;
    emu_fault_counters_t fault_counters;
    int active_core;               /* whose code runs now (for crashes)   */
    int failed;
    int error_core;
    char error[512];
    sigjmp_buf on_error;           /* set by every entry that runs C code */
};

#define DEFAULT_CALLBACK_LIMIT_S 10.0
#define DEFAULT_LOG_LEVEL 30       /* LOG_INFO: log_debug is off */

/* engine.c */
extern const struct emu_host_ops engine_host_ops_template;
void engine_fail(struct emu_engine *emu, const char *message);

/* engine_build.c: records a usage error message; returns -1 */
__attribute__((format(printf, 2, 3)))
int usage_error(struct emu_engine *emu, const char *format, ...);

static inline emu_core_t *core_of(const struct emu_engine *emu, int core)
{
    return core >= 0 && (uint32_t) core < emu->n_cores ? emu->cores[core]
                                                        : NULL;
}

/* router.c */
int router_init(struct emu_engine *emu);
void router_free(struct emu_engine *emu);
multicast_tree_t *router_tree(struct emu_engine *emu, uint32_t chip,
                              uint32_t key);
void router_count_chip(const struct emu_engine *emu, uint32_t chip,
                       emu_chip_counters_t *out);
void record_drop(struct emu_engine *emu, uint32_t key, uint32_t chip,
                 uint64_t time_ns);
/* A drop with its reason (enum emu_drop_reason), whether the monitor will
 * re-send it and the sending core (-1 unknown). */
void record_drop_full(struct emu_engine *emu, uint32_t key, uint32_t chip,
                      uint64_t time_ns, uint32_t reason, uint32_t reinjected,
                      int32_t sender);

/* faults.c */
/* What the packet faults do to one packet a core sends: 0 (deliver,
 * *extra_delay_ns added), EMU_DROP_FAULT or EMU_DROP_PARITY. */
uint32_t faults_on_packet(struct emu_engine *emu, int32_t sender,
                          uint32_t key, uint64_t *extra_delay_ns);
/* The reinjection delay of one dropped packet (delay plus seeded jitter). */
uint64_t faults_reinject_delay(struct emu_engine *emu);
/* Inside a callback: hang or crash as core->fault_action says. */
void faults_act_in_callback(emu_core_t *core);

/* watchdog.c: wall-clock limit on callbacks and crash capture */
extern volatile uint64_t watchdog_marker;   /* odd while in a callback */
int watchdog_arm(struct emu_engine *emu);    /* before running C code  */
void watchdog_disarm(struct emu_engine *emu);
/* After a siglongjmp into on_error: why (0 none, else a message). */
const char *watchdog_take_reason(char *buf, size_t size);

static inline void watchdog_enter_callback(void)
{
    watchdog_marker++;
}
static inline void watchdog_leave_callback(void)
{
    watchdog_marker++;
}

#endif
