/*
 * Work counters: what this core's kernels did, and what each unit of that
 * work costs an ARM968 (docs/emulator.md, "Cost model"). The one cost table
 * of the project: the emulator's engine charges a core's callbacks with it,
 * and the ARM calibration (spinndl/benchmarks/arm_calibration.py, checked by
 * unit_tests/test_arm_calibration.py) measures every kernel built for the
 * board under an instruction-level ARM emulator and fails when a charge is
 * more than 25 % off.
 *
 * Kernels count per loop (one add of n, never per multiply), so the board
 * pays nothing measurable; on a board the counters are provenance (MAC
 * utilisation). Counters are 32 bits and wrap; readers take differences.
 */
#ifndef SPINNDL_WORK_H
#define SPINNDL_WORK_H

#include <stdint.h>

/* X(name, ARM968 cycles per unit): -march=armv5te -Ofast, soft float, the
 * cycle model of docs/emulator.md. */
#define WORK_KINDS(X) \
    X(WORK_FORWARD_MAC, 98)       /* z += w x, float, per weight         */ \
    X(WORK_FORWARD_ZERO_MAC, 57)  /* the same with x = 0 (soft float's   */ \
                                  /* short path), per weight             */ \
    X(WORK_FORWARD_ATOM, 110)     /* + bias, running max, per atom       */ \
    X(WORK_LINEAR, 14)            /* activation per atom                 */ \
    X(WORK_RELU, 77)                                                        \
    X(WORK_SIGMOID, 1231)                                                   \
    X(WORK_TANH, 1377)                                                      \
    X(WORK_SOFTMAX_SUM, 1080)     /* exp(z - max) summed, per atom       */ \
    X(WORK_SOFTMAX_NORMALISE, 1075) /* exp(z - max) / sum, per atom      */ \
    X(WORK_LOSS_MSE, 142)         /* dLoss/dy per output atom            */ \
    X(WORK_LOSS_BCE, 456)                                                   \
    X(WORK_LOSS_CCE, 246)                                                   \
    X(WORK_LOSS_SPARSE_CCE, 35)   /* class index label, per atom         */ \
    X(WORK_SAMPLE_WEIGHT, 44)     /* g *= the example's weight, per atom */ \
    X(WORK_ERRORS_RESET, 6)       /* a slot's g sums back to 0, per atom */ \
    X(WORK_BACKWARD_LINEAR, 14)   /* g *= f'(y) per atom                 */ \
    X(WORK_BACKWARD_RELU, 70)                                               \
    X(WORK_BACKWARD_SIGMOID, 150)                                           \
    X(WORK_BACKWARD_TANH, 150)                                              \
    X(WORK_SOFTMAX_DOT, 97)      /* sum of y g, per atom                */ \
    X(WORK_SOFTMAX_DELTA, 103)    /* y (g - dot), per atom               */ \
    X(WORK_PARTIAL_ERROR_MAC, 96) /* e += w delta, per weight            */ \
    X(WORK_PARTIAL_ERROR_LISTED_MAC, 99) /* the same over the listed     */ \
                                  /* atoms (delta != 0), per weight      */ \
    X(WORK_GRADIENT_MAC, 99)      /* sum += delta x, per weight          */ \
    X(WORK_GRADIENT_ATOM, 60)     /* bias sum, per atom                  */ \
    X(WORK_SKIPPED_MAC, 19)       /* float: a gradient term with x = 0,  */ \
                                  /* tested and skipped, per weight      */ \
    X(WORK_LIVE_ATOM_LISTED, 8)   /* delta != 0 listed, per atom         */ \
    X(WORK_PARTIAL_ERROR_ALONE, 44) /* one computed as it is sent: the    */ \
                                  /* call and its loop's set-up          */ \
    X(WORK_BIAS_GRADIENT, 74)     /* streamed backward: a bias sum, per  */ \
                                  /* listed atom (and its test)          */ \
    X(WORK_STREAMED_INPUT, 50)    /* ... an input's call and set-up      */ \
    X(WORK_STREAMED_MAC, 195)     /* ... e += w delta, sum += delta x,   */ \
                                  /* per listed atom                     */ \
    X(WORK_UPDATE_SGD, 128)       /* per parameter per batch             */ \
    X(WORK_UPDATE_MOMENTUM, 184)                                            \
    X(WORK_UPDATE_ADAM, 1246)                                               \
    X(WORK_PACKET_FILED, 82)      /* a received value filed, per packet  */ \
    X(WORK_KEY_SEARCH_STEP, 15)   /* key table binary search, per step   */ \
    X(WORK_KEY_INDEXED, 11)       /* evenly spaced table's entry by      */ \
                                  /* subtract and shift, per packet      */ \
    X(WORK_PARTIAL_ERROR_FILED, 40) /* the float add of a partial error  */ \
    X(WORK_SOFTMAX_STAT_FILED, 104)  /* a softmax statistic combined      */ \
    X(WORK_SDRAM_WORD, 8)         /* a word copied to SDRAM without DMA  */ \
    /* window layers (src/window): a core's band of output positions     */ \
    X(WORK_WINDOW_POSITION, 55)  /* a window placed, per position       */ \
    X(WORK_WINDOW_TAP, 58)        /* a kernel tap visited (padding too)  */ \
    X(WORK_WINDOW_COVERED_TAP, 26) /* ... on an input: its row set up    */ \
    X(WORK_CONV_OUTPUT, 83)       /* bias in, running max, per value     */ \
    X(WORK_CONV_MAC, 99)          /* z += x w, per weight, x != 0        */ \
    X(WORK_CONV_ZERO_MAC, 55)     /* the same with x = 0                 */ \
    X(WORK_CONV_ERROR_MAC, 98)    /* e += w delta, per weight            */ \
    X(WORK_CONV_ERROR_CHANNEL, 12) /* sum added to dx, per tap, channel  */ \
    X(WORK_CONV_GRADIENT_MAC, 99) /* dw += x delta, per weight, x != 0   */ \
    X(WORK_CONV_GRADIENT_ZERO_MAC, 55) /* the same with x = 0            */ \
    X(WORK_CONV_BIAS_GRADIENT, 55) /* db += delta, per position, filter  */ \
    X(WORK_POOL_COMPARE, 29)      /* max: an input compared, per channel */ \
    X(WORK_POOL_CHANNEL, 36)      /* max: a channel's winner found       */ \
    X(WORK_POOL_ADD, 59)          /* an input summed / an error added    */ \
    X(WORK_POOL_DIVIDE, 19)      /* average: / count (-Ofast: * 1/count) */ \
    X(WORK_POOL_SHARE, 61)       /* average backward: dx += dy * share */ \
    X(WORK_POOL_OUTPUT, 93)       /* running max, per value              */ \
    X(WORK_VALUE_CLEARED, 2)      /* input errors zeroed, per value      */ \
    X(WORK_REDUCTION_ADD, 76)     /* reduction: sum += previous, send on */ \
    X(WORK_REDUCTION_FILED, 35)   /* a reduction packet filed            */ \
    X(WORK_WEIGHT_KEPT, 6)        /* exchange: an old weight kept, per   */ \
                                  /* value (its change goes, fixed point)*/ \
    X(WORK_WEIGHT_PAIR_PACKED, 30) /* two weights' changes, fitted in one */ \
    X(WORK_WEIGHT_PAIR_APPLIED, 17) /* a packet's two changes added       */ \
    X(WORK_VALUE_PAIR_PACKED, 21) /* fixed point: two forward values     */ \
                                  /* fitted in one packet, per pair      */ \
    X(WORK_VALUE_PAIR_FILED, 29)  /* ... a pair key's slot found, its    */ \
                                  /* halves extended and filed, on top   */ \
                                  /* of the packet's filing              */ \
    /* The same kernels built with SPINNDL_FIXED (numeric.h, integer     */ \
    /* s16.15 values and s7.24 weights): NUMERIC_WORK(kind) picks these. */ \
    X(WORK_FIXED_FORWARD_MAC, 11)  /* z += w x: one SMLAL, per weight   */ \
    X(WORK_FIXED_FORWARD_ATOM, 40)                                          \
    X(WORK_FIXED_LINEAR, 14)                                                \
    X(WORK_FIXED_RELU, 21)                                                  \
    X(WORK_FIXED_SIGMOID, 289)                                              \
    X(WORK_FIXED_TANH, 292)                                                 \
    X(WORK_FIXED_SOFTMAX_SUM, 161)                                          \
    X(WORK_FIXED_SOFTMAX_NORMALISE, 281)                                    \
    X(WORK_FIXED_LOSS_MSE, 132)                                              \
    X(WORK_FIXED_LOSS_BCE, 402)                                             \
    X(WORK_FIXED_LOSS_CCE, 186)                                              \
    X(WORK_FIXED_LOSS_SPARSE_CCE, 27)                                       \
    X(WORK_FIXED_SAMPLE_WEIGHT, 30)                                         \
    X(WORK_FIXED_BACKWARD_LINEAR, 14)                                       \
    X(WORK_FIXED_BACKWARD_RELU, 21)                                         \
    X(WORK_FIXED_BACKWARD_SIGMOID, 55)                                      \
    X(WORK_FIXED_BACKWARD_TANH, 60)                                         \
    X(WORK_FIXED_SOFTMAX_DOT, 47)                                           \
    X(WORK_FIXED_SOFTMAX_DELTA, 33)                                         \
    X(WORK_FIXED_PARTIAL_ERROR_MAC, 13)                                     \
    X(WORK_FIXED_PARTIAL_ERROR_LISTED_MAC, 19)                              \
    X(WORK_FIXED_GRADIENT_MAC, 26)                                          \
    X(WORK_FIXED_GRADIENT_ATOM, 40)                                         \
    X(WORK_FIXED_BIAS_GRADIENT, 35)                                         \
    X(WORK_FIXED_STREAMED_INPUT, 76)                                        \
    X(WORK_FIXED_STREAMED_MAC, 37)                                          \
    X(WORK_FIXED_UPDATE_SGD, 61)                                            \
    X(WORK_FIXED_UPDATE_MOMENTUM, 88)                                       \
    X(WORK_FIXED_UPDATE_ADAM, 597)                                          \
    X(WORK_FIXED_PARTIAL_ERROR_FILED, 22)                                   \
    X(WORK_FIXED_SOFTMAX_STAT_FILED, 60)

