/*
 * exp, sigmoid, tanh and sqrt in plain float arithmetic, with no libm: the same
 * code, hence the same bits, on the ARM968 (soft float) and on the host, and
 * none of newlib's errno data in DTCM or its expf/tanhf code in ITCM.
 */
#ifndef SPINNDL_FLOAT_MATHS_H
#define SPINNDL_FLOAT_MATHS_H

/* e^x to about 2 ulp; 0 below -87.3, FLT_MAX above 88. */
float exp_float(float x);
float sigmoid_float(float x);
float tanh_float(float x);
/* The square root, correctly rounded (as IEEE sqrt); NaN below -0. */
float sqrt_float(float x);

#endif
