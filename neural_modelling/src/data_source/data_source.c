/*
 * The on-board data source (docs/streaming.md, "Inputs from the board's
 * SDRAM"): the host writes a replica's examples to this core's DATA region
 * in SDRAM once, at load time; the core sends them to the first layer as
 * the live input source would (value i of example e with key
 * forward_key + (e % 2) * n_values + i), keeping at most two examples
 * outstanding: it counts the output layer's packets (they reach it as well
 * as the gatherer) and sends example e + 2 once example e's outputs are
 * all out. Each word is read from SDRAM without DMA (charged as such).
 */
#include <debug.h>
#include <simulation.h>
#include <spin1_api.h>

#include "../common/input_streams.h"
#include "../common/layer_regions.h"
#include "../common/paced_send.h"
#include "../common/regions.h"
#include "../common/work.h"

#define SEND_PRIORITY 1

/* Regions of a data source core (spinndl/graph/data_source.py) */
enum {
    DS_REGION_SYSTEM = 0,
    DS_REGION_PARAMS = 1,
    DS_REGION_OUTPUT_TABLE = 2,   /* key_table_t of the output layer's cores */
    DS_REGION_DATA = 3            /* n_examples x n_values words            */
};

typedef struct {
    uint32_t n_examples;
    uint32_t n_values;      /* values per example                           */
    uint32_t forward_key;   /* value i of parity p: key + p * n_values + i  */
    uint32_t gap_us;        /* pause after each value sent                  */
} data_source_params_t;

static data_source_params_t params;
static const uint32_t *data;        /* SDRAM */
static input_streams_t outputs_in;
static uint32_t sent;

static void send_next(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    if (sent >= params.n_examples) {
        return;
    }
    uint32_t e = sent++;
    uint32_t base = params.forward_key + (e % EXAMPLES_IN_FLIGHT)
            * params.n_values;
    const uint32_t *words = data + e * params.n_values;
    for (uint32_t i = 0; i < params.n_values; i++) {
        send_word(base + i, words[i]);
        spin1_delay_us(params.gap_us);
    }
    work_add(WORK_SDRAM_WORD, params.n_values);
}

static void schedule_send(void)
{
    if (!spin1_schedule_callback(send_next, 0, 0, SEND_PRIORITY)) {
        log_error("task queue full");
        rt_error(RTE_SWERR);
    }
}

static void receive_output(uint key, uint payload)
{
    use(payload);
    uint32_t parity, index;
    int32_t status = input_streams_receive(&outputs_in, key, &parity,
            &index);
    if (status < 0) {
        log_error("no output table entry for key 0x%08x", key);
        rt_error(RTE_SWERR);
    }
    if (status > 0) {   /* an example is out: the next may go */
        schedule_send();
    }
}

STARTUP void c_main(void)
{
    data_specification_metadata_t *regions =
            layer_program_start(APPLICATION_NAME_HASH);
    spin1_memcpy(&params, data_specification_get_region(DS_REGION_PARAMS,
            regions), sizeof(params));
    data = data_specification_get_region(DS_REGION_DATA, regions);
    input_streams_init(&outputs_in,
            data_specification_get_region(DS_REGION_OUTPUT_TABLE, regions));
    sent = 0;
    log_info("data source: %u examples of %u values", params.n_examples,
            params.n_values);
    for (uint32_t e = 0; e < EXAMPLES_IN_FLIGHT; e++) {
        schedule_send();
    }
    spin1_callback_on(MCPL_PACKET_RECEIVED, receive_output, -1);
    simulation_run();
}
