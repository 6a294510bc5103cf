/*
 * The on-board data source (docs/streaming.md, "Inputs from the board's
 * SDRAM"): the host writes a replica's examples to this core's DATA region
 * in SDRAM once, at load time; the core sends them to the first layer as
 * the live input source would (value i of example e with key
 * forward_key + (e % examples_in_flight) * n_values + i), keeping at most
 * examples_in_flight (the network's slots, in PARAMS) outstanding. Each
 * word is read from SDRAM without DMA (charged as such).
 *
 * Predict: it counts the output layer's packets (they reach it as well as
 * the gatherer) and sends example e + examples_in_flight once example e's
 * outputs are all out.
 *
 * Fit (docs/training.md, "Examples from the board's SDRAM"): it also sends
 * each example's label words, in place of the label source, and counts the
 * first layer's acks (one per first-layer core, payload the example's
 * slot) instead of outputs: an example is done once every first-layer core
 * has acked it. A batch end is a barrier: the BATCHES region says how many
 * examples of each batch are this replica's, and the first example of the
 * next batch goes only when every example of this one is acked (the ack of
 * a batch's last example means the whole network, or with replicas every
 * replica, has updated).
 */
#include <debug.h>
#include <simulation.h>
#include <spin1_api.h>

#include "../common/input_streams.h"
#include "../common/key_lookup.h"
#include "../common/layer_regions.h"
#include "../common/paced_send.h"
#include "../common/regions.h"
#include "../common/work.h"

#define SEND_PRIORITY 1

/* Regions of a data source core (spinndl/graph/data_source.py) */
enum {
    DS_REGION_SYSTEM = 0,
    DS_REGION_PARAMS = 1,
    DS_REGION_OUTPUT_TABLE = 2,   /* predict: key_table_t of the output
                                     layer's cores                         */
    DS_REGION_DATA = 3,           /* n_examples x n_values words           */
    /* fit only */
    DS_REGION_LABELS = 4,         /* n_examples x n_label_words words      */
    DS_REGION_BATCHES = 5,        /* n_batches words: this replica's
                                     examples of each batch, in order      */
    DS_REGION_ACK_TABLE = 6       /* key_table_t of the first layer's acks */
};

typedef struct {
    uint32_t n_examples;
    uint32_t n_values;      /* values per example                           */
    uint32_t forward_key;   /* value i of slot p: key + p * n_values + i    */
    uint32_t period_ns;     /* from one word sent to the next (pacer_t)     */
    /* fit only (n_label_words 0: predict) */
    uint32_t n_label_words; /* label words per example                      */
    uint32_t label_key;     /* word i of slot p: key + p * n_label_words + i */
    uint32_t n_batches;     /* words of the BATCHES region                  */
    uint32_t examples_in_flight; /* the network's slots (input_streams.h)  */
    uint32_t forward_pairs; /* 1: two inputs a packet where they fit 16 bits
                               (fixed point, common/value_pairs.h)         */
} data_source_params_t;

static data_source_params_t params;
static const uint32_t *data;        /* SDRAM */
static const uint32_t *label_words; /* SDRAM */
static const uint32_t *batch_shares;
static input_streams_t outputs_in;  /* predict */
static key_entry_t *ack_cores;      /* fit: DTCM copy of the ack table */
static uint32_t n_ack_cores;
static uint32_t acks[MAX_EXAMPLES_IN_FLIGHT];

/* Written only by the send callback (sent, the batch) or only by the
 * packet callback (done), so the two never race on one counter. */
static volatile uint32_t sent;
static volatile uint32_t done;
static uint32_t batch;              /* the batch of example `sent - 1`    */
static uint32_t batch_end;          /* examples up to the end of `batch`  */

static bool training(void)
{
    return params.n_label_words > 0;
}

/* Whether example `sent` may go now: fewer than examples_in_flight
 * outstanding and, in fit, not past its batch's end while any example of
 * the batch is unacked. */
