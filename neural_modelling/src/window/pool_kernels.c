#include "pool_kernels.h"
#include "../common/work.h"

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
 * smaller than the window). *inputs counts the inputs compared. */
static int32_t winner(const window_params *g, const value_t *window,
                      int32_t top, int32_t left, uint32_t c, uint32_t *inputs)
{
    int32_t best = -1;
    for (uint32_t i = 0; i < g->kernel_rows; i++) {
        for (uint32_t j = 0; j < g->kernel_cols; j++) {
            int32_t at = window_offset(g, top + (int32_t) i,
                                       left + (int32_t) j);
            if (at < 0) {
                continue;
            }
            (*inputs)++;
            if (best < 0 || window[at + c] > window[best + c]) {
                best = at;
            }
        }
    }
    return best + (int32_t) c;
}

/* A max window searches each channel's winner: every tap per channel. */
static void count_max(const window_params *g, uint32_t compared)
{
    uint32_t channels = g->channels_in;
    work_add(WORK_WINDOW_POSITION, g->n_positions);
    work_add(WORK_WINDOW_TAP,
             g->n_positions * channels * g->kernel_rows * g->kernel_cols);
    work_add(WORK_POOL_COMPARE, compared);
    work_add(WORK_POOL_CHANNEL, g->n_positions * channels);
}

value_t pool_forward_band(const window_params *g, uint32_t mode,
                          const value_t *window, value_t *out)
{
    uint32_t channels = g->channels_in;
    uint32_t inputs = 0;        /* (input, channel) pairs read */
    value_t local_max = VALUE_LOWEST;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        value_t *y = out + p * channels;
        if (mode == POOL_MAX) {
            for (uint32_t c = 0; c < channels; c++) {
                y[c] = window[winner(g, window, top, left, c, &inputs)];
            }
        } else {
            for (uint32_t c = 0; c < channels; c++) {
                y[c] = VALUE_ZERO;
            }
            uint32_t count = 0;
            for (uint32_t i = 0; i < g->kernel_rows; i++) {
                for (uint32_t j = 0; j < g->kernel_cols; j++) {
                    int32_t at = window_offset(g, top + (int32_t) i,
                                               left + (int32_t) j);
                    if (at < 0) {
                        continue;
                    }
                    count++;
                    for (uint32_t c = 0; c < channels; c++) {
                        y[c] += window[at + c];
                    }
                }
            }
            value_t n = VALUE((float) count);
            for (uint32_t c = 0; c < channels; c++) {
                y[c] = value_div(y[c], n);
            }
            inputs += count * channels;
        }
        for (uint32_t c = 0; c < channels; c++) {
            if (y[c] > local_max) {
                local_max = y[c];
            }
        }
    }
    if (mode == POOL_MAX) {
        count_max(g, inputs);
    } else {
        work_add(WORK_WINDOW_POSITION, g->n_positions);
        work_add(WORK_WINDOW_TAP,
                 g->n_positions * g->kernel_rows * g->kernel_cols);
        work_add(WORK_POOL_ADD, inputs);
        work_add(WORK_POOL_DIVIDE, g->n_positions * channels);
    }
    work_add(WORK_POOL_OUTPUT, g->n_positions * channels);
    return local_max;
}

void pool_backward_band(const window_params *g, uint32_t mode,
                        const value_t *window, const value_t *dy,
                        value_t *window_errors)
{
    uint32_t channels = g->channels_in;
    uint32_t inputs = 0;
    for (uint32_t p = 0; p < g->n_positions; p++) {
        uint32_t position = g->first_position + p;
        int32_t top = window_top(g, position);
        int32_t left = window_left(g, position);
        const value_t *error = dy + p * channels;
        if (mode == POOL_MAX) {
            for (uint32_t c = 0; c < channels; c++) {
                window_errors[winner(g, window, top, left, c, &inputs)]
                        += error[c];
            }
            continue;
        }
        /* every input of the window gets error / count */
        uint32_t count = covered(g, top, left);
        value_t share = value_div(VALUE_ONE, VALUE((float) count));
        for (uint32_t i = 0; i < g->kernel_rows; i++) {
            for (uint32_t j = 0; j < g->kernel_cols; j++) {
                int32_t at = window_offset(g, top + (int32_t) i,
                                           left + (int32_t) j);
                if (at < 0) {
                    continue;
                }
                for (uint32_t c = 0; c < channels; c++) {
                    window_errors[at + c] += value_mul(error[c], share);
                }
            }
        }
        inputs += count * channels;
    }
    if (mode == POOL_MAX) {
        count_max(g, inputs);
        work_add(WORK_POOL_ADD, g->n_positions * channels);
    } else {
        work_add(WORK_WINDOW_POSITION, g->n_positions);
        work_add(WORK_WINDOW_TAP,
                 2 * g->n_positions * g->kernel_rows * g->kernel_cols);
        work_add(WORK_POOL_DIVIDE, g->n_positions);
        work_add(WORK_POOL_SHARE, inputs);
    }
}
