/*
 * Host form of FEC's simulation.h. There is no host to synchronise with:
 * simulation_run() returns at once and the emulator gives the run length
 * (emu_set_runtime) the way the host's CMD_RUNTIME message does.
 */
#ifndef _SIMULATION_H_
#define _SIMULATION_H_

#include <stdbool.h>
#include "common-typedefs.h"
#include "spin1_api.h"

#define MAX_DMA_CALLBACK_TAG 16

struct simulation_config {
    uint32_t application_magic_number;
    uint32_t timer_period;
    uint32_t control_sdp_port;
    uint32_t num_timing_detail_words;
};

typedef void (*prov_callback_t)(address_t);
typedef void (*resume_callback_t)(void);
typedef void (*exit_callback_t)(void);
typedef resume_callback_t start_callback_t;

bool simulation_initialise(
        address_t address, uint32_t expected_application_magic_number,
        uint32_t* timer_period, uint32_t *simulation_ticks_pointer,
        uint32_t *infinite_run_pointer, uint32_t *time_pointer,
        int sdp_packet_callback_priority, int dma_transfer_complete_priority);

static inline bool simulation_steps_initialise(
        address_t address, uint32_t expected_application_magic_number,
        uint32_t *simulation_steps_pointer, uint32_t *infinite_steps_pointer,
        uint32_t *step_pointer, int sdp_packet_callback_priority,
        int dma_transfer_complete_priority)
{
    uint32_t unused_timer_period;
    return simulation_initialise(address, expected_application_magic_number,
            &unused_timer_period, simulation_steps_pointer,
            infinite_steps_pointer, step_pointer,
            sdp_packet_callback_priority, dma_transfer_complete_priority);
}

void simulation_set_provenance_data_address(address_t provenance_data_address);
void simulation_set_provenance_function(
        prov_callback_t provenance_function, address_t provenance_data_address);
void simulation_set_exit_function(exit_callback_t exit_function);
void simulation_set_start_function(start_callback_t start_function);
void simulation_handle_pause_resume(resume_callback_t callback);
void simulation_exit(void);
void simulation_run(void);
void simulation_ready_to_read(void);
bool simulation_dma_transfer_done_callback_on(uint tag, callback_t callback);
void simulation_dma_transfer_done_callback_off(uint tag);
void simulation_set_uses_timer(bool sim_uses_timer);
bool simulation_is_finished(void);

#endif /* _SIMULATION_H_ */
