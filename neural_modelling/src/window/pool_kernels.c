#include "pool_kernels.h"

/* Inputs (not padding) under the window at (top, left). */
static uint32_t covered(const window_params *g, int32_t top, int32_t left)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < g->kernel_rows; i++) {
        for (uint32_t j = 0; j < g->kernel_cols; j++) {
            if (window_offset(g, top + (int32_t) i, left + (int32_t) j) >= 0) {
                count++;
            }
        }
    }
    return count;
}

/* The window offset of the first largest input of channel c at (top,
 * left); every window covers at least one input (Keras' padding is
 * smaller than the window). */
static int32_t winner(const window_params *g, const float *window,
                      int32_t top, int32_t left, uint32_t c)
{
    int32_t best = -1;
    for (uint32_t i = 0; i < g->kernel_rows; i++) {
        for (uint32_t j = 0; j < g->kernel_cols; j++) {
            int32_t at = window_offset(g, top + (int32_t) i,
                                       left + (int32_t) j);
            if (at >= 0 && (best < 0 || window[at + c] > window[best + c])) {
                best = at;
            }
        }
    }
    return best + (int32_t) c;
}

void pool_forward_band(const window_params *g, uint32_t mode,
                       const float *window, float *out)
{
    uint32_t channels = g->channels_in;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        float *y = out + p * channels;
        if (mode == POOL_MAX) {
            for (uint32_t c = 0; c < channels; c++) {
                y[c] = window[winner(g, window, top, left, c)];
            }
            continue;
        }
        for (uint32_t c = 0; c < channels; c++) {
            y[c] = 0.0f;
        }
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                for (uint32_t c = 0; c < channels; c++) {
                    y[c] += window[at + c];
                }
            }
        }
        float count = (float) covered(g, top, left);
        for (uint32_t c = 0; c < channels; c++) {
            y[c] /= count;
        }
    }
}

void pool_backward_band(const window_params *g, uint32_t mode,
                        const float *window, const float *dy,
                        float *window_errors)
{
    uint32_t channels = g->channels_in;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const float *error = dy + p * channels;
        if (mode == POOL_MAX) {
            for (uint32_t c = 0; c < channels; c++) {
                window_errors[winner(g, window, top, left, c)] += error[c];
            }
            continue;
        }
        float count = (float) covered(g, top, left);
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                for (uint32_t c = 0; c < channels; c++) {
                    window_errors[at + c] += error[c] / count;
                }
            }
        }
    }
}
