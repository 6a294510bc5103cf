#include "training_maths.h"
#include "../common/work.h"

/* Keras' epsilon(), the clip bound of the cross-entropies. */
#define CLIP_EPSILON VALUE(1e-7f)

static inline int clipped(value_t p)
{
    return p <= CLIP_EPSILON || p >= VALUE_ONE - CLIP_EPSILON;
}

void loss_gradient(uint32_t loss, const value_t *y, const value_t *t,
                   value_t *g, uint32_t n, uint32_t output_atoms)
{
    value_t width = value_from_int(output_atoms);
    static const work_kind_t loss_work[] = {
        [LOSS_NONE] = NUMERIC_WORK(LOSS_CCE),
        [LOSS_MEAN_SQUARED_ERROR] = NUMERIC_WORK(LOSS_MSE),
        [LOSS_BINARY_CROSSENTROPY] = NUMERIC_WORK(LOSS_BCE),
        [LOSS_CATEGORICAL_CROSSENTROPY] = NUMERIC_WORK(LOSS_CCE)
    };
    if (loss <= LOSS_CATEGORICAL_CROSSENTROPY) {
        work_add(loss_work[loss], n);
    }
    for (uint32_t a = 0; a < n; a++) {
        value_t p = y[a];
        switch (loss) {
        case LOSS_MEAN_SQUARED_ERROR:
            g[a] = value_div(value_mul(VALUE(2.0f), p - t[a]), width);
            break;
        case LOSS_BINARY_CROSSENTROPY:
            /* Keras: mean of -(t log p + (1 - t) log(1 - p)), p clipped */
            g[a] = clipped(p) ? VALUE_ZERO
                    : value_div(value_add(value_div(-t[a], p), value_div(
                    VALUE_ONE - t[a], VALUE_ONE - p)), width);
            break;
        case LOSS_CATEGORICAL_CROSSENTROPY:
            /* Keras: -sum t log(clip(y / sum y)); the 1/sum y and the
             * term it adds are equal for all atoms, which the softmax
             * Jacobian cancels (docs/training.md) */
            g[a] = clipped(p) ? VALUE_ZERO : value_div(-t[a], p);
            break;
        default:
            g[a] = VALUE_ZERO;
        }
    }
}

void sparse_loss_gradient(const value_t *y, uint32_t label, uint32_t lo_atom,
                          value_t *g, uint32_t n)
{
    /* Keras: categorical cross-entropy of the one-hot row of label */
    work_add(NUMERIC_WORK(LOSS_SPARSE_CCE), n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = (lo_atom + a != label || clipped(y[a])) ? VALUE_ZERO
                : value_div(-VALUE_ONE, y[a]);
    }
}

void scale(value_t *g, value_t w, uint32_t n)
{
    work_add(NUMERIC_WORK(SAMPLE_WEIGHT), n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = value_mul(g[a], w);
    }
}

void reset_errors(value_t *g, uint32_t n)
{
    work_add(WORK_ERRORS_RESET, n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = VALUE_ZERO;
    }
}

void activation_backward(uint32_t activation, const value_t *y, value_t *g,
                         uint32_t n)
{
    static const work_kind_t backward_work[] = {
        [ACTIVATION_LINEAR] = NUMERIC_WORK(BACKWARD_LINEAR),
        [ACTIVATION_RELU] = NUMERIC_WORK(BACKWARD_RELU),
        [ACTIVATION_SIGMOID] = NUMERIC_WORK(BACKWARD_SIGMOID),
        [ACTIVATION_TANH] = NUMERIC_WORK(BACKWARD_TANH),
        [ACTIVATION_SOFTMAX] = NUMERIC_WORK(BACKWARD_LINEAR)
    };
    if (activation <= ACTIVATION_SOFTMAX) {
        work_add(backward_work[activation], n);
    }
    for (uint32_t a = 0; a < n; a++) {
        switch (activation) {
        case ACTIVATION_RELU:
            if (!(y[a] > VALUE_ZERO)) {
                g[a] = VALUE_ZERO;
            }
            break;
        case ACTIVATION_SIGMOID:
            g[a] = value_mul(g[a], value_mul(y[a], VALUE_ONE - y[a]));
            break;
        case ACTIVATION_TANH:
            g[a] = value_mul(g[a], VALUE_ONE - value_mul(y[a], y[a]));
            break;
        default:
            break;
        }
    }
}

