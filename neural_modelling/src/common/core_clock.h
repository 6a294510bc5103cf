/*
 * The core's clock, for sends paced by deadline (paced_send.h): a count of
 * CPU cycles that runs on while interrupts are taken. A wait until a
 * deadline is therefore not lengthened by the packets the core receives
 * meanwhile, as a counted loop (spin1_delay_us) is: the interrupts use the
 * time the core would have spent waiting.
 *
 * The board build links core_clock.c (timer 2 of the ARM968 core,
 * free-running at the CPU clock, as FEC's profiler runs it); the host build
 * takes the emulator's version instead (neural_modelling/host/core_clock.c).
 */
#ifndef SPINNDL_CORE_CLOCK_H
#define SPINNDL_CORE_CLOCK_H

#include <stdint.h>

/* ns per cycle of a SpiNN-5 core's 200 MHz clock */
#define CORE_CLOCK_NS_PER_CYCLE 5

/* Starts the count (once, at start-up). */
void core_clock_start(void);

/* Cycles so far; wraps at 2^32 (21 s), so compare by difference. */
uint32_t core_clock_cycles(void);

/* Returns once the count has passed `deadline` (at once if it has). */
void core_clock_wait_until(uint32_t deadline);

#endif
