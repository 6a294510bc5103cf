#include "conv_kernels.h"
#include "../common/work.h"

/* The kernel's (i, j) slice: c_in rows of f weights. */
static inline uint32_t kernel_offset(const window_params *g, uint32_t i,
                                     uint32_t j)
{
    return (i * g->kernel_cols + j) * g->channels_in * g->channels_out;
}

/* +0 or -0 without a float compare (soft float multiplies a zero faster). */
static inline uint32_t is_zero(value_t value)
{
    union { value_t as_value; uint32_t as_bits; } v = { .as_value = value };
    return (v.as_bits << 1) == 0;
}

/* What every band kernel visits, counted once per kernel call. */
static void count_band(const window_params *g, uint32_t covered_taps)
{
    work_add(WORK_WINDOW_POSITION, g->n_positions);
    work_add(WORK_WINDOW_TAP,
             g->n_positions * g->kernel_rows * g->kernel_cols);
    work_add(WORK_WINDOW_COVERED_TAP, covered_taps);
}

value_t conv_forward_band(const window_params *g, const value_t *kernel,
                          const value_t *bias, const value_t *window,
                          value_t *out)
{
    uint32_t filters = g->channels_out;
    uint32_t covered_taps = 0;
    uint32_t zero_inputs = 0;       /* (tap, channel) pairs with x = 0 */
    value_t local_max = VALUE_LOWEST;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        value_t *z = out + p * filters;
        for (uint32_t f = 0; f < filters; f++) {
            z[f] = bias[f];
        }
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                covered_taps++;
                const value_t *x = window + at;
                const value_t *w = kernel + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    value_t value = x[c];
                    zero_inputs += is_zero(value);
                    const value_t *w_row = w + c * filters;
                    for (uint32_t f = 0; f < filters; f++) {
                        z[f] += value_mul(value, w_row[f]);
                    }
                }
            }
        }
        for (uint32_t f = 0; f < filters; f++) {
            if (z[f] > local_max) {
                local_max = z[f];
            }
        }
    }
    count_band(g, covered_taps);
    work_add(WORK_CONV_OUTPUT, g->n_positions * filters);
    work_add(WORK_CONV_MAC,
             (covered_taps * g->channels_in - zero_inputs) * filters);
    work_add(WORK_CONV_ZERO_MAC, zero_inputs * filters);
    return local_max;
}

void conv_input_errors_band(const window_params *g, const value_t *kernel,
                            const value_t *dz, value_t *window_errors)
{
    uint32_t filters = g->channels_out;
    uint32_t covered_taps = 0;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const value_t *error = dz + p * filters;
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                covered_taps++;
                value_t *dx = window_errors + at;
                const value_t *w = kernel + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    const value_t *w_row = w + c * filters;
                    value_t sum = VALUE_ZERO;
                    for (uint32_t f = 0; f < filters; f++) {
                        sum += value_mul(error[f], w_row[f]);
                    }
                    dx[c] += sum;
                }
            }
        }
    }
    count_band(g, covered_taps);
    work_add(WORK_CONV_ERROR_CHANNEL, covered_taps * g->channels_in);
    work_add(WORK_CONV_ERROR_MAC, covered_taps * g->channels_in * filters);
}

void conv_kernel_gradients_band(const window_params *g, const value_t *window,
                                const value_t *dz, value_t *kernel_gradients,
                                value_t *bias_gradients)
{
    uint32_t filters = g->channels_out;
    uint32_t covered_taps = 0;
    uint32_t zero_inputs = 0;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const value_t *error = dz + p * filters;
        for (uint32_t f = 0; f < filters; f++) {
            bias_gradients[f] += error[f];
        }
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                covered_taps++;
                const value_t *x = window + at;
                value_t *dw = kernel_gradients + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    value_t value = x[c];
                    zero_inputs += is_zero(value);
                    value_t *dw_row = dw + c * filters;
                    for (uint32_t f = 0; f < filters; f++) {
                        dw_row[f] += value_mul(value, error[f]);
                    }
                }
            }
        }
    }
    count_band(g, covered_taps);
    work_add(WORK_CONV_BIAS_GRADIENT, g->n_positions * filters);
    work_add(WORK_CONV_GRADIENT_MAC,
             (covered_taps * g->channels_in - zero_inputs) * filters);
    work_add(WORK_CONV_GRADIENT_ZERO_MAC, zero_inputs * filters);
}