void optimizer_init(optimizer_powers_t *powers,
                    const training_params_t *training, uint32_t steps)
{
    powers->beta_1_power = WEIGHT_ONE;
    powers->beta_2_power = WEIGHT_ONE;
    powers->adam_rate = WEIGHT_ZERO;    /* optimizer_begin_step sets it */
    for (uint32_t s = 0; s < steps; s++) {
        powers->beta_1_power = weight_mul(powers->beta_1_power,
                training->beta_1);
        powers->beta_2_power = weight_mul(powers->beta_2_power,
                training->beta_2);
    }
}

void optimizer_begin_step(const training_params_t *training,
                          optimizer_powers_t *powers)
{
    if (training->optimizer != OPTIMIZER_ADAM) {
        return;
    }
    /* Keras Adam, t = this update's step from 1 */
    powers->beta_1_power = weight_mul(powers->beta_1_power,
            training->beta_1);
    powers->beta_2_power = weight_mul(powers->beta_2_power,
            training->beta_2);
    powers->adam_rate = weight_div(weight_mul(training->learning_rate,
            weight_sqrt(WEIGHT_ONE - powers->beta_2_power)),
            WEIGHT_ONE - powers->beta_1_power);
}

void optimizer_update(const training_params_t *training,
                      const optimizer_powers_t *powers, weight_t *parameters,
                      weight_t *gradient_sums, weight_t *state,
                      uint32_t slot_stride, uint32_t n,
                      uint32_t batch_examples)
{
    batch_divisor_t examples = batch_divisor(batch_examples);
    weight_t lr = training->learning_rate;
    switch (training->optimizer) {
    case OPTIMIZER_SGD_MOMENTUM: {
        /* Keras SGD: m = m * momentum - g * lr; w += m */
        weight_t momentum = training->momentum;
        work_add(NUMERIC_WORK(UPDATE_MOMENTUM), n);
        work_add(WORK_SDRAM_WORD, 2 * n);  /* the momentum read, written */
        for (uint32_t j = 0; j < n; j++) {
            weight_t g = weight_batch_mean(gradient_sums[j], examples);
            gradient_sums[j] = WEIGHT_ZERO;
            state[j] = weight_sub(weight_mul(state[j], momentum),
                    weight_mul(g, lr));
            parameters[j] = weight_add(parameters[j], state[j]);
        }
        break;
    }
    case OPTIMIZER_ADAM: {
        weight_t one_minus_beta_1 = training->one_minus_beta_1;
        weight_t one_minus_beta_2 = training->one_minus_beta_2;
        weight_t epsilon = training->epsilon;
        weight_t alpha = powers->adam_rate;
        weight_t *m = state, *v = &state[slot_stride];
        work_add(NUMERIC_WORK(UPDATE_ADAM), n);
        work_add(WORK_SDRAM_WORD, 4 * n);  /* m and v read, written */
        for (uint32_t j = 0; j < n; j++) {
            weight_t g = weight_batch_mean(gradient_sums[j], examples);
            gradient_sums[j] = WEIGHT_ZERO;
            m[j] = weight_add(m[j], weight_mul(weight_sub(g, m[j]),
                    one_minus_beta_1));
            weight_t root = weight_rms_update(&v[j], g, one_minus_beta_2);
            parameters[j] = weight_sub(parameters[j], weight_div(
                    weight_mul(m[j], alpha), weight_add(root, epsilon)));
        }
        break;
    }
    default:
        /* Keras SGD without momentum: w -= g * lr */
        work_add(NUMERIC_WORK(UPDATE_SGD), n);
        for (uint32_t j = 0; j < n; j++) {
            weight_t g = weight_batch_mean(gradient_sums[j], examples);
            gradient_sums[j] = WEIGHT_ZERO;
            parameters[j] = weight_sub(parameters[j], weight_mul(g, lr));
        }
    }
}

value_t softmax_dot(const value_t *y, const value_t *g, uint32_t n)
{
    work_add(NUMERIC_WORK(SOFTMAX_DOT), n);
    value_t dot = VALUE_ZERO;
    for (uint32_t a = 0; a < n; a++) {
        dot = value_add(dot, value_mul(y[a], g[a]));
    }
    return dot;
}

void softmax_delta(const value_t *y, value_t *g, value_t dot, uint32_t n)
{
    work_add(NUMERIC_WORK(SOFTMAX_DELTA), n);
    for (uint32_t a = 0; a < n; a++) {
        g[a] = value_mul(y[a], g[a] - dot);
    }
}
