#include "layer_forward.h"
#include "layer_regions.h"
#include "work.h"

static const work_kind_t activation_work[] = {
    [ACTIVATION_LINEAR] = NUMERIC_WORK(LINEAR),
    [ACTIVATION_RELU] = NUMERIC_WORK(RELU),
    [ACTIVATION_SIGMOID] = NUMERIC_WORK(SIGMOID),
    [ACTIVATION_TANH] = NUMERIC_WORK(TANH),
    [ACTIVATION_SOFTMAX] = NUMERIC_WORK(LINEAR)
};

void forward_activate(uint32_t activation, value_t *values, uint32_t n)
{
    if (activation <= ACTIVATION_SOFTMAX) {
        work_add(activation_work[activation], n);
    }
    for (uint32_t a = 0; a < n; a++) {
        value_t z = values[a];
        switch (activation) {
        case ACTIVATION_RELU:
            values[a] = z > VALUE_ZERO ? z : VALUE_ZERO;
            break;
        case ACTIVATION_SIGMOID:
            values[a] = value_sigmoid(z);
            break;
        case ACTIVATION_TANH:
            values[a] = value_tanh(z);
            break;
        default:
            break;
        }
    }
}

value_t softmax_local_sum(const value_t *z, uint32_t n, value_t layer_max)
{
    value_t sum = VALUE_ZERO;
    work_add(NUMERIC_WORK(SOFTMAX_SUM), n);
    for (uint32_t a = 0; a < n; a++) {
        sum = value_add(sum, value_exp(z[a] - layer_max));
    }
    return sum;
}

void softmax_normalise(value_t *values, uint32_t n, value_t layer_max,
                       value_t layer_sum)
{
    work_add(NUMERIC_WORK(SOFTMAX_NORMALISE), n);
    for (uint32_t a = 0; a < n; a++) {
        values[a] = value_div(value_exp(values[a] - layer_max), layer_sum);
    }
}
