/*
 * Host form of spinnaker_tools' sark.h: the subset of SARK our programs use,
 * with the real names and signatures. Built only into the emulator's host
 * shared objects; the board build uses the real header from $(SPINN_DIRS).
 */
#ifndef __SARK_H__
#define __SARK_H__

#include <stdint.h>
#include <stddef.h>

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

#define NONNULL __attribute__((nonnull))
#define NONNULL2 __attribute__((nonnull(2)))
#define SARK_IS_A_MALLOC(size_arg) \
    __attribute__((malloc, alloc_size(size_arg), warn_unused_result))
#ifndef UNUSED
#define UNUSED __attribute__((__unused__))
#endif

//! Run time error codes, passed as first arg to rt_error()
enum rte_code_e {
    RTE_NONE, RTE_RESET, RTE_UNDEF, RTE_SVC, RTE_PABT, RTE_DABT, RTE_IRQ,
    RTE_FIQ, RTE_VIC, RTE_ABORT, RTE_MALLOC, RTE_DIV0, RTE_EVENT, RTE_SWERR,
    RTE_IOBUF, RTE_ENABLE, RTE_NULL, RTE_PKT, RTE_TIMER, RTE_API, RTE_VER
};
typedef enum rte_code_e rte_code;

//! CPU states, as kept in vcpu_t::cpu_state
enum cpu_state_e {
    CPU_STATE_DEAD, CPU_STATE_PWRDN, CPU_STATE_RTE, CPU_STATE_WDOG,
    CPU_STATE_INIT, CPU_STATE_WAIT, CPU_STATE_SARK, CPU_STATE_RUN,
    CPU_STATE_SYNC0, CPU_STATE_SYNC1, CPU_STATE_PAUSE, CPU_STATE_EXIT,
    CPU_STATE_12, CPU_STATE_13, CPU_STATE_14, CPU_STATE_IDLE
};
typedef enum cpu_state_e cpu_state;

enum sync_bool_e { SYNC_NOWAIT, SYNC_WAIT };
typedef enum sync_bool_e sync_bool;

//! The per-core block the monitor keeps (same fields as on the board).
typedef struct vcpu {
    uint r[8];
    uint psr;
    uint sp;
    uint lr;
    uchar rt_code;
    uchar phys_cpu;
    uchar cpu_state;
    uchar app_id;
    void *mbox_ap_msg;
    void *mbox_mp_msg;
    volatile uchar mbox_ap_cmd;
    volatile uchar mbox_mp_cmd;
    ushort sw_count;
    char *sw_file;
    uint sw_line;
    uint time;
    char app_name[16];
    void *iobuf;
    uint sw_ver;
    uint __PAD[4];
    uint user0;
    uint user1;
    uint user2;
    uint user3;
} vcpu_t;

//! On the host each program instance has its own table of 18 cores.
extern vcpu_t emu_host_vcpu_table[18];
#define SV_VCPU ((uintptr_t) emu_host_vcpu_table)
#define sv_vcpu (emu_host_vcpu_table)

//! io_printf streams
#define IO_STD ((char *) 0)
#define IO_DBG ((char *) 1)
#define IO_BUF ((char *) 2)
#define IO_NULL ((char *) 3)

void io_printf(char *stream, char *format, ...);
void rt_error(uint code, ...) __attribute__((noreturn));

void *sark_alloc(uint count, uint size);
void sark_free(void *ptr);
void sark_mem_cpy(void *dest, const void *src, uint n);
void sark_word_cpy(void *dest, const void *src, uint n);
void sark_word_set(void *dest, uint data, uint n);

uint sark_chip_id(void);
uint sark_core_id(void);
uint sark_app_id(void);
void sark_cpu_state(cpu_state state);
void sark_delay_us(uint delay);

void sark_srand(uint val);
uint sark_rand(void);
void sark_led_set(uint leds);

#endif /* __SARK_H__ */
