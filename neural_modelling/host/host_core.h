/*
 * State of the host support inside one program instance: which engine core
 * this copy of the program is, and the engine's forwarding table. Each core
 * loads its own copy of the shared object, so these globals are per core.
 */
#ifndef SPINNDL_HOST_CORE_H
#define SPINNDL_HOST_CORE_H

#include <stdint.h>
#include "host_ops.h"

extern const struct emu_host_ops *emu_host_ops;
extern void *emu_host_core;
extern uint32_t emu_host_x, emu_host_y, emu_host_p;
extern void *emu_host_ds_table;

/* Formats and forwards one log line if level passes the engine's filter. */
void emu_host_vlog(int32_t level, const char *format, __builtin_va_list args);

#define EMU_EXPORT __attribute__((visibility("default")))

#endif
