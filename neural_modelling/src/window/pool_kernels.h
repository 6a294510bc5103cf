/*
 * The maths of a pooling over one core's band of output positions
 * (channels_out = channels_in). Outputs and errors are (position,
 * channel), position-major; `window` holds the input rows of
 * window_geometry.h. Each kernel counts its work (common/work.h) once
 * per call.
 */
#ifndef SPINNDL_POOL_KERNELS_H
#define SPINNDL_POOL_KERNELS_H

#include "window_geometry.h"
#include "../common/numeric.h"

typedef enum pool_mode {
    POOL_MAX = 0,
    POOL_AVERAGE = 1
} pool_mode;

/* out = the largest input of each window, or the mean of the inputs it
 * covers (padding left out of the count, as Keras does); returns the
 * largest output (the softmax exchange's running max). */
value_t pool_forward_band(const window_params *g, uint32_t mode,
                          const value_t *window, value_t *out);

/* window_errors += dL/dx for the band's output errors dy: a max window
 * passes its error to the first largest input it read (found again in
 * the kept window), an average window shares it equally (error times
 * 1 / count: one divide per window). The caller
 * zeroes window_errors. */
void pool_backward_band(const window_params *g, uint32_t mode,
                        const value_t *window, const value_t *dy,
                        value_t *window_errors);

#endif
