#include "conv_kernels.h"

/* The kernel's (i, j) slice: c_in rows of f weights. */
static inline uint32_t kernel_offset(const window_params *g, uint32_t i,
                                     uint32_t j)
{
    return (i * g->kernel_cols + j) * g->channels_in * g->channels_out;
}

void conv_forward_band(const window_params *g, const float *kernel,
                       const float *bias, const float *window, float *out)
{
    uint32_t filters = g->channels_out;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        float *z = out + p * filters;
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
                const float *x = window + at;
                const float *w = kernel + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    float value = x[c];
                    const float *w_row = w + c * filters;
                    for (uint32_t f = 0; f < filters; f++) {
                        z[f] += value * w_row[f];
                    }
                }
            }
        }
    }
}

void conv_input_errors_band(const window_params *g, const float *kernel,
                            const float *dz, float *window_errors)
{
    uint32_t filters = g->channels_out;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const float *error = dz + p * filters;
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                float *dx = window_errors + at;
                const float *w = kernel + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    const float *w_row = w + c * filters;
                    float sum = 0.0f;
                    for (uint32_t f = 0; f < filters; f++) {
                        sum += error[f] * w_row[f];
                    }
                    dx[c] += sum;
                }
            }
        }
    }
}

void conv_kernel_gradients_band(const window_params *g, const float *window,
                                const float *dz, float *kernel_gradients,
                                float *bias_gradients)
{
    uint32_t filters = g->channels_out;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const float *error = dz + p * filters;
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
                const float *x = window + at;
                float *dw = kernel_gradients + kernel_offset(g, i, j);
                for (uint32_t c = 0; c < g->channels_in; c++) {
                    float value = x[c];
                    float *dw_row = dw + c * filters;
                    for (uint32_t f = 0; f < filters; f++) {
                        dw_row[f] += value * error[f];
                    }
                }
            }
        }
    }
}
