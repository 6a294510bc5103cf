/*
 * A window layer's input errors start from zero every example: its band
 * adds into its window's rows, and the values of the linked slices
 * outside the window go back as zeros.
 */
#ifndef SPINNDL_WINDOW_ERRORS_H
#define SPINNDL_WINDOW_ERRORS_H

#include "../common/numeric.h"
#include "../common/work.h"

static inline void window_errors_clear(value_t *errors, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        errors[i] = VALUE_ZERO;
    }
    work_add(WORK_VALUE_CLEARED, n);
}

#endif
