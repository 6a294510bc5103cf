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

/* PER_ATOM marks a kernel whose loop runs over a layer's atoms on the
 * core (a handful an example: loss gradients, derivatives, softmax's
 * backward), small beside the per-weight loops: compiled for size too.
 * The calibration measures it as built, and the cost table charges that. */
#define PER_ATOM __attribute__((cold))

#endif