static bool may_send(void)
{
    if (sent >= params.n_examples
            || sent - done >= examples_in_flight) {
        return false;
    }
    if (!training() || sent < batch_end) {
        return true;
    }
    if (sent != done) {
        return false;        /* the batch barrier */
    }
    while (batch < params.n_batches && sent >= batch_end) {
        batch_end += batch_shares[batch++];
    }
    return sent < batch_end;
}

/* An example's n words from SDRAM in slot `slot` of a sender keyed key +
 * slot * n + i, with pairs two a packet where they fit (paced_send.h). */
static void send_words(uint32_t key, uint32_t slot, const uint32_t *words,
                       uint32_t n, bool pairs)
{
    send_paced_pairs(key, slot, words, n, pairs, params.period_ns, 0);
    work_add(WORK_SDRAM_WORD, n);
}

static void send_next(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    while (may_send()) {
        uint32_t e = sent;
        uint32_t slot = e & (examples_in_flight - 1);
        /* counted before it goes: its answers may come at once */
        sent = e + 1;
        /* two inputs a packet where they fit (fixed point) */
        send_words(params.forward_key, slot, data + e * params.n_values,
                params.n_values, params.forward_pairs);
        if (training()) {
            send_words(params.label_key, slot,
                    label_words + e * params.n_label_words,
                    params.n_label_words, false);
        }
    }
}

static void schedule_send(void)
{
    if (!spin1_schedule_callback(send_next, 0, 0, SEND_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

static void receive_output(uint32_t key)
{
    uint32_t parity, index;
    int32_t status = input_streams_receive(&outputs_in, key, &parity,
            &index);
    if (status < 0) {
        log_error("no output table entry for key 0x%08x", key);
        rt_error(RTE_SWERR);
    }
    if (status > 0) {   /* an example is out: the next may go */
        done++;
        schedule_send();
    }
}

static void receive_ack(uint32_t key, uint32_t slot)
{
    if (key_lookup(ack_cores, n_ack_cores, key) < 0
            || slot >= examples_in_flight) {
        log_error("not an ack of the first layer: key 0x%08x payload %u",
                key, slot);
        rt_error(RTE_SWERR);
    }
    work_add(WORK_PACKET_FILED, 1);
    if (++acks[slot] == n_ack_cores) {   /* every first-layer core is done */
        acks[slot] = 0;
        done++;
        schedule_send();
    }
}

static void receive(uint key, uint payload)
{
    if (training()) {
        receive_ack(key, payload);
    } else {
        receive_output(key);
    }
}

STARTUP void c_main(void)
{
    data_specification_metadata_t *regions =
            layer_program_start(APPLICATION_NAME_HASH);
    spin1_memcpy(&params, data_specification_get_region(DS_REGION_PARAMS,
            regions), sizeof(params));
    examples_in_flight_init(params.examples_in_flight);
    data = data_specification_get_region(DS_REGION_DATA, regions);
    if (training()) {
        label_words = data_specification_get_region(DS_REGION_LABELS,
                regions);
        batch_shares = data_specification_get_region(DS_REGION_BATCHES,
                regions);
        const key_table_t *table = data_specification_get_region(
                DS_REGION_ACK_TABLE, regions);
        n_ack_cores = table->n_entries;
        ack_cores = copy_to_dtcm(table->entries,
                n_ack_cores * sizeof(key_entry_t));
    } else {
        input_streams_init(&outputs_in, data_specification_get_region(
                DS_REGION_OUTPUT_TABLE, regions));
    }
    sent = done = 0;
    batch = batch_end = 0;
    for (uint32_t s = 0; s < MAX_EXAMPLES_IN_FLIGHT; s++) {
        acks[s] = 0;
    }
    log_info("data source: %u examples of %u values, %u label words",
            params.n_examples, params.n_values, params.n_label_words);
    schedule_send();
    spin1_callback_on(MCPL_PACKET_RECEIVED, receive, -1);
    simulation_run();
}
