/*
 * The number format of every layer kernel, in one place: a kernel holds its
 * inputs, outputs and errors as value_t, its parameters (weights, biases,
 * gradient sums, optimizer state, hyperparameters) as weight_t, and
 * combines them with the ops below, so building the kernels for another
 * format means changing this header, not copying the kernels.
 *
 * Two formats, chosen at compile time (docs/numerics.md):
 *  - float (default): both types are IEEE binary32, the same bits on the
 *    host and the ARM968 (soft float), and on the wire;
 *  - SPINNDL_FIXED: value_t is s16.15 (int32_t, 15 fraction bits, as
 *    SpiNNaker's `accum`), weight_t is s7.24 (int32_t, 24 fraction bits):
 *    plain integer C, products in int64, rounded to nearest (half up) and
 *    saturated to int32. The binaries dense_fixed and dense_train_fixed.
 * Sums, differences and comparisons of values use C's operators where they
 * cannot overflow; products, quotients and running sums go through these.
 */
#ifndef SPINNDL_NUMERIC_H
#define SPINNDL_NUMERIC_H

#include <stdint.h>

#ifndef SPINNDL_FIXED
/* ======================= float ========================================== */
#include "float_maths.h"

typedef float value_t;
typedef float weight_t;
/* A running sum of weight * value products. */
typedef float mac_t;
/* The divisor of a batch's gradient sums. */
typedef float batch_divisor_t;

/* Work of a numeric kernel (common/work.h): the float kind. */
#define NUMERIC_WORK(kind) WORK_##kind
#define NUMERIC_CYCLES(kind) WORK_##kind##_CYCLES
/* A gradient term with x = 0 is worth a test (dense_maths.c). */
#define NUMERIC_SKIP_ZERO_INPUTS 1
/* Partial errors over the atoms with delta != 0 only, when that is
 * cheaper (the costs of WORK_PARTIAL_ERROR_LISTED_MAC and _MAC). */
#define LIVE_ATOMS_WORTH_LISTING(live, atoms) ((live) < (atoms))
/* Soft float multiplies and adds a zero faster (dense_maths.c counts). */
#define NUMERIC_ZERO_INPUTS_ARE_CHEAPER 1
/* A float's change does not give its bits back: the gradient exchange
 * sends every new weight whole (layer/weight_deltas.h). */
#define NUMERIC_WEIGHT_DELTAS 0
/* Floats take all 32 bits: every forward value goes in its own packet
 * (common/value_pairs.h). */
#define NUMERIC_FORWARD_PAIRS 0

/* Floats do not saturate: nothing is counted (numeric.h's fixed half). */
#define SATURATION_PHASE(kind) ((void) 0)
static inline void saturation_attach(uint32_t *counters)
{
    (void) counters;
}

/* A constant in the value format. */
#define VALUE(x) ((value_t) (x))
#define WEIGHT(x) ((weight_t) (x))
#define VALUE_ZERO VALUE(0.0f)
#define VALUE_ONE VALUE(1.0f)
#define WEIGHT_ZERO WEIGHT(0.0f)
#define WEIGHT_ONE WEIGHT(1.0f)
#define MAC_ZERO 0.0f
/* Below every value (the start of a running max). */
#define VALUE_LOWEST VALUE(-3.40282347e+38f)

static inline value_t value_from_int(uint32_t n)
{
    return (value_t) n;
}

static inline int value_is_zero(value_t x)
{
    union { value_t as_value; uint32_t as_bits; } v = { .as_value = x };
    return (v.as_bits << 1) == 0;  /* +0 or -0, no float compare */
}

static inline value_t value_add(value_t a, value_t b)
{
    return a + b;
}

/* a + b in a packet callback, its saturation (fixed point) counted as
 * saturation_kind_t kind. */
static inline value_t value_add_counting(value_t a, value_t b, uint32_t kind)
{
    (void) kind;
    return a + b;
}

static inline value_t value_mul(value_t a, value_t b)
{
    return a * b;
}

static inline value_t value_div(value_t a, value_t b)
{
    return a / b;
}

static inline value_t value_exp(value_t x)
{
    return exp_float(x);
}

static inline value_t value_sigmoid(value_t x)
{
    return sigmoid_float(x);
}

static inline value_t value_tanh(value_t x)
{
    return tanh_float(x);
}

/* acc + w x */
static inline mac_t mac(mac_t acc, weight_t w, value_t x)
{
    return acc + w * x;
}

/* The value of a running sum plus a bias. */
static inline value_t mac_result(mac_t acc, weight_t bias)
{
    return acc + bias;
}

