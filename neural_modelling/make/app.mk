# Shared rules for a spinndl C program, included by each program's Makefile
# after it sets APP (binary name) and SOURCES (files under SOURCE_DIRS,
# default src/), in the FEC style.
#
#   make          board build: $(APP).aplx with the standard SpiNNaker rules
#                 ($(SPINN_DIRS)/make/local.mk), into APP_OUTPUT_DIR
#                 (default spinndl/model_binaries/)
#   make host     host build for the emulator: $(APP).so linked with the
#                 host support (neural_modelling/host), into HOST_OUTPUT_DIR
#                 (default spinndl/model_binaries/host/); needs gcc and make
# NUMERIC_FLAGS (e.g. -DSPINNDL_FIXED) selects the number format of
# src/common/numeric.h for both builds.

SPINNDL_MAKE_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
SPINNDL_NM_DIR := $(abspath $(SPINNDL_MAKE_DIR)..)/
SPINNDL_MODEL_BINARIES := $(abspath $(SPINNDL_NM_DIR)../spinndl/model_binaries)/

ifneq ($(filter host host-clean,$(MAKECMDGOALS)),)
    include $(SPINNDL_MAKE_DIR)host.mk
else
    ifndef SPINN_DIRS
        $(error SPINN_DIRS is not set: the board build needs spinnaker_tools \
            (with spinn_common and SpiNNFrontEndCommon installed into it); \
            'make host' builds for the emulator instead)
    endif
    APP_OUTPUT_DIR ?= $(SPINNDL_MODEL_BINARIES)
    CFLAGS += -Werror $(NUMERIC_FLAGS)
    include $(SPINN_DIRS)/make/local.mk
endif
