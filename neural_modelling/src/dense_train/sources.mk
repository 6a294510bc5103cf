# The sources of the Dense training program, shared by src/dense_train
# (float) and src/dense_train_fixed (the same sources with SPINNDL_FIXED).
SOURCE_DIRS := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)/
SOURCES := layer/layer_main.c layer/layer_training.c \
    layer/gradient_exchange.c layer/weight_deltas.c dense/dense_impl.c \
    dense/dense_training_impl.c dense/dense_maths.c layer/training_maths.c \
    common/regions.c common/input_streams.c common/layer_forward.c \
    common/softmax_exchange.c common/paced_send.c common/value_pairs.c \
    common/core_clock.c common/float_maths.c common/fixed_maths.c \
    common/work.c common/kernel_reduction_none.c
