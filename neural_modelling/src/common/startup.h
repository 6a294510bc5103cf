/*
 * STARTUP marks code that runs once, before the first example: compiled
 * for size (GCC's cold attribute), leaving ITCM (~21 KB per binary) for the
 * per-example work, which is compiled for speed.
 */
#ifndef SPINNDL_STARTUP_H
#define SPINNDL_STARTUP_H

#define STARTUP __attribute__((cold))

/* ONCE_A_BATCH marks code that runs once a batch whatever the batch's
 * examples and the core's parameters (the batch end's bookkeeping):
 * compiled for size as well; its per-value loops stay fast. */
#define ONCE_A_BATCH __attribute__((cold))

#endif
