# Host build of one program for the emulator (included by app.mk for
# 'make host'): a shared object holding the program and, statically, the
# host support that forwards spin1/SARK/FEC calls to the engine.
# -Bsymbolic binds the program's own symbols inside its object, so every
# per-core copy the engine loads keeps its own globals; --no-undefined makes
# a call the host support lacks a build error, not a load-time surprise.
#
# Each source compiles to its own object under HOST_BUILD_DIR with a gcc
# dependency file (-MMD -MP), so a changed header rebuilds exactly the
# objects that include it, and the shared object after them.

HOST_CC ?= gcc
HOST_OUTPUT_DIR ?= $(SPINNDL_MODEL_BINARIES)host/
HOST_BUILD_DIR ?= $(abspath build/host)/
SOURCE_DIRS ?= src/
SPINNDL_HOST_DIR := $(SPINNDL_NM_DIR)host/
SPINNDL_EMULATOR_DIR := $(SPINNDL_NM_DIR)emulator/

HOST_SUPPORT_SOURCES := $(wildcard $(SPINNDL_HOST_DIR)*.c)
# a program source the host support has its own version of (by file name:
# common/core_clock.c, the board's timer) is the host support's on the host
HOST_PROGRAM_SOURCES := $(filter-out \
    $(addprefix %/,$(notdir $(HOST_SUPPORT_SOURCES))),\
    $(abspath $(foreach s,$(SOURCES),\
    $(firstword $(wildcard $(addsuffix $(s),$(SOURCE_DIRS))) $(s)))))
# objects mirror the sources' paths below neural_modelling/
HOST_OBJECTS := $(patsubst $(SPINNDL_NM_DIR)%.c,$(HOST_BUILD_DIR)%.o,\
    $(HOST_PROGRAM_SOURCES) $(HOST_SUPPORT_SOURCES))
# the same application hash the board build puts in APPLICATION_NAME_HASH
HOST_APP_HASH := $(shell printf '%s' "$(APP)" | md5sum | cut -c 1-8)

HOST_CFLAGS ?= -O2
HOST_CFLAGS += -std=gnu11 -fPIC -Wall -Wextra -Werror $(NUMERIC_FLAGS) \
    -DAPPLICATION_NAME_HASH=0x$(HOST_APP_HASH) \
    $(addprefix -I,$(SOURCE_DIRS)) -I$(SPINNDL_HOST_DIR) \
    -I$(SPINNDL_EMULATOR_DIR)
HOST_LDFLAGS += -shared -Wl,-Bsymbolic -Wl,--no-undefined

HOST_SO := $(HOST_OUTPUT_DIR)$(APP).so

host: $(HOST_SO)

$(HOST_SO): $(HOST_OBJECTS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@.tmp $(HOST_OBJECTS) -lm
	@mv $@.tmp $@

# the Makefiles say the flags and sources: a change to them rebuilds too
$(HOST_BUILD_DIR)%.o: $(SPINNDL_NM_DIR)%.c $(MAKEFILE_LIST)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

-include $(HOST_OBJECTS:.o=.d)

host-clean:
	rm -f $(HOST_SO)
	rm -rf $(HOST_BUILD_DIR)

.PHONY: host host-clean
