/*
 * Fixed-point arithmetic in plain integer C (no stdfix: the same bits on
 * the host and the ARM968), for the SPINNDL_FIXED build of numeric.h
 * (docs/numerics.md). Products are formed in int64, rounded to nearest
 * (half up: add half an LSB, shift right arithmetically) and saturated to
 * int32. spinndl/fixed_reference.py is the numpy model of every function
 * here, bit for bit.
 */
#ifndef SPINNDL_FIXED_MATHS_H
#define SPINNDL_FIXED_MATHS_H

#include <stdint.h>

#define VALUE_FRACTION_BITS 15    /* value_t: s16.15 */
#define WEIGHT_FRACTION_BITS 24   /* weight_t: s7.24 */
#define VALUE_SCALE (1 << VALUE_FRACTION_BITS)
#define WEIGHT_SCALE (1 << WEIGHT_FRACTION_BITS)

/* Saturation is counted (docs/numerics.md, "Saturation"): every function
 * here that clips a result to its range adds one to a counter, on the
 * clipping path only. The counters are the SATURATION region's words
 * (common/layer_regions.h: saturation_kind_t), in SDRAM, where the host
 * reads them after the run; until the program attaches them, a DTCM
 * stand-in. fixed_saturations points at the counter of what the core
 * computes now (forward, backward or update): the compute callbacks set
 * it (SATURATION_PHASE, numeric.h); a packet callback names its counter
 * (the _counting variants). */
extern uint32_t *fixed_saturation_counters;
extern uint32_t *fixed_saturations;

/* One more saturation; a counter stays at its largest value. */
static inline void fixed_count_saturation(uint32_t *counter)
{
    uint32_t n = *counter + 1;
    if (n != 0) {
        *counter = n;
    }
}

/* The pointers read as volatile: the compiler may not hoist the read out
 * of the clipping branch into a kernel's loop set-up, where it would cost
 * a register and a load on every call of the common path. */
#define FIXED_COUNTER_NOW (*(uint32_t *volatile *) &fixed_saturations)
#define FIXED_COUNTERS (*(uint32_t *volatile *) &fixed_saturation_counters)

static inline int32_t fixed_saturate(int64_t x)
{
    if (x > INT32_MAX) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return INT32_MAX;
    }
    if (x < INT32_MIN) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return INT32_MIN;
    }
    return (int32_t) x;
}

/* The same, counted as saturation kind `kind` (a packet callback's sums,
 * which may interrupt a compute callback of another kind). */
static inline int32_t fixed_saturate_counting(int64_t x, uint32_t kind)
{
    if (x > INT32_MAX) {
        fixed_count_saturation(&FIXED_COUNTERS[kind]);
        return INT32_MAX;
    }
    if (x < INT32_MIN) {
        fixed_count_saturation(&FIXED_COUNTERS[kind]);
        return INT32_MIN;
    }
    return (int32_t) x;
}

/* x / 2^shift rounded to nearest (half up), saturated; shift >= 1. */
static inline int32_t fixed_round_shift(int64_t x, uint32_t shift)
{
    return fixed_saturate((x + ((int64_t) 1 << (shift - 1))) >> shift);
}

/* a 2^fraction_bits / b rounded to nearest (half away from zero),
 * saturated; b = 0 saturates with a's sign. */
int32_t fixed_divide(int32_t a, int32_t b, uint32_t fraction_bits);

/* x c / 2^shift rounded (half up) for |x| < 2^62, |c| < 2^24: exact,
 * without a 128-bit product. */
int64_t fixed_mul_wide(int64_t x, int32_t c, uint32_t shift);

/* The square root of x rounded to nearest. */
uint32_t fixed_sqrt64(uint64_t x);

/* e^x, 1 / (1 + e^-x) and tanh x of s16.15 values (docs/numerics.md). */
int32_t exp_fixed(int32_t x);
int32_t sigmoid_fixed(int32_t x);
int32_t tanh_fixed(int32_t x);

#endif
