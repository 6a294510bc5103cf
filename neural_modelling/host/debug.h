/*
 * Host form of spinn_common's debug.h: log_error/warning/info/debug print to
 * the emulator's stderr, prefixed with the core, filtered by the engine's
 * log level (log_debug is off by default).
 */
#ifndef __DEBUG_H__
#define __DEBUG_H__

#include <stdint.h>
#include "spin1_api.h"

#define LOG_ERROR 10
#define LOG_WARNING 20
#define LOG_INFO 30
#define LOG_DEBUG 40
#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_DEBUG
#endif

void log_error(const char *message, ...);
void log_warning(const char *message, ...);
void log_info(const char *message, ...);
void log_debug(const char *message, ...);

#define check(condition, message, ...) \
    do { \
        if (!(condition)) { \
            log_error("[CHECK FAILED] " message, ##__VA_ARGS__); \
        } \
    } while (0)

static inline uint32_t float_to_int(float f)
{
    union { float f; uint32_t i; } dat;
    dat.f = f;
    return dat.i;
}

#endif /* __DEBUG_H__ */
