/*
 * Host form of FEC's data_specification.h. The region table is built by the
 * emulator engine from the regions the toolchain wrote; pointers are host
 * pointers to the engine's copies.
 */
#ifndef _DATA_SPECIFICATION_H_
#define _DATA_SPECIFICATION_H_

#include <stdbool.h>
#include "common-typedefs.h"

typedef struct region_desc_t {
    void *pointer;
    uint32_t checksum;
    uint32_t n_words;
} region_desc_t;

typedef struct data_specification_metadata_t {
    uint32_t magic_number;
    uint32_t version;
    region_desc_t regions[];
} data_specification_metadata_t;

data_specification_metadata_t *data_specification_get_data_address(void);
bool data_specification_read_header(data_specification_metadata_t *ds_regions);

static inline void *data_specification_get_region(
        uint32_t region, data_specification_metadata_t *ds_regions)
{
    return ds_regions->regions[region].pointer;
}

#endif /* _DATA_SPECIFICATION_H_ */
