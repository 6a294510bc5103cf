/*
 * FEC's simulation interface on the host. The board version waits for the
 * host's CMD_RUNTIME SDP message; here the engine calls
 * emu_host_set_runtime() instead, with the same effect.
 */
#include "host_core.h"
#include "simulation.h"
#include "debug.h"

static bool initialised = false;
static uint32_t *simulation_ticks;
static uint32_t *infinite_run;
static uint32_t *current_time;
static bool uses_timer = true;
static address_t provenance_address = NULL;
static prov_callback_t provenance_function = NULL;
/* Stored only: the host has no CMD_STOP, so it is never called. */
static exit_callback_t exit_function = NULL;
static resume_callback_t resume_function = NULL;
static start_callback_t start_function = NULL;
static callback_t dma_done_callbacks[MAX_DMA_CALLBACK_TAG];

/* Provenance words FEC writes before the program's own (no diagnostics are
 * kept on the host: they read as zero). */
enum { N_BASIC_PROVENANCE_WORDS = 6 };

static void dma_done_by_tag(uint transfer_id, uint tag)
{
    if (tag < MAX_DMA_CALLBACK_TAG && dma_done_callbacks[tag] != NULL) {
        dma_done_callbacks[tag](transfer_id, tag);
    }
}

bool simulation_initialise(
        address_t address, uint32_t expected_application_magic_number,
        uint32_t* timer_period, uint32_t *simulation_ticks_pointer,
        uint32_t *infinite_run_pointer, uint32_t *time_pointer,
        int sdp_packet_callback_priority, int dma_transfer_complete_priority)
{
    struct simulation_config *config = (struct simulation_config *) address;
    if (config->application_magic_number != expected_application_magic_number) {
        log_error("Unexpected magic number 0x%08x instead of 0x%08x",
                config->application_magic_number,
                expected_application_magic_number);
        return false;
    }
    if (sdp_packet_callback_priority < -1) {
        log_error("The SDP callback priority should be >= -1, not %d",
                sdp_packet_callback_priority);
        return false;
    }
    *timer_period = config->timer_period;
    simulation_ticks = simulation_ticks_pointer;
    infinite_run = infinite_run_pointer;
    current_time = time_pointer;
    if (dma_transfer_complete_priority >= -1) {
        spin1_callback_on(DMA_TRANSFER_DONE, dma_done_by_tag,
                dma_transfer_complete_priority);
    }
    initialised = true;
    return true;
}

void simulation_set_provenance_data_address(address_t provenance_data_address)
{
    provenance_address = provenance_data_address;
}

void simulation_set_provenance_function(
        prov_callback_t function, address_t provenance_data_address)
{
    provenance_function = function;
    provenance_address = provenance_data_address;
}

void simulation_set_exit_function(exit_callback_t function)
{
    exit_function = function;
}

void simulation_set_start_function(start_callback_t function)
{
    start_function = function;
}

static void store_provenance(void)
{
    if (provenance_address == NULL) {
        return;
    }
    for (uint32_t i = 0; i < N_BASIC_PROVENANCE_WORDS; i++) {
        provenance_address[i] = 0;
    }
    if (provenance_function != NULL) {
        provenance_function(&provenance_address[N_BASIC_PROVENANCE_WORDS]);
    }
}

void simulation_handle_pause_resume(resume_callback_t callback)
{
    if (uses_timer) {
        spin1_pause();
    }
    resume_function = callback;
    store_provenance();
}

void simulation_exit(void)
{
    simulation_handle_pause_resume(NULL);
}

void simulation_run(void)
{
    spin1_start_paused();
}

void simulation_ready_to_read(void)
{
    sark_cpu_state(CPU_STATE_WAIT);
}

bool simulation_dma_transfer_done_callback_on(uint tag, callback_t callback)
{
    if (tag >= MAX_DMA_CALLBACK_TAG || dma_done_callbacks[tag] != NULL) {
        log_error("Cannot allocate DMA transfer callback on tag %d", tag);
        return false;
    }
    dma_done_callbacks[tag] = callback;
    return true;
}

void simulation_dma_transfer_done_callback_off(uint tag)
{
    if (tag < MAX_DMA_CALLBACK_TAG) {
        dma_done_callbacks[tag] = NULL;
    }
}

void simulation_set_uses_timer(bool sim_uses_timer)
{
    uses_timer = sim_uses_timer;
}

bool simulation_is_finished(void)
{
    return *infinite_run != TRUE && *current_time >= *simulation_ticks;
}

static void run_start_function(uint unused0, uint unused1)
{
    (void) unused0;
    (void) unused1;
    sark_cpu_state(CPU_STATE_RUN);
    start_function();
}

/* What CMD_RUNTIME does on the board, minus the SDP reply and host sync. */
EMU_EXPORT int emu_host_set_runtime(uint32_t end_tick, uint32_t infinite,
        uint32_t start_tick)
{
    if (!initialised) {
        return 0;
    }
    *simulation_ticks = end_tick;
    *infinite_run = infinite;
    *current_time = start_tick - 1;
    if (resume_function != NULL) {
        resume_callback_t function = resume_function;
        resume_function = NULL;
        function();
    }
    if (start_function != NULL) {
        spin1_schedule_callback(run_start_function, 0, 0, 1);
    }
    if (uses_timer) {
        spin1_resume(SYNC_NOWAIT);
    } else {
        sark_cpu_state(CPU_STATE_RUN);
    }
    return 1;
}
