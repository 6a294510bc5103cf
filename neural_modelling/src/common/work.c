#include "work.h"

work_counters_t work_counters = { .n_kinds = N_WORK_KINDS };