static inline value_t mac_value(mac_t acc)
{
    return acc;
}

/* sum + delta x: a gradient term accumulated; delta as a bias term. */
static inline weight_t gradient_accumulate(weight_t sum, value_t delta,
                                          value_t x)
{
    return sum + delta * x;
}

static inline weight_t weight_from_value(value_t x)
{
    return x;
}

static inline weight_t weight_add(weight_t a, weight_t b)
{
    return a + b;
}

static inline weight_t weight_add_counting(weight_t a, weight_t b,
                                           uint32_t kind)
{
    (void) kind;
    return a + b;
}

static inline weight_t weight_sub(weight_t a, weight_t b)
{
    return a - b;
}

static inline weight_t weight_mul(weight_t a, weight_t b)
{
    return a * b;
}

static inline weight_t weight_div(weight_t a, weight_t b)
{
    return a / b;
}

static inline weight_t weight_sqrt(weight_t x)
{
    return sqrt_float(x);
}

static inline batch_divisor_t batch_divisor(uint32_t examples)
{
    return (float) examples;
}

/* A batch's mean gradient from its sum (Keras averages over the batch). */
static inline weight_t weight_batch_mean(weight_t sum,
                                         batch_divisor_t divisor)
{
    return sum / divisor;
}

/* Adam's second moment: v += (g g - v) (1 - beta_2); returns sqrt(v). */
static inline weight_t weight_rms_update(weight_t *v, weight_t g,
                                         weight_t one_minus_beta_2)
{
    *v += (g * g - *v) * one_minus_beta_2;
    return sqrt_float(*v);
}

/* A packet payload and the value it carries. */
static inline value_t value_from_bits(uint32_t bits)
{
    union { uint32_t as_bits; value_t as_value; } v = { .as_bits = bits };
    return v.as_value;
}

static inline uint32_t value_to_bits(value_t value)
{
    union { uint32_t as_bits; value_t as_value; } v = { .as_value = value };
    return v.as_bits;
}

#else
/* ======================= fixed point ==================================== */
#include "fixed_maths.h"

typedef int32_t value_t;    /* s16.15 */
typedef int32_t weight_t;   /* s7.24  */
typedef int64_t mac_t;      /* weight * value products, 39 fraction bits */
typedef uint32_t batch_divisor_t;  /* 2^32 / examples, rounded */

#define NUMERIC_WORK(kind) WORK_FIXED_##kind
#define NUMERIC_CYCLES(kind) WORK_FIXED_##kind##_CYCLES
/* A test costs about what an integer multiply-accumulate saves. */
#define NUMERIC_SKIP_ZERO_INPUTS 0
/* A listed term costs 19 cycles, a plain one 13 (work.h). */
#define LIVE_ATOMS_WORTH_LISTING(live, atoms) (19 * (live) < 13 * (atoms))
/* An integer multiply costs the same whatever the operand. */
#define NUMERIC_ZERO_INPUTS_ARE_CHEAPER 0
/* An integer weight's change gives its bits back exactly: the gradient
 * exchange sends two changes to a packet where they fit
 * (layer/weight_deltas.h). */
#define NUMERIC_WEIGHT_DELTAS 1
/* Two s16.15 values that fit 16 bits share a forward packet
 * (common/value_pairs.h). */
#define NUMERIC_FORWARD_PAIRS 1

/* What the core computes from now on (a saturation_kind_t of
 * common/layer_regions.h): its saturations are counted as that kind. Set
 * by each compute callback before its arithmetic. */
#define SATURATION_PHASE(kind) \
    (fixed_saturations = &fixed_saturation_counters[kind])

/* The SATURATION region's counters (zeroed by the host). */
static inline void saturation_attach(uint32_t *counters)
{
    fixed_saturation_counters = counters;
    fixed_saturations = counters;
}

/* Constants only: the conversion is folded at compile time. */
#define FIXED_ROUND(x, scale) \
    ((int32_t) ((x) * (scale) + ((x) >= 0 ? 0.5 : -0.5)))
#define VALUE(x) FIXED_ROUND(x, (double) VALUE_SCALE)
#define WEIGHT(x) FIXED_ROUND(x, (double) WEIGHT_SCALE)
#define VALUE_ZERO 0
#define VALUE_ONE VALUE_SCALE
#define WEIGHT_ZERO 0
#define WEIGHT_ONE WEIGHT_SCALE
#define MAC_ZERO 0
#define VALUE_LOWEST INT32_MIN

