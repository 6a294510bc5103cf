/* FEC's region table access on the host: the engine built the table. */
#include "host_core.h"
#include "data_specification.h"
#include "debug.h"

data_specification_metadata_t *data_specification_get_data_address(void)
{
    return emu_host_ds_table;
}

bool data_specification_read_header(data_specification_metadata_t *ds_regions)
{
    if (ds_regions->magic_number != EMU_DS_MAGIC_NUMBER) {
        log_error("[ERROR] Magic number is incorrect: %08x",
                ds_regions->magic_number);
        return false;
    }
    if (ds_regions->version != EMU_DS_VERSION) {
        log_error("[ERROR] Version number is incorrect: %08x",
                ds_regions->version);
        return false;
    }
    return true;
}
