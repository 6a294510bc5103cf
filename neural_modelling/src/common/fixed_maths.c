/* Only the fixed-point build uses these (numeric.h): the float build's
 * binaries do not carry them in ITCM. */
#ifdef SPINNDL_FIXED
#include "fixed_maths.h"
#include "layer_regions.h"

/* Counts before the program attaches the SATURATION region (and in the
 * ARM calibration, which has none). */
static uint32_t unattached_counters[SATURATION_COUNTERS];
uint32_t *fixed_saturation_counters = unattached_counters;
uint32_t *fixed_saturations = unattached_counters;

int32_t fixed_divide(int32_t a, int32_t b, uint32_t fraction_bits)
{
    if (b == 0) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return a >= 0 ? INT32_MAX : INT32_MIN;
    }
    int negative = (a < 0) != (b < 0);
    uint64_t n = (uint64_t) (a < 0 ? -(int64_t) a : a) << fraction_bits;
    uint32_t d = (uint32_t) (b < 0 ? -(int64_t) b : b);
    uint64_t q;
    if (n <= UINT32_MAX - (d >> 1)) {
        /* the common case (|a| small): a 32-bit division */
        q = ((uint32_t) n + (d >> 1)) / d;
    } else {
        q = (n + (d >> 1)) / d;
    }
    return fixed_saturate(negative ? -(int64_t) q : (int64_t) q);
}

int64_t fixed_mul_wide(int64_t x, int32_t c, uint32_t shift)
{
    int64_t high = x >> shift;                      /* floor */
    int64_t low = x - high * ((int64_t) 1 << shift);              /* 0 .. 2^shift - 1 */
    return high * c + ((low * c + ((int64_t) 1 << (shift - 1))) >> shift);
}

/* The highest even bit position at or below x's top set bit (x > 0), by
 * count-leading-zeros (one ARM968 instruction a word) rather than a loop. */
static inline uint32_t top_even_bit(uint64_t x)
{
    uint32_t high = (uint32_t) (x >> 32);
    uint32_t top = high != 0 ? 63 - (uint32_t) __builtin_clz(high)
                             : 31 - (uint32_t) __builtin_clz((uint32_t) x);
    return top & ~1u;
}

/* Digit-by-digit square root: floor(sqrt x) in root, x - root^2 in
 * *remainder. Below 2^32 (Adam's v mostly) in 32-bit words, which the
 * ARM968 works in a third of the instructions of 64-bit ones; the same
 * digits either way. */
static uint64_t sqrt_digits(uint64_t x, uint64_t *remainder)
{
    uint32_t shift = top_even_bit(x);
    if ((x >> 32) == 0) {
        uint32_t rest = (uint32_t) x, root = 0;
        for (uint32_t bit = 1u << shift; bit != 0; bit >>= 2) {
            if (rest >= root + bit) {
                rest -= root + bit;
                root = (root >> 1) + bit;
            } else {
                root >>= 1;
            }
        }
        *remainder = rest;
        return root;
    }
    uint64_t rest = x, root = 0;
    for (uint64_t bit = (uint64_t) 1 << shift; bit != 0; bit >>= 2) {
        if (rest >= root + bit) {
            rest -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
    }
    *remainder = rest;
    return root;
}

uint32_t fixed_sqrt64(uint64_t x)
{
    if (x == 0) {
        return 0;
    }
    uint64_t remainder;
    uint64_t root = sqrt_digits(x, &remainder);
    /* floor(sqrt x) = root, remainder = x - root^2: round up when
     * x > root^2 + root, i.e. sqrt x > root + 1/2 */
    if (remainder > root) {
        root++;
    }
    if (root > INT32_MAX) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return INT32_MAX;
    }
    return (uint32_t) root;
}

#define LOG2_E_Q30 1549082005        /* log2(e) 2^30 */
#define LN_2_Q30 744261118           /* ln(2) 2^30 */
#define EXP_LIMIT (12 << VALUE_FRACTION_BITS)  /* e^-12 < 2^-16 */

/* 2^n e^u = e^x with n = round(x log2 e), |u| <= ln(2)/2, then a degree-6
 * Taylor polynomial of e^u in Q30 (truncation below 1.3e-7 relative). */
int32_t exp_fixed(int32_t x)
{
    if (x >= EXP_LIMIT) {
        fixed_count_saturation(FIXED_COUNTER_NOW);
        return INT32_MAX;                /* e^12 > 65536: saturated */
    }
    if (x <= -EXP_LIMIT) {
        return 0;
    }
    int64_t t = (int64_t) x * LOG2_E_Q30;           /* log2 units, Q45 */
    int32_t n = (int32_t) ((t + ((int64_t) 1 << 44)) >> 45);
    int64_t r = (t - (int64_t) n * ((int64_t) 1 << 45)) >> 15;     /* Q30, |r| <= 1/2 */
    int64_t u = (r * LN_2_Q30) >> 30;                /* Q30, natural */
    static const int32_t inverse_factorial[] = {
        1073741824, 1073741824, 536870912, 178956971, 44739243, 8947849,
        1491308
    };
    int64_t p = inverse_factorial[6];
    for (int k = 5; k >= 0; k--) {
        p = inverse_factorial[k] + ((p * u) >> 30);
    }
    int32_t shift = 30 - VALUE_FRACTION_BITS - n;   /* Q30 2^n -> s16.15 */
    if (shift <= 0) {
        return fixed_saturate(p << -shift);
    }
    return fixed_saturate((p + ((int64_t) 1 << (shift - 1))) >> shift);
}

#define SIGMOID_LIMIT (16 << VALUE_FRACTION_BITS)  /* 1 - sigmoid < 2^-16 */
#define TANH_LIMIT (10 << VALUE_FRACTION_BITS)

int32_t sigmoid_fixed(int32_t x)
{
    if (x >= SIGMOID_LIMIT) {
        return VALUE_SCALE;
    }
    if (x <= -SIGMOID_LIMIT) {
        return 0;
    }
    /* 1 / (1 + e^-|x|), e^-|x| <= 1: one 32-bit division; exactly
     * 1 - sigmoid(-x) below 0 */
    uint32_t e = (uint32_t) exp_fixed(x < 0 ? x : -x);
    uint32_t d = VALUE_SCALE + e;
    int32_t s = (int32_t) (((1u << (2 * VALUE_FRACTION_BITS)) + (d >> 1))
            / d);
    return x >= 0 ? s : VALUE_SCALE - s;
}

int32_t tanh_fixed(int32_t x)
{
    if (x >= TANH_LIMIT) {
        return VALUE_SCALE;
    }
    if (x <= -TANH_LIMIT) {
        return -VALUE_SCALE;
    }
    /* (1 - e^-2|x|) / (1 + e^-2|x|), odd */
    int32_t magnitude = x < 0 ? -x : x;
    uint32_t e = (uint32_t) exp_fixed(-2 * magnitude);
    uint32_t d = VALUE_SCALE + e;
    int32_t t = (int32_t) ((((VALUE_SCALE - e) << VALUE_FRACTION_BITS)
            + (d >> 1)) / d);
    return x >= 0 ? t : -t;
}
#endif
