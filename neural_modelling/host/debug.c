/* spinn_common's logging on the host: one line per message to the engine. */
#include <stdarg.h>
#include <stdio.h>
#include "host_core.h"
#include "debug.h"

void emu_host_vlog(int32_t level, const char *format, va_list args)
{
    if (level > *emu_host_ops->log_level) {
        return;
    }
    char line[1024];
    vsnprintf(line, sizeof(line), format, args);
    emu_host_ops->log(emu_host_core, level, line);
}

#define DEFINE_LOG(name, level) \
    void name(const char *message, ...) \
    { \
        va_list args; \
        va_start(args, message); \
        emu_host_vlog(level, message, args); \
        va_end(args); \
    }

DEFINE_LOG(log_error, LOG_ERROR)
DEFINE_LOG(log_warning, LOG_WARNING)
DEFINE_LOG(log_info, LOG_INFO)
DEFINE_LOG(log_debug, LOG_DEBUG)
