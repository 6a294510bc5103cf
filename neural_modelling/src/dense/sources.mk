# The sources of the Dense inference program, shared by src/dense (float)
# and src/dense_fixed (the same sources built with SPINNDL_FIXED).
SOURCE_DIRS := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)/
SOURCES := layer/layer_main.c layer/layer_inference.c dense/dense_impl.c \
    dense/dense_maths.c common/regions.c common/input_streams.c \
    common/layer_forward.c common/softmax_exchange.c common/paced_send.c \
    common/value_pairs.c common/float_maths.c common/core_clock.c \
    common/fixed_maths.c common/work.c
