/*
 * The maths of a convolution over one core's band of output positions.
 * The kernel is Keras' (kh, kw, c_in, f) in C order, shared by every
 * position; `window` holds the input rows of window_geometry.h; outputs
 * and errors are (position, filter), position-major.
 */
#ifndef SPINNDL_CONV_KERNELS_H
#define SPINNDL_CONV_KERNELS_H

#include "window_geometry.h"

/* out = the pre-activations, bias plus the kernel over each window. */
void conv_forward_band(const window_params *g, const float *kernel,
                       const float *bias, const float *window, float *out);

/* window_errors += dL/dx over the window for the band's errors dz (after
 * the activation's derivative). The caller zeroes window_errors; another
 * core's band may add to the same input rows (their sums meet at the
 * previous layer). */
void conv_input_errors_band(const window_params *g, const float *kernel,
                            const float *dz, float *window_errors);

/* kernel_gradients += the band's share of dL/dkernel, bias_gradients +=
 * its share of dL/dbias; the layer's gradient is the sum over its cores. */
void conv_kernel_gradients_band(const window_params *g, const float *window,
                                const float *dz, float *kernel_gradients,
                                float *bias_gradients);

#endif
