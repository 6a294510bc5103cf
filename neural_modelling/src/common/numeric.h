/*
 * The number format of every layer kernel, in one place: a kernel holds its
 * weights, inputs and outputs as value_t and combines them with the ops
 * below, so building the kernels for another format (fixed point, say)
 * means changing this header, not copying the kernels. Today value_t is
 * IEEE binary32: the same bits on the host and the ARM968 (soft float), and
 * on the wire (a packet's payload is the value's bits).
 */
#ifndef SPINNDL_NUMERIC_H
#define SPINNDL_NUMERIC_H

#include <stdint.h>
#include "float_maths.h"

typedef float value_t;

/* A constant in the value format. */
#define VALUE(x) ((value_t) (x))
#define VALUE_ZERO VALUE(0.0f)
#define VALUE_ONE VALUE(1.0f)
/* Below every value (the start of a running max). */
#define VALUE_LOWEST VALUE(-3.40282347e+38f)

/* Sums, differences and comparisons use C's operators; products and
 * quotients go through these, which a fixed-point format redefines. */
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

static inline value_t value_sqrt(value_t x)
{
    return sqrt_float(x);
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

#endif
