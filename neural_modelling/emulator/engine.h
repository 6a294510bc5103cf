/*
 * spinndl emulator engine: runs the C programs of a mapped SpiNNaker
 * application on the host, one isolated instance per placed core, and routes
 * every multicast packet through the toolchain's generated routing tables.
 *
 * This header is the contract between the engine (engine.c), the host
 * support linked into every program (../host/) and the Python driver
 * (spinndl/emulator/). Python calls these functions through ctypes.
 *
 * Time is simulated, in nanoseconds, and fully deterministic: events are
 * ordered by (time, sequence number of scheduling).
 *
 * Changes to the lead's first version (additions only):
 * - emu_set_runtime(): the run length FEC programs get (the host's
 *   CMD_RUNTIME; the system region holds none). Default: run for ever.
 * - emu_set_log_level(): log_* filtering (default LOG_INFO = 30).
 * - emu_run() calls emu_start() itself if it was not called.
 */
#ifndef SPINNDL_EMULATOR_ENGINE_H
#define SPINNDL_EMULATOR_ENGINE_H

#include <stdint.h>

typedef struct emu_engine emu_engine_t;

/* Results of emu_run. */
enum emu_status {
    EMU_IDLE = 0,          /* no event left: every core waits for input   */
    EMU_TIME_REACHED = 1,  /* simulated time reached the until_ns limit   */
    EMU_ALL_EXITED = 2,    /* every program core has called spin1_exit    */
    EMU_ERROR = 3          /* a core failed: see emu_error_message/core   */
};

/* Kinds of core the engine knows. */
enum emu_core_kind {
    EMU_CORE_PROGRAM = 0,  /* one of our C programs, from a shared object  */
    EMU_CORE_SOURCE = 1,   /* native RIPTMCS model: sends what emu_inject queues */
    EMU_CORE_SINK = 2      /* native LPG model: records every packet it gets */
};

/* Chip links, numbered as spinn_machine / the router do:
 * 0 E, 1 NE, 2 N, 3 W, 4 SW, 5 S. Route link bits 0..5, processor bits 6..23
 * in the router's route word; here they are passed as separate masks. */

/* ---- building the machine ------------------------------------------- */
emu_engine_t *emu_create(uint32_t width, uint32_t height);
void emu_destroy(emu_engine_t *emu);

/* A chip exists at (x, y); call before adding links, routes and cores. */
int emu_add_chip(emu_engine_t *emu, uint32_t x, uint32_t y);
/* The link `link` of chip (x, y) reaches chip (to_x, to_y). */
int emu_add_link(emu_engine_t *emu, uint32_t x, uint32_t y, uint32_t link,
                 uint32_t to_x, uint32_t to_y);
/* One routing table entry of chip (x, y), in table order. */
int emu_add_route(emu_engine_t *emu, uint32_t x, uint32_t y,
                  uint32_t key, uint32_t mask,
                  uint32_t processor_mask, uint32_t link_mask);

/* A core; returns its index (>= 0) or -1. For EMU_CORE_PROGRAM, so_path is
 * the program's host shared object, copied privately for this core so that
 * its globals are its own; NULL for the native kinds. */
int emu_add_core(emu_engine_t *emu, uint32_t x, uint32_t y, uint32_t p,
                 enum emu_core_kind kind, const char *so_path);
/* One data-specification region of a program core, as the toolchain wrote
 * it: its number, its SDRAM address on the machine and its bytes (the
 * engine keeps a copy). data_specification_get_data_address() on that core
 * then returns a region table whose pointers reach these copies. */
int emu_add_region(emu_engine_t *emu, int core, uint32_t region,
                   uint32_t address, const void *data, uint32_t size);

/* ---- running ----------------------------------------------------------- */
/* Runs c_main of every program core (in core order), then gives every FEC
 * core that called simulation_run() its run (see emu_set_runtime).
 * 0 or -1 (see emu_error_message). */
int emu_start(emu_engine_t *emu);
/* Run length for FEC programs (simulation_initialise/simulation_run), in
 * timer ticks, as the host's CMD_RUNTIME gives it; infinite != 0 runs for
 * ever. Before emu_start: the first run (default: infinite). After: every
 * core paused at the end of its run resumes for run_ticks more ticks
 * (its tick counter continues from where it stopped). 0 or -1. */
int emu_set_runtime(emu_engine_t *emu, uint32_t run_ticks, int infinite);
/* Processes events until one of enum emu_status happens; until_ns == 0
 * means no time limit. */
int emu_run(emu_engine_t *emu, uint64_t until_ns);
uint64_t emu_now(const emu_engine_t *emu);

/* Queues packets for a SOURCE core to send, the i-th at start_ns + i *
 * interval_ns (pacing). has_payload 0 sends MC packets, 1 MCPL. */
int emu_inject(emu_engine_t *emu, int core, uint64_t start_ns,
               uint64_t interval_ns, const uint32_t *keys,
               const uint32_t *payloads, int has_payload, uint32_t n);
/* Copies out up to max packets a SINK core has received since the last
 * drain (in arrival order); returns how many. times may be NULL. */
uint32_t emu_drain(emu_engine_t *emu, int core, uint32_t *keys,
                   uint32_t *payloads, uint64_t *times_ns, uint32_t max);

/* A region of a core as the program left it (for reading back results);
 * NULL if the core has no such region. */
const void *emu_core_region(const emu_engine_t *emu, int core,
                            uint32_t region, uint32_t *size);

/* ---- errors and counters -------------------------------------------- */
const char *emu_error_message(const emu_engine_t *emu);
int emu_error_core(const emu_engine_t *emu);
/* Wall-clock seconds a single callback may run before the run fails
 * (default 10). */
