/*
 * The geometry of a window layer (convolution or pooling) and the band of
 * output positions one core computes, as the params region carries it
 * (docs/conv.md). A 1D layer is one of `in_cols` = 1. Positions are
 * row-major; a core keeps, per example, the input rows its band reads
 * (its window: `window_rows` full-width rows from `window_first_row`,
 * channels-last).
 */
#ifndef SPINNDL_WINDOW_GEOMETRY_H
#define SPINNDL_WINDOW_GEOMETRY_H

#include <stdint.h>

typedef struct window_params {
    uint32_t in_rows;
    uint32_t in_cols;
    uint32_t channels_in;
    uint32_t kernel_rows;
    uint32_t kernel_cols;
    uint32_t stride_rows;
    uint32_t stride_cols;
    uint32_t pad_top;
    uint32_t pad_left;
    uint32_t out_rows;
    uint32_t out_cols;
    uint32_t channels_out;
    uint32_t first_position;
    uint32_t n_positions;
    uint32_t window_first_row;
    uint32_t window_rows;
} window_params;

/* Where output position `position`'s window starts, in input
 * coordinates (negative inside the top/left padding). */
static inline int32_t window_top(const window_params *g, uint32_t position)
{
    return (int32_t) ((position / g->out_cols) * g->stride_rows)
        - (int32_t) g->pad_top;
}

static inline int32_t window_left(const window_params *g, uint32_t position)
{
    return (int32_t) ((position % g->out_cols) * g->stride_cols)
        - (int32_t) g->pad_left;
}

/* The offset in this core's window of input (row, col)'s first channel,
 * or -1 when (row, col) is padding. */
static inline int32_t window_offset(const window_params *g, int32_t row,
                                    int32_t col)
{
    if (row < 0 || col < 0 || row >= (int32_t) g->in_rows
            || col >= (int32_t) g->in_cols) {
        return -1;
    }
    return ((row - (int32_t) g->window_first_row) * (int32_t) g->in_cols
            + col) * (int32_t) g->channels_in;
}

#endif
