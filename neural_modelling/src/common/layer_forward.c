#include "layer_forward.h"
#include "layer_regions.h"
#include "float_maths.h"
#include "work.h"

#define LOWEST_FLOAT -3.40282347e+38f

float forward_weighted_sums(const float *weights, const float *biases,
                            const float *x, float *z,
                            uint32_t n_atoms, uint32_t n_inputs)
{
    float local_max = LOWEST_FLOAT;
    /* Soft float multiplies and adds a zero faster: count the zero
     * inputs (one pass over x, against n_atoms passes of multiplies). */
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < n_inputs; i++) {
        union { float as_float; uint32_t as_bits; } v = { .as_float = x[i] };
        zeros += (v.as_bits << 1) == 0;  /* +0 or -0, no float compare */
    }
    work_add(WORK_FORWARD_MAC, n_atoms * (n_inputs - zeros));
    work_add(WORK_FORWARD_ZERO_MAC, n_atoms * zeros);
    work_add(WORK_FORWARD_ATOM, n_atoms);
    for (uint32_t a = 0; a < n_atoms; a++) {
        const float *row = &weights[a * n_inputs];
        float sum = 0.0f;
        for (uint32_t i = 0; i < n_inputs; i++) {
            sum += row[i] * x[i];
        }
        z[a] = sum + biases[a];
        if (z[a] > local_max) {
            local_max = z[a];
        }
    }
    return local_max;
}

static const work_kind_t activation_work[] = {
    [ACTIVATION_LINEAR] = WORK_LINEAR, [ACTIVATION_RELU] = WORK_RELU,
    [ACTIVATION_SIGMOID] = WORK_SIGMOID, [ACTIVATION_TANH] = WORK_TANH,
    [ACTIVATION_SOFTMAX] = WORK_LINEAR
};

void forward_activate(uint32_t activation, float *values, uint32_t n)
{
    if (activation <= ACTIVATION_SOFTMAX) {
        work_add(activation_work[activation], n);
    }
    for (uint32_t a = 0; a < n; a++) {
        float z = values[a];
        switch (activation) {
        case ACTIVATION_RELU:
            values[a] = z > 0.0f ? z : 0.0f;
            break;
        case ACTIVATION_SIGMOID:
            values[a] = sigmoid_float(z);
            break;
        case ACTIVATION_TANH:
            values[a] = tanh_float(z);
            break;
        default:
            break;
        }
    }
}

float softmax_local_sum(const float *z, uint32_t n, float layer_max)
{
    float sum = 0.0f;
    work_add(WORK_SOFTMAX_SUM, n);
    for (uint32_t a = 0; a < n; a++) {
        sum += exp_float(z[a] - layer_max);
    }
    return sum;
}

void softmax_normalise(float *values, uint32_t n, float layer_max,
                       float layer_sum)
{
    work_add(WORK_SOFTMAX_NORMALISE, n);
    for (uint32_t a = 0; a < n; a++) {
        values[a] = exp_float(values[a] - layer_max) / layer_sum;
    }
}
