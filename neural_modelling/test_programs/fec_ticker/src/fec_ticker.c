/*
 * fec_ticker: a program in the standard FEC shape (system region,
 * simulation_run, pause at the end of each run, resume) that also moves
 * data by DMA; checks the host support of FEC's simulation interface.
 *
 * Region 0 SYSTEM: FEC's simulation header (magic = application name hash,
 *   timer period in us, SDP port, 0).
 * Region 1 RESULT (4 words):
 *   [0] timer ticks simulated (FEC time + 1 at each pause)
 *   [1] times resumed  [2] DMA transfers completed
 *   [3] FEC time, written by DMA every tick
 */
#include <spin1_api.h>
#include <common-typedefs.h>
#include <data_specification.h>
#include <simulation.h>
#include <debug.h>

enum regions { SYSTEM = 0, RESULT = 1 };
enum priorities { SDP_PRIORITY = 1, DMA_PRIORITY = 0, TIMER_PRIORITY = 1 };
enum { TIME_DMA_TAG = 1 };

struct ticker_result {
    uint32_t ticks;
    uint32_t resumes;
    uint32_t dma_done;
    uint32_t dma_time;
};

static uint32_t simulation_ticks = 0;
static uint32_t infinite_run = 0;
static uint32_t time = 0;
static uint32_t timer_period = 0;
static struct ticker_result *result;
static uint32_t time_to_write;    /* DTCM source of the DMA */

static void resume(void)
{
    result->resumes++;
}

static void dma_done(uint transfer_id, uint tag)
{
    use(transfer_id);
    use(tag);
    result->dma_done++;
}

static void timer_tick(uint unused0, uint unused1)
{
    use(unused0);
    use(unused1);
    time++;
    if (simulation_is_finished()) {
        result->ticks = time;
        simulation_handle_pause_resume(resume);
        log_debug("paused at time %u", time);
        time--;
        simulation_ready_to_read();
        return;
    }
    time_to_write = time;
    spin1_dma_transfer(TIME_DMA_TAG, &result->dma_time, &time_to_write,
            DMA_WRITE, sizeof(time_to_write));
}

void c_main(void)
{
    data_specification_metadata_t *ds = data_specification_get_data_address();
    if (!data_specification_read_header(ds)) {
        rt_error(RTE_SWERR);
    }
    if (!simulation_initialise(data_specification_get_region(SYSTEM, ds),
            APPLICATION_NAME_HASH, &timer_period, &simulation_ticks,
            &infinite_run, &time, SDP_PRIORITY, DMA_PRIORITY)) {
        rt_error(RTE_SWERR);
    }
    if (!simulation_dma_transfer_done_callback_on(TIME_DMA_TAG, dma_done)) {
        rt_error(RTE_SWERR);
    }
    result = data_specification_get_region(RESULT, ds);
    spin1_set_timer_tick(timer_period);
    spin1_callback_on(TIMER_TICK, timer_tick, TIMER_PRIORITY);
    simulation_run();
}
