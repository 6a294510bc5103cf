/*
 * The maths of a convolution over one core's band of output positions;
 * each kernel counts its work (common/work.h) once per call.
 * The kernel is Keras' (kh, kw, c_in, f) in C order, shared by every
 * position; `window` holds the input rows of window_geometry.h; outputs
 * and errors are (position, filter), position-major.
 */
#ifndef SPINNDL_CONV_KERNELS_H
#define SPINNDL_CONV_KERNELS_H

#include "window_geometry.h"
#include "../common/numeric.h"

/* out = the pre-activations, bias plus the kernel over each window;
 * returns the largest (the softmax exchange's running max). */
value_t conv_forward_band(const window_params *g, const value_t *kernel,
                          const value_t *bias, const value_t *window,
                          value_t *out);

/* window_errors += dL/dx over the window for the band's errors dz (after
 * the activation's derivative). The caller zeroes window_errors; another
 * core's band may add to the same input rows (their sums meet at the
 * previous layer). */
void conv_input_errors_band(const window_params *g, const value_t *kernel,
                            const value_t *dz, value_t *window_errors);

/* kernel_gradients += the band's share of dL/dkernel, bias_gradients +=
 * its share of dL/dbias; the layer's gradient is the sum over its cores. */
void conv_kernel_gradients_band(const window_params *g, const value_t *window,
                                const value_t *dz, value_t *kernel_gradients,
                                value_t *bias_gradients);

#endif
