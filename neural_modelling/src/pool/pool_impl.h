/*
 * The pooling kind's state: the core's band (window/window_geometry.h)
 * and the mode (window/pool_kernels.h), from the KIND_PARAMS region. No
 * weights. An "atom" of the shared program is one output value.
 */
#ifndef SPINNDL_POOL_IMPL_H
#define SPINNDL_POOL_IMPL_H

#include "../layer/layer_kind.h"
#include "../window/window_geometry.h"

/* The KIND_PARAMS region. */
/* The core's inputs are its band's window (docs/conv.md). */
typedef struct {
    window_params geometry;
    uint32_t mode;              /* pool_mode */
} pool_t;

extern pool_t pool;

#endif
