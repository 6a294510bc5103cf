#include "work.h"

work_counters_t work_counters;
