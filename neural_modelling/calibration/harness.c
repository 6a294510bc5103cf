/*
 * The ARM calibration's entry point (spinndl/benchmarks/arm_calibration.py):
 * the pure kernel sources of src/ linked with no SARK, spin1 or FEC, built
 * with the board build's flags and run function by function under an
 * instruction-level ARM emulator. The calibration calls the kernels'
 * own functions directly; this file only supplies
 *  - the few runtime calls the kernels make (DTCM allocation, sends), as
 *    stubs that record what the kernels asked for;
 *  - the packet-filing path of the layer programs' packet-received
 *    callbacks, whose spin1 entry (the FIQ) is charged separately
 *    (WORK_CYCLES_PACKET_INTERRUPT in common/work.h).
 * Built twice: as the float kernels, and with SPINNDL_FIXED as the
 * fixed-point ones (common/numeric.h).
 */
#include <stdint.h>
#include "common/input_streams.h"
#include "common/paced_send.h"
#include "common/work.h"
#include "dense/dense_maths.h"
#include "window/window_errors.h"

/* ---- stubs of the runtime ---------------------------------------------- */

#define HEAP_BYTES 16384
static uint8_t heap[HEAP_BYTES] __attribute__((aligned(8)));
static uint32_t heap_used;

void *allocate(uint32_t bytes)
{
    void *block = &heap[heap_used];
    heap_used += (bytes + 7u) & ~7u;
    return block;
}

void *copy_to_dtcm(const void *region, uint32_t bytes)
{
    uint32_t *copy = allocate(bytes);
    const uint32_t *from = region;
    for (uint32_t i = 0; i < bytes / 4; i++) {
        copy[i] = from[i];
    }
    return copy;
}

uint32_t sent_keys[64], sent_payloads[64], n_sent;

void send_word(uint32_t key, uint32_t payload)
{
    sent_keys[n_sent & 63] = key;
    sent_payloads[n_sent & 63] = payload;
    n_sent++;
}

void send_value(uint32_t key, value_t value)
{
    send_word(key, value_to_bits(value));
}

/* paced_send.c's loop without its pauses (spin1_delay_us): the emulator
 * charges the sends themselves (WORK_CYCLES_PACKET_SEND). */
void send_paced(uint32_t base_key, const value_t *values, uint32_t n,
                uint32_t period_ns, uint32_t phase_ns)
{
    (void) period_ns;
    (void) phase_ns;
    for (uint32_t i = 0; i < n; i++) {
        send_value(base_key + i, values[i]);
    }
}

/* The partial errors one by one, as layer_training.c sends them when the
 * kind streams them (dense_training_impl.c): the list, then a call per
 * input. */
void cal_partial_errors_one_by_one(const weight_t *parameters,
                                   const value_t *delta, value_t *e,
                                   uint32_t n_atoms, uint32_t n_inputs,
                                   dense_live_atom_t *live)
{
    uint32_t n_live = dense_live_atoms(delta, n_atoms, n_inputs, live);
    for (uint32_t i = 0; i < n_inputs; i++) {
        e[i] = dense_partial_error(parameters, delta, live, n_live, n_atoms,
                n_inputs, i);
    }
}

/* A backward step streamed input by input, as dense_training_impl.c
 * does it while it sends the partial errors: the list and the biases'
 * sums, then a call per input for e_i and its column of weight sums. */
void cal_streamed_backward(const weight_t *parameters,
                           weight_t *gradient_sums, const value_t *delta,
                           const value_t *x, value_t *e, uint32_t n_atoms,
                           uint32_t n_inputs, dense_live_atom_t *live)
{
    uint32_t n_live = dense_live_atoms(delta, n_atoms, n_inputs, live);
    dense_accumulate_bias_gradients(gradient_sums, delta, n_atoms, n_inputs);
    for (uint32_t i = 0; i < n_inputs; i++) {
        e[i] = dense_streamed_input(parameters, gradient_sums, live, n_live,
                i, x[i]);
    }
}

/* window/window_errors.h's inline loop, callable. */
void cal_clear_errors(value_t *errors, uint32_t n)
{
    window_errors_clear(errors, n);
}

/* ---- the packet-received callbacks' filing, as src/layer/layer_inference.c, layer_training.c ------------ */

/* A forward input: filed into its example's input buffer (a pair key's
 * two values, where the stream takes pairs), as layer_main.c files it. */
int32_t cal_file_input(input_streams_t *streams, uint32_t key,
                       uint32_t payload, uint32_t **buffers)
{
    uint32_t parity;
    return input_streams_file(streams, key, payload, buffers, 0xFFFFFFFFu,
                              &parity);
}

/* A stream that takes pairs of values (a fixed-point layer's inputs). */
void cal_take_pairs(input_streams_t *streams)
{
    streams->pairs = 1;
}

/* A partial error: added to its example's g (layer/layer_training.c). */
int32_t cal_file_partial_error(input_streams_t *streams, uint32_t key,
                               uint32_t payload, value_t **buffers)
{
    uint32_t parity, index;
    int32_t status = input_streams_receive(streams, key, &parity, &index);
    if (status >= 0) {
        buffers[parity][index] = value_add_counting(buffers[parity][index],
                value_from_bits(payload), SATURATION_BACKWARD);
        work_add(NUMERIC_WORK(PARTIAL_ERROR_FILED), 1);
    }
    return status;
}

void _start(void)
{
    for (;;) {
    }
}
