/* spin1_api on the host: every call is forwarded to the emulator engine. */
#include "host_core.h"
#include "spin1_api.h"

uint spin1_start(sync_bool sync)
{
    (void) sync;    /* all cores start together on the host */
    return emu_host_ops->start(emu_host_core, 0);
}

uint spin1_start_paused(void)
{
    return emu_host_ops->start(emu_host_core, 1);
}

void spin1_exit(uint error)
{
    emu_host_ops->exit(emu_host_core, error);
}

void spin1_set_timer_tick_and_phase(uint time, uint phase)
{
    emu_host_ops->set_timer_tick(emu_host_core, time, phase);
}

uint spin1_get_simulation_time(void)
{
    return emu_host_ops->ticks(emu_host_core);
}

void spin1_pause(void)
{
    emu_host_ops->pause(emu_host_core);
}

void spin1_resume(sync_bool sync)
{
    (void) sync;
    emu_host_ops->resume(emu_host_core);
}

void spin1_rte(rte_code code)
{
    rt_error(code);
}

void spin1_callback_on(uint event_id, callback_t cback, int priority)
{
    emu_host_ops->callback_on(emu_host_core, event_id, cback, priority);
}

void spin1_callback_off(uint event_id)
{
    emu_host_ops->callback_off(emu_host_core, event_id);
}

uint spin1_schedule_callback(callback_t cback, uint arg0, uint arg1,
        uint priority)
{
    return emu_host_ops->schedule_callback(
            emu_host_core, cback, arg0, arg1, priority);
}

uint spin1_trigger_user_event(uint arg0, uint arg1)
{
    return emu_host_ops->trigger_user_event(emu_host_core, arg0, arg1);
}

/* The bytes move at once; the engine models the transfer time and calls
 * DMA_TRANSFER_DONE later. Nothing may rely on the copy being late. */
uint spin1_dma_transfer(uint tag, void *system_address, void *tcm_address,
        uint direction, uint length)
{
    uint id = emu_host_ops->dma_transfer(emu_host_core, tag, length);
    if (id == 0) {
        return FAILURE;    /* queue full: nothing copied, as on the board */
    }
    if (direction == DMA_READ) {
        memmove(tcm_address, system_address, length);
    } else {
        memmove(system_address, tcm_address, length);
    }
    return id;
}

void spin1_dma_flush(void)
{
}

void spin1_flush_rx_packet_queue(void)
{
}

void spin1_flush_tx_packet_queue(void)
{
}

uint spin1_send_packet(uint key, uint data, uint TCR)
{
    return emu_host_ops->send_packet(
            emu_host_core, key, data, (TCR & PKT_MC_PL) ? 1 : 0);
}

uint spin1_get_id(void)
{
    return (sark_chip_id() << 5) | sark_core_id();
}

uint spin1_get_core_id(void)
{
    return sark_core_id();
}

uint spin1_get_chip_id(void)
{
    return sark_chip_id();
}
