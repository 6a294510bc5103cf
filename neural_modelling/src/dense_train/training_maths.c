#include "training_maths.h"
#include "../common/float_maths.h"
#include "../common/work.h"

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
    static const work_kind_t loss_work[] = {
        [LOSS_NONE] = WORK_LOSS_CCE, [LOSS_MEAN_SQUARED_ERROR] = WORK_LOSS_MSE,
        [LOSS_BINARY_CROSSENTROPY] = WORK_LOSS_BCE,
        [LOSS_CATEGORICAL_CROSSENTROPY] = WORK_LOSS_CCE
    };
    if (loss <= LOSS_CATEGORICAL_CROSSENTROPY) {
        work_add(loss_work[loss], n);
    }
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
    work_add(WORK_LOSS_SPARSE_CCE, n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = (lo_atom + a != label || clipped(y[a])) ? 0.0f : -1.0f / y[a];
    }
}

void scale(float *g, float w, uint32_t n)
{
    work_add(WORK_SAMPLE_WEIGHT, n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] *= w;
    }
}

void activation_backward(uint32_t activation, const float *y, float *g,
                         uint32_t n)
{
    static const work_kind_t backward_work[] = {
        [ACTIVATION_LINEAR] = WORK_BACKWARD_LINEAR,
        [ACTIVATION_RELU] = WORK_BACKWARD_RELU,
        [ACTIVATION_SIGMOID] = WORK_BACKWARD_SIGMOID,
        [ACTIVATION_TANH] = WORK_BACKWARD_TANH,
        [ACTIVATION_SOFTMAX] = WORK_BACKWARD_LINEAR
    };
    if (activation <= ACTIVATION_SOFTMAX) {
        work_add(backward_work[activation], n);
    }
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
        work_add(WORK_UPDATE_MOMENTUM, n);
        work_add(WORK_SDRAM_WORD, 2 * n);  /* the momentum read, written */
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
        work_add(WORK_UPDATE_ADAM, n);
        work_add(WORK_SDRAM_WORD, 4 * n);  /* m and v read, written */
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
        work_add(WORK_UPDATE_SGD, n);
        for (uint32_t j = 0; j < n; j++) {
            float g = gradient_sums[j] / examples;
            gradient_sums[j] = 0.0f;
            parameters[j] -= g * lr;
        }
    }
}

void partial_errors_of(const float *weights, const float *delta, float *e,
                       uint32_t n_atoms, uint32_t n_inputs)
{
    work_add(WORK_PARTIAL_ERROR_MAC, n_atoms * n_inputs);
    for (uint32_t i = 0; i < n_inputs; i++) {
        e[i] = 0.0f;
    }
    for (uint32_t a = 0; a < n_atoms; a++) {
        const float *row = &weights[a * n_inputs];
        float d = delta[a];
        for (uint32_t i = 0; i < n_inputs; i++) {
            e[i] += row[i] * d;
        }
    }
}

void accumulate_gradients(float *gradient_sums, float *delta, const float *x,
                          uint32_t n_atoms, uint32_t n_inputs)
{
    work_add(WORK_GRADIENT_MAC, n_atoms * n_inputs);
    work_add(WORK_GRADIENT_ATOM, n_atoms);
    float *bias_sums = &gradient_sums[n_atoms * n_inputs];
    for (uint32_t a = 0; a < n_atoms; a++) {
        float *row = &gradient_sums[a * n_inputs];
        float d = delta[a];
        for (uint32_t i = 0; i < n_inputs; i++) {
            row[i] += d * x[i];
        }
        bias_sums[a] += d;
        delta[a] = 0.0f;  /* the slot's g sums start again from 0 */
    }
}

float softmax_dot(const float *y, const float *g, uint32_t n)
{
    work_add(WORK_SOFTMAX_DOT, n);
    float dot = 0.0f;
    for (uint32_t a = 0; a < n; a++) {
        dot += y[a] * g[a];
    }
    return dot;
}

void softmax_delta(const float *y, float *g, float dot, uint32_t n)
{
    work_add(WORK_SOFTMAX_DELTA, n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = y[a] * (g[a] - dot);
    }
}
