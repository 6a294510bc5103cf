/* SARK on the host: memory, identity, errors and printing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host_core.h"
#include "sark.h"

/* Every block the program allocates, so emu_host_release can free them:
 * the program never frees DTCM on the board either. */
struct alloc_header {
    struct alloc_header *next, *prev;
    uint64_t align_pad;
};
static struct alloc_header allocations = {&allocations, &allocations, 0};

void *sark_alloc(uint count, uint size)
{
    size_t bytes = (size_t) count * size;
    struct alloc_header *block = malloc(sizeof(*block) + bytes);
    if (block == NULL) {
        return NULL;
    }
    block->next = allocations.next;
    block->prev = &allocations;
    allocations.next->prev = block;
    allocations.next = block;
    return block + 1;
}

void sark_free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    struct alloc_header *block = (struct alloc_header *) ptr - 1;
    block->prev->next = block->next;
    block->next->prev = block->prev;
    free(block);
}

EMU_EXPORT void emu_host_release(void)
{
    while (allocations.next != &allocations) {
        sark_free(allocations.next + 1);
    }
}

void sark_mem_cpy(void *dest, const void *src, uint n)
{
    memcpy(dest, src, n);
}

void sark_word_cpy(void *dest, const void *src, uint n)
{
    memcpy(dest, src, n);
}

void sark_word_set(void *dest, uint data, uint n)
{
    uint *words = dest;
    for (uint i = 0; i < n / sizeof(uint); i++) {
        words[i] = data;
    }
}

uint sark_chip_id(void)
{
    return (emu_host_x << 8) | emu_host_y;
}

uint sark_core_id(void)
{
    return emu_host_p;
}

uint sark_app_id(void)
{
    return emu_host_vcpu_table[emu_host_p].app_id;
}

void sark_cpu_state(cpu_state state)
{
    emu_host_vcpu_table[emu_host_p].cpu_state = (uchar) state;
    emu_host_ops->cpu_state(emu_host_core, state);
}

void sark_delay_us(uint delay)
{
    emu_host_ops->delay_us(emu_host_core, delay);
}

/* A 32-bit LCG: deterministic per core, but not the board's generator
 * (SARK uses a 33-bit shift register), so sequences differ. */
static uint random_state = 1;

void sark_srand(uint val)
{
    random_state = val;
}

uint sark_rand(void)
{
    random_state = random_state * 1664525 + 1013904223;
    return random_state;
}

void sark_led_set(uint leds)
{
    (void) leds;
}

void rt_error(uint code, ...)
{
    emu_host_vcpu_table[emu_host_p].rt_code = (uchar) code;
    emu_host_vcpu_table[emu_host_p].cpu_state = CPU_STATE_RTE;
    emu_host_ops->rt_error(emu_host_core, code, "rt_error");
    abort();    /* rt_error of the ops table never returns */
}

void io_printf(char *stream, char *format, ...)
{
    va_list args;
    va_start(args, format);
    if (stream == IO_NULL) {
        /* discarded, as on the board */
    } else if (stream == IO_STD || stream == IO_BUF || stream == IO_DBG) {
        emu_host_vlog(0, format, args);
    } else {
        vsprintf(stream, format, args);    /* io_printf into a string */
    }
    va_end(args);
}
