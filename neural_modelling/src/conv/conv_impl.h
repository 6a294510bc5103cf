/*
 * The convolution kind's state, shared by its two halves: conv_impl.c
 * (start-up and forward) and conv_training_impl.c (backward, update). The
 * core holds a band of output positions (window/window_geometry.h) and
 * the layer's kernel once: WEIGHTS is the kernel in Keras' C order
 * (kh, kw, c_in, f), then the bias (f), the same on every core of the
 * layer (docs/conv.md). An "atom" of the shared program is one output
 * value: n_atoms = positions x filters, position-major.
 */
#ifndef SPINNDL_CONV_IMPL_H
#define SPINNDL_CONV_IMPL_H

#include "../layer/layer_kind.h"
#include "../window/window_geometry.h"

/* The KIND_PARAMS region. */
/* The core's inputs are its band's window (docs/conv.md). */
typedef struct {
    window_params geometry;
} conv_params_t;

typedef struct {
    conv_params_t params;
    uint32_t n_parameters;      /* kernel and bias                    */
    value_t *parameters;        /* kernel, then bias (DTCM)           */
    value_t *sdram_weights;     /* the WEIGHTS region                 */
} conv_t;

extern conv_t conv;

#endif
