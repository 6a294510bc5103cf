#include "layer_forward.h"
#include "layer_regions.h"
#include "float_maths.h"

#define LOWEST_FLOAT -3.40282347e+38f

float forward_weighted_sums(const float *weights, const float *biases,
                            const float *x, float *z,
                            uint32_t n_atoms, uint32_t n_inputs)
{
    float local_max = LOWEST_FLOAT;
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

void forward_activate(uint32_t activation, float *values, uint32_t n)
{
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
    for (uint32_t a = 0; a < n; a++) {
        sum += exp_float(z[a] - layer_max);
    }
    return sum;
}

void softmax_normalise(float *values, uint32_t n, float layer_max,
                       float layer_sum)
{
    for (uint32_t a = 0; a < n; a++) {
        values[a] = exp_float(values[a] - layer_max) / layer_sum;
    }
}
