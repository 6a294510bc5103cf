/*
 * Host form of spinnaker_tools' spin1_api.h: the event-driven API with the
 * real names and signatures; every call is forwarded to the emulator engine.
 * Built only into the emulator's host shared objects.
 */
#ifndef __SPIN1_API_H__
#define __SPIN1_API_H__

#include <string.h>
#include "sark.h"

#ifndef TRUE
#define TRUE (0 == 0)
#endif
#ifndef FALSE
#define FALSE (0 != 0)
#endif
#define SUCCESS (uint) 1
#define FAILURE (uint) 0

enum {
    NUM_EVENTS = 8,
    MC_PACKET_RECEIVED = 0,
    DMA_TRANSFER_DONE = 1,
    TIMER_TICK = 2,
    SDP_PACKET_RX = 3,
    USER_EVENT = 4,
    MCPL_PACKET_RECEIVED = 5,
    FR_PACKET_RECEIVED = 6,
    FRPL_PACKET_RECEIVED = 7
};

enum { DMA_READ = 0, DMA_WRITE = 1 };
enum { NO_PAYLOAD = 0, WITH_PAYLOAD = 1 };

typedef void (*callback_t) (uint, uint);

uint spin1_start(sync_bool sync);
uint spin1_start_paused(void);
void spin1_exit(uint error);
void spin1_set_timer_tick_and_phase(uint time, uint phase);
static inline void spin1_set_timer_tick(uint time)
{
    spin1_set_timer_tick_and_phase(time, 0);
}
uint spin1_get_simulation_time(void);
void spin1_pause(void);
void spin1_resume(sync_bool sync);
void spin1_rte(rte_code code);
static inline void spin1_delay_us(uint n)
{
    sark_delay_us(n);
}

void spin1_callback_on(uint event_id, callback_t cback, int priority);
void spin1_callback_off(uint event_id);
uint spin1_schedule_callback(callback_t cback, uint arg0, uint arg1,
        uint priority);
uint spin1_trigger_user_event(uint arg0, uint arg1);

uint spin1_dma_transfer(uint tag, void *system_address, void *tcm_address,
        uint direction, uint length);
void spin1_dma_flush(void);
static inline void spin1_memcpy(void *dst, void const *src, uint len)
{
    memcpy(dst, src, len);
}

void spin1_flush_rx_packet_queue(void);
void spin1_flush_tx_packet_queue(void);

//! Packet types for spin1_send_packet's TCR (bit 17: payload present).
#define PKT_MC 0x00000000
#define PKT_MC_PL 0x00020000
uint spin1_send_packet(uint key, uint data, uint TCR);
static inline uint spin1_send_mc_packet(uint key, uint data, uint load)
{
    return spin1_send_packet(key, data, load ? PKT_MC_PL : PKT_MC);
}

//! Interrupt masking has no meaning on the host: callbacks never overlap.
static inline uint spin1_irq_disable(void) { return 0; }
static inline uint spin1_fiq_disable(void) { return 0; }
static inline uint spin1_int_disable(void) { return 0; }
static inline void spin1_mode_restore(uint value) { (void) value; }

uint spin1_get_id(void);
uint spin1_get_core_id(void);
uint spin1_get_chip_id(void);

static inline void *spin1_malloc(uint bytes)
{
    return sark_alloc(bytes, 1);
}
static inline void spin1_led_control(uint p) { sark_led_set(p); }
static inline void spin1_srand(uint seed) { sark_srand(seed); }
static inline uint spin1_rand(void) { return sark_rand(); }

#endif /* __SPIN1_API_H__ */
