#include "training_maths.h"
#include "../common/float_maths.h"

/* Keras' epsilon(), the clip bound of the cross-entropies. */
#define CLIP_EPSILON 1e-7f

static inline int clipped(float p)
{
    return p <= CLIP_EPSILON || p >= 1.0f - CLIP_EPSILON;
}

void loss_gradient(uint32_t loss, const float *y, const float *t, float *g,
                   uint32_t n, uint32_t output_atoms)
{
    float width = (float) output_atoms;
    for (uint32_t a = 0; a < n; a++) {
        float p = y[a];
        switch (loss) {
        case LOSS_MEAN_SQUARED_ERROR:
            g[a] = 2.0f * (p - t[a]) / width;
            break;
        case LOSS_BINARY_CROSSENTROPY:
            /* Keras: mean of -(t log p + (1 - t) log(1 - p)), p clipped */
            g[a] = clipped(p) ? 0.0f
                    : (-t[a] / p + (1.0f - t[a]) / (1.0f - p)) / width;
            break;
        case LOSS_CATEGORICAL_CROSSENTROPY:
            /* Keras: -sum t log(clip(y / sum y)); the 1/sum y and the
             * term it adds are equal for all atoms, which the softmax
             * Jacobian cancels (docs/training.md) */
            g[a] = clipped(p) ? 0.0f : -t[a] / p;
            break;
        default:
            g[a] = 0.0f;
        }
    }
}

void sparse_loss_gradient(const float *y, uint32_t label, uint32_t lo_atom,
                          float *g, uint32_t n)
{
    /* Keras: categorical cross-entropy of the one-hot row of label */
    for (uint32_t a = 0; a < n; a++) {
        g[a] = (lo_atom + a != label || clipped(y[a])) ? 0.0f : -1.0f / y[a];
    }
}

void scale(float *g, float w, uint32_t n)
{
    for (uint32_t a = 0; a < n; a++) {
        g[a] *= w;
    }
}

void activation_backward(uint32_t activation, const float *y, float *g,
                         uint32_t n)
{
    for (uint32_t a = 0; a < n; a++) {
        switch (activation) {
        case ACTIVATION_RELU:
            if (!(y[a] > 0.0f)) {
                g[a] = 0.0f;
            }
            break;
        case ACTIVATION_SIGMOID:
            g[a] = g[a] * (y[a] * (1.0f - y[a]));
            break;
        case ACTIVATION_TANH:
            g[a] = g[a] * (1.0f - y[a] * y[a]);
            break;
        default:
            break;
        }
    }
}

void optimizer_init(optimizer_powers_t *powers,
                    const training_params_t *training, uint32_t steps)
{
    powers->beta_1_power = 1.0f;
    powers->beta_2_power = 1.0f;
    for (uint32_t s = 0; s < steps; s++) {
        powers->beta_1_power *= training->beta_1;
        powers->beta_2_power *= training->beta_2;
    }
}

void optimizer_update(const training_params_t *training,
                      optimizer_powers_t *powers, float *parameters,
                      float *gradient_sums, float *state, uint32_t n,
                      uint32_t batch_examples)
{
    float examples = (float) batch_examples;
    float lr = training->learning_rate;
    switch (training->optimizer) {
    case OPTIMIZER_SGD_MOMENTUM: {
        /* Keras SGD: m = m * momentum - g * lr; w += m */
        float momentum = training->momentum;
        for (uint32_t j = 0; j < n; j++) {
            float g = gradient_sums[j] / examples;
            gradient_sums[j] = 0.0f;
            state[j] = state[j] * momentum - g * lr;
            parameters[j] += state[j];
        }
        break;
    }
    case OPTIMIZER_ADAM: {
        /* Keras Adam, t = this update's step from 1 */
        float beta_1 = training->beta_1, beta_2 = training->beta_2;
        float one_minus_beta_1 = training->one_minus_beta_1;
        float one_minus_beta_2 = training->one_minus_beta_2;
        float epsilon = training->epsilon;
        powers->beta_1_power *= beta_1;
        powers->beta_2_power *= beta_2;
        float alpha = lr * sqrt_float(1.0f - powers->beta_2_power)
                / (1.0f - powers->beta_1_power);
        float *m = state, *v = &state[n];
        for (uint32_t j = 0; j < n; j++) {
            float g = gradient_sums[j] / examples;
            gradient_sums[j] = 0.0f;
            m[j] += (g - m[j]) * one_minus_beta_1;
            v[j] += (g * g - v[j]) * one_minus_beta_2;
            parameters[j] -= (m[j] * alpha) / (sqrt_float(v[j]) + epsilon);
        }
        break;
    }
    default:
        /* Keras SGD without momentum: w -= g * lr */
        for (uint32_t j = 0; j < n; j++) {
            float g = gradient_sums[j] / examples;
            gradient_sums[j] = 0.0f;
            parameters[j] -= g * lr;
        }
    }
}