static inline value_t value_from_int(uint32_t n)
{
    if (n >= (1u << (31 - VALUE_FRACTION_BITS))) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return INT32_MAX;
    }
    return (value_t) (n << VALUE_FRACTION_BITS);
}

static inline int value_is_zero(value_t x)
{
    return x == 0;
}

static inline value_t value_add(value_t a, value_t b)
{
    return fixed_saturate((int64_t) a + b);
}

static inline value_t value_add_counting(value_t a, value_t b, uint32_t kind)
{
    return fixed_saturate_counting((int64_t) a + b, kind);
}

static inline value_t value_mul(value_t a, value_t b)
{
    return fixed_round_shift((int64_t) a * b, VALUE_FRACTION_BITS);
}

static inline value_t value_div(value_t a, value_t b)
{
    return fixed_divide(a, b, VALUE_FRACTION_BITS);
}

static inline value_t value_exp(value_t x)
{
    return exp_fixed(x);
}

static inline value_t value_sigmoid(value_t x)
{
    return sigmoid_fixed(x);
}

static inline value_t value_tanh(value_t x)
{
    return tanh_fixed(x);
}

static inline mac_t mac(mac_t acc, weight_t w, value_t x)
{
    return acc + (int64_t) w * x;
}

static inline value_t mac_result(mac_t acc, weight_t bias)
{
    return fixed_round_shift(acc + (int64_t) bias * VALUE_SCALE,
            WEIGHT_FRACTION_BITS);
}

static inline value_t mac_value(mac_t acc)
{
    return fixed_round_shift(acc, WEIGHT_FRACTION_BITS);
}

/* One rounding of the product, one saturation of the sum. */
#define GRADIENT_SHIFT (2 * VALUE_FRACTION_BITS - WEIGHT_FRACTION_BITS)
static inline weight_t gradient_accumulate(weight_t sum, value_t delta,
                                          value_t x)
{
    return fixed_saturate((int64_t) sum + (((int64_t) delta * x
            + (1 << (GRADIENT_SHIFT - 1))) >> GRADIENT_SHIFT));
}

static inline weight_t weight_from_value(value_t x)
{
    return fixed_saturate(
            (int64_t) x * (WEIGHT_SCALE / VALUE_SCALE));
}

static inline weight_t weight_add(weight_t a, weight_t b)
{
    return fixed_saturate((int64_t) a + b);
}

static inline weight_t weight_add_counting(weight_t a, weight_t b,
                                           uint32_t kind)
{
    return fixed_saturate_counting((int64_t) a + b, kind);
}

static inline weight_t weight_sub(weight_t a, weight_t b)
{
    return fixed_saturate((int64_t) a - b);
}

static inline weight_t weight_mul(weight_t a, weight_t b)
{
    return fixed_round_shift((int64_t) a * b, WEIGHT_FRACTION_BITS);
}

static inline weight_t weight_div(weight_t a, weight_t b)
{
    return fixed_divide(a, b, WEIGHT_FRACTION_BITS);
}

static inline weight_t weight_sqrt(weight_t x)
{
    return x <= 0 ? 0 : (weight_t) fixed_sqrt64(
            (uint64_t) x << WEIGHT_FRACTION_BITS);
}

static inline batch_divisor_t batch_divisor(uint32_t examples)
{
    /* 2^32 / examples; 0 for one example (the sum is the mean) */
    return examples <= 1 ? 0
            : (uint32_t) (((1ull << 32) + examples / 2) / examples);
}

static inline weight_t weight_batch_mean(weight_t sum,
                                         batch_divisor_t divisor)
{
    return divisor == 0 ? sum
            : fixed_round_shift((int64_t) sum * divisor, 32);
}

/* v is kept as its root r = sqrt(v) (s7.24): v = r^2 has 48 fraction
 * bits in int64, so a gradient's square keeps its precision (a gradient of
 * 1e-4 squares to 1e-8, below s7.24's LSB). */
static inline weight_t weight_rms_update(weight_t *root, weight_t g,
                                         weight_t one_minus_beta_2)
{
    int64_t v = (int64_t) *root * *root;
    int64_t difference = (int64_t) g * g - v;
    v += fixed_mul_wide(difference, one_minus_beta_2, WEIGHT_FRACTION_BITS);
    *root = v <= 0 ? 0 : (weight_t) fixed_sqrt64((uint64_t) v);
    return *root;
}

static inline value_t value_from_bits(uint32_t bits)
{
    return (value_t) bits;
}

static inline uint32_t value_to_bits(value_t value)
{
    return (uint32_t) value;
}

#endif

#endif