#define WORK_AS_ENUM(name, cycles) name,
typedef enum {
    WORK_KINDS(WORK_AS_ENUM)
    N_WORK_KINDS
} work_kind_t;
#undef WORK_AS_ENUM

/* Each kind's cost as a constant (name##_CYCLES), for a kernel that
 * chooses between two ways of doing its work by what they cost. */
#define WORK_AS_CYCLES(name, cycles) name##_CYCLES = cycles,
enum {
    WORK_KINDS(WORK_AS_CYCLES)
};
#undef WORK_AS_CYCLES

/* Costs the kernels cannot count themselves: spin1_api's own code, which
 * the calibration does not build (no spin1/SARK), from the ARM968 note
 * (docs/emulator.md). Charged by the emulator per event. */
#define WORK_CYCLES_PACKET_INTERRUPT 100  /* FIQ entry/exit, callback call */
#define WORK_CYCLES_PACKET_SEND 121       /* spin1_send_mc_packet          */
#define WORK_CYCLES_OTHER_INTERRUPT 100   /* timer, user, DMA interrupt    */
#define WORK_CYCLES_TASK 100              /* a queued callback's dispatch  */

/* The counters, one set per core; the emulator finds them by this name
 * and refuses a program built with another list of kinds (n_kinds). */
typedef struct {
    uint32_t n_kinds;
    uint32_t count[N_WORK_KINDS];
} work_counters_t;

#define WORK_COUNTERS_SYMBOL "work_counters"
extern work_counters_t work_counters;

static inline void work_add(work_kind_t kind, uint32_t n)
{
    work_counters.count[kind] += n;
}

#endif
