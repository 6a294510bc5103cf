/* Only the float build uses these (numeric.h). */
#ifndef SPINNDL_FIXED
#include <stdint.h>
#include "float_maths.h"

/* Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 Taylor
 * polynomial for e^r (truncation error below 1.3e-7 relative) and 2^n put
 * straight into the exponent bits. ln2 is split so n * LN2_HIGH is exact. */
#define LOG2_E 1.44269504088896341f
#define LN2_HIGH 0.693145751953125f
#define LN2_LOW 1.42860682030941723e-06f
#define EXP_MAX_ARG 88.0f  /* keeps n <= 127 */
#define EXP_MIN_ARG -87.3f
#define FLOAT_MAX 3.40282347e+38f

typedef union {
    float as_float;
    uint32_t as_bits;
} float_bits_t;

float exp_float(float x)
{
    if (x > EXP_MAX_ARG) {
        return FLOAT_MAX;
    }
    if (x < EXP_MIN_ARG) {
        return 0.0f;
    }
    float scaled = x * LOG2_E;
    int32_t n = (int32_t) (scaled + (scaled >= 0.0f ? 0.5f : -0.5f));
    float r = (x - (float) n * LN2_HIGH) - (float) n * LN2_LOW;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f
            + r * (4.1666668e-2f + r * (8.3333338e-3f
            + r * 1.3888889e-3f)))));
    float_bits_t two_to_n;
    two_to_n.as_bits = (uint32_t) (n + 127) << 23;
    return p * two_to_n.as_float;
}

float sigmoid_float(float x)
{
    /* Never exp of a large positive number: stable at both ends. */
    if (x >= 0.0f) {
        return 1.0f / (1.0f + exp_float(-x));
    }
    float e = exp_float(x);
    return e / (1.0f + e);
}

float tanh_float(float x)
{
    /* tanh(x) = 1 - 2 / (e^{2x} + 1): absolute error ~1e-7 near 0, and
     * exactly +-1 where float cannot tell the difference. */
    if (x > 9.0f) {
        return 1.0f;
    }
    if (x < -9.0f) {
        return -1.0f;
    }
    return 1.0f - 2.0f / (exp_float(2.0f * x) + 1.0f);
}

/* Digit-by-digit integer square root of the significand, scaled so the root
 * has 28 or 29 bits, then rounded to 24 by adding half an ulp: the exact
 * root of a float is never halfway between two floats, so this is round to
 * nearest. Integer operations only. */
float sqrt_float(float x)
{
    float_bits_t value = { .as_float = x };
    uint32_t bits = value.as_bits;
    if (bits == 0 || bits == 0x80000000u || bits >= 0x7f800000u) {
        if (bits > 0x80000000u) {
            value.as_bits = 0x7fc00000u;  /* sqrt of a negative: NaN */
        }
        return value.as_float;  /* +-0, +inf, NaN */
    }
    int32_t exponent = (int32_t) (bits >> 23);
    uint32_t significand = bits & 0x7fffffu;
    if (exponent == 0) {  /* subnormal: normalise */
        exponent = 1;
        while (!(significand & 0x800000u)) {
            significand <<= 1;
            exponent--;
        }
    } else {
        significand |= 0x800000u;
    }
    /* x = significand * 2^e with e even */
    int32_t e = exponent - 150;
    if (e & 1) {
        significand <<= 1;
        e -= 1;
    }
    uint64_t radicand = (uint64_t) significand << 32;
    uint64_t root = 0;
    uint64_t bit = (uint64_t) 1 << 56;
    while (bit > radicand) {
        bit >>= 2;
    }
    while (bit != 0) {
        if (radicand >= root + bit) {
            radicand -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    /* sqrt(x) = root * 2^((e - 32) / 2), root < 2^29 */
    uint32_t r = (uint32_t) root;
    int32_t result_exponent = (e - 32) / 2;
    uint32_t shift = 0;
    while ((r >> shift) >= (1u << 24)) {
        shift++;
    }
    uint32_t rounded = shift == 0 ? r : (r + (1u << (shift - 1))) >> shift;
    result_exponent += (int32_t) shift;
    if (rounded == (1u << 24)) {
        rounded >>= 1;
        result_exponent++;
    }
    value.as_bits = ((uint32_t) (result_exponent + 150) << 23)
            | (rounded & 0x7fffffu);
    return value.as_float;
}
#endif
