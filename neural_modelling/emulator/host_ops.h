/*
 * The forwarding table between a program's host support (../host/) and the
 * emulator engine (engine.c).
 *
 * Every program's host shared object contains the host support statically.
 * After dlopen the engine calls the program's emu_host_attach() with this
 * table and an opaque per-core context; from then on every spin1/SARK call
 * the program makes is forwarded to the engine through the table. Callback
 * function pointers are handed to the engine, which calls them directly.
 *
 * The program itself never sees this header: it only includes the real
 * spinnaker_tools / spinn_common / FEC header names.
 */
#ifndef SPINNDL_EMULATOR_HOST_OPS_H
#define SPINNDL_EMULATOR_HOST_OPS_H

#include <stdint.h>

/* Bumped whenever the table changes; attach refuses a mismatch. */
#define EMU_HOST_OPS_VERSION 2u

typedef void (*emu_callback_fn)(uint32_t arg0, uint32_t arg1);

struct emu_host_ops {
    uint32_t version;

    /* spin1_callback_on / _off */
    void (*callback_on)(void *core, uint32_t event_id, emu_callback_fn cb,
                        int32_t priority);
    void (*callback_off)(void *core, uint32_t event_id);
    /* spin1_schedule_callback: SUCCESS (1) or FAILURE (0, queue full) */
    uint32_t (*schedule_callback)(void *core, emu_callback_fn cb,
                                  uint32_t arg0, uint32_t arg1,
                                  uint32_t priority);
    /* spin1_trigger_user_event: SUCCESS or FAILURE (queue full) */
    uint32_t (*trigger_user_event)(void *core, uint32_t arg0, uint32_t arg1);
    /* spin1_send_packet (MC with or without payload): SUCCESS */
    uint32_t (*send_packet)(void *core, uint32_t key, uint32_t payload,
                            uint32_t has_payload);
    /* spin1_dma_transfer after the host side has copied the bytes: returns
     * the transfer id (> 0) or 0 when the DMA queue is full. */
    uint32_t (*dma_transfer)(void *core, uint32_t tag, uint32_t length);
    /* spin1_set_timer_tick_and_phase */
    void (*set_timer_tick)(void *core, uint32_t period_us, uint32_t phase_us);
    /* spin1_start / spin1_start_paused: return at once on the host. */
    uint32_t (*start)(void *core, uint32_t paused);
    void (*pause)(void *core);
    void (*resume)(void *core);
    void (*exit)(void *core, uint32_t code);
    /* spin1_get_simulation_time: timer ticks so far */
    uint32_t (*ticks)(void *core);
    /* spin1_delay_us / sark_delay_us: advances the core's simulated clock
     * (a counted loop: interrupts meanwhile lengthen it) */
    void (*delay_us)(void *core, uint32_t us);
    /* common/core_clock.h: the simulated clock in cycles (mod 2^32), and a
     * wait until a count (interrupts meanwhile use the wait's time) */
    uint32_t (*clock_cycles)(void *core);
    void (*wait_until_cycles)(void *core, uint32_t deadline);
    /* sark_cpu_state */
    void (*cpu_state)(void *core, uint32_t state);
    /* rt_error: records the failure and never returns (longjmps into the
     * engine). */
    void (*rt_error)(void *core, uint32_t code, const char *detail);
    /* one formatted line from io_printf / log_*; level as in debug.h,
     * 0 for io_printf (always shown) */
    void (*log)(void *core, int32_t level, const char *text);
    /* current log level of the engine (LOG_ERROR 10 .. LOG_DEBUG 40):
     * the host support skips formatting messages above it */
    const volatile int32_t *log_level;
};

/*
 * Entry points every program's shared object exports (../host/host_attach.c,
 * ../host/simulation.c). The engine finds them with dlsym.
 */
/* ds_table: the data_specification_metadata_t the program will see. */
typedef int (*emu_host_attach_fn)(const struct emu_host_ops *ops, void *core,
                                  uint32_t x, uint32_t y, uint32_t p,
                                  void *ds_table, const char *app_name);
/* The FEC CMD_RUNTIME of a host: run from start_tick to end_tick (or for
 * ever). Returns 0 if the program never called simulation_initialise. */
typedef int (*emu_host_set_runtime_fn)(uint32_t end_tick, uint32_t infinite,
                                       uint32_t start_tick);
/* Frees what the program allocated (spin1_malloc / sark_alloc). */
typedef void (*emu_host_release_fn)(void);

#define EMU_HOST_ATTACH_SYMBOL "emu_host_attach"
#define EMU_HOST_SET_RUNTIME_SYMBOL "emu_host_set_runtime"
#define EMU_HOST_RELEASE_SYMBOL "emu_host_release"

/* Layout of the region table the engine builds for each core: the host
 * form of FEC's data_specification_metadata_t (pointers are host sized). */
#define EMU_DS_MAGIC_NUMBER 0xAD130AD6u
#define EMU_DS_VERSION 0x00010000u
#define EMU_DS_N_REGIONS 32

struct emu_ds_region {
    void *pointer;
    uint32_t checksum;
    uint32_t n_words;
};

struct emu_ds_table {
    uint32_t magic_number;
    uint32_t version;
    struct emu_ds_region regions[EMU_DS_N_REGIONS];
};

#endif