void emu_set_callback_limit(emu_engine_t *emu, double seconds);
/* Programs' log_* calls at or below this level reach stderr, prefixed
 * with the core: 10 error, 20 warning, 30 info (default), 40 debug.
 * io_printf output is always shown. */
void emu_set_log_level(emu_engine_t *emu, int level);

typedef struct {
    uint64_t sent;            /* packets the core sent                     */
    uint64_t received;        /* packets delivered to the core             */
    uint64_t callbacks;       /* callbacks run                             */
    uint64_t queue_overflows; /* events lost to a full task/user queue     */
    uint32_t state;           /* 0 not started, 1 running, 2 paused, 3 exited, 4 error */
} emu_core_counters_t;
int emu_core_counters(const emu_engine_t *emu, int core,
                      emu_core_counters_t *out);

/* The kernels' work (src/common/work.h): how many kinds, each kind's name
 * and ARM968 cycles per unit (NULL past the last), and a core's totals of
 * each kind charged so far plus the simulated time it spent in callbacks
 * and, of that, busy-waiting in spin1_delay_us.
 * Returns 1 if the core's program counts its work, 0 if not, -1 for a bad
 * core. */
uint32_t emu_work_kinds(void);
const char *emu_work_kind(uint32_t kind, uint32_t *cycles);
int emu_core_work(const emu_engine_t *emu, int core, uint64_t *totals,
                  uint32_t n, uint64_t *busy_ns, uint64_t *delay_ns);

typedef struct {
    uint64_t routed;          /* packets the chip's router handled        */
    uint64_t default_routed;  /* of those, matched no entry              */
    uint64_t dropped;         /* of those, had nowhere to go             */
    uint64_t link_sent[6];    /* packets sent out of each link           */
} emu_chip_counters_t;
int emu_chip_counters(const emu_engine_t *emu, uint32_t x, uint32_t y,
                      emu_chip_counters_t *out);

/* Why a packet was dropped. */
enum emu_drop_reason {
    EMU_DROP_ROUTER = 0,   /* nowhere to go, or waited too long for a core */
    EMU_DROP_FAULT = 1,    /* an injected drop (emu_add_fault)            */
    EMU_DROP_PARITY = 2    /* an injected bit flip: failed the parity check */
};

typedef struct {
    uint32_t key, x, y;
    uint32_t reason;          /* enum emu_drop_reason                      */
    uint32_t reinjected;      /* 1: the chip's monitor sent it again       */
    int32_t sender;           /* core index that sent it, -1 if unknown    */
    uint64_t time_ns;
} emu_drop_t;
/* Total packets dropped; copies up to max of the first drops into out. */
uint64_t emu_drops(const emu_engine_t *emu, emu_drop_t *out, uint32_t max);
uint64_t emu_deliveries(const emu_engine_t *emu);

/* ---- fault injection and reinjection (docs/reliability.md) ------------ */
enum emu_fault_kind {
    EMU_FAULT_DROP = 0,    /* matching packets are dropped by the router   */
    EMU_FAULT_PARITY = 1,  /* a payload bit flips: the router's parity check
                              drops the packet (counted as a parity error;
                              never re-injected: its data is wrong)        */
    EMU_FAULT_DELAY = 2,   /* matching packets arrive delay_ns later       */
    EMU_FAULT_STOP = 3,    /* the core stops (takes no more interrupts)    */
    EMU_FAULT_HANG = 4,    /* the core's next callback never returns       */
    EMU_FAULT_CRASH = 5    /* the core's next callback crashes (SIGSEGV)   */
};

typedef struct {
    uint32_t kind;         /* enum emu_fault_kind                          */
    int32_t core;          /* packet faults: the sending core, -1 any;
                              core faults: the core                        */
    uint32_t key, mask;    /* packet faults: packets with
                              (key & mask) == key (mask 0: every packet)   */
    uint64_t first;        /* packet faults: matching packets first ..     */
    uint64_t count;        /* .. first + count - 1 (0-based) are hit       */
    double rate;           /* packet faults: each matching packet also with
                              this probability (seeded, deterministic)    */
    uint64_t delay_ns;     /* EMU_FAULT_DELAY                              */
    uint64_t after_packets;/* core faults: once the core has received this
                              many packets, at its next interrupt          */
} emu_fault_t;

/* Adds a fault; 0 or -1 (see emu_error_message). Before or during a run. */
int emu_add_fault(emu_engine_t *emu, const emu_fault_t *fault);
/* Seed of the faults' random numbers (default 1). */
void emu_set_fault_seed(emu_engine_t *emu, uint64_t seed);
/* Reinjection, as the extra monitor cores of a board do it: a packet
 * dropped by a router (not a parity error) is sent again from the chip
 * that dropped it delay_ns later (plus up to jitter_ns, seeded), so it may
 * overtake or be overtaken by later packets. Off by default. */
void emu_set_reinjection(emu_engine_t *emu, int enabled, uint64_t delay_ns,
                         uint64_t jitter_ns);

typedef struct {
    uint64_t dropped;        /* packets dropped, every reason              */
    uint64_t fault_drops;    /* of those, by an injected drop              */
    uint64_t parity_errors;  /* of those, by an injected bit flip          */
    uint64_t reinjected;     /* of those, sent again by the monitor        */
    uint64_t delayed;        /* packets an injected delay held back        */
    uint64_t core_faults;    /* stop / hang / crash faults that fired      */
} emu_fault_counters_t;
void emu_fault_counters(const emu_engine_t *emu, emu_fault_counters_t *out);

#endif
