/*
 * The data regions of a layer core: the C side of spinndl/wire_format.py
 * (docs/wire_format.md). Python writes them; the layer programs read them.
 * Keep the two in step: unit_tests/test_c_constants.py reads this header and
 * checks every number and struct field against the Python definitions.
 */
#ifndef SPINNDL_LAYER_REGIONS_H
#define SPINNDL_LAYER_REGIONS_H

#include <stdint.h>
#include "numeric.h"

typedef enum {
    REGION_SYSTEM = 0,     /* FEC simulation header                       */
    REGION_PARAMS = 1,     /* layer_params_t                              */
    REGION_KEY_TABLE = 2,  /* key_table_t: which input each key carries   */
    REGION_WEIGHTS = 3,    /* n_atoms rows of n_inputs weight_t, then biases;
                              written back after every training update    */
    /* Training only (docs/training.md) */
    REGION_TRAINING = 4,      /* training_params_t                         */
    REGION_BACKWARD_IN = 5,   /* key_table_t of partial errors from layer L+1;
                                 index = key & ~mask within this core's atoms */
    REGION_BACKWARD_OUT = 6,  /* backward_targets_t                        */
    REGION_LABEL_TABLE = 7,   /* key_table_t of the label source (output
                                 layer): label index = first_index + (key & ~mask) */
    REGION_OPTIMIZER = 8,     /* zeroed optimizer state: slots x weights layout */
    /* A layer kind's own parameters, if it has any (Dense has none) */
    REGION_KIND_PARAMS = 9,
    /* Training a kind whose parameters all its cores share (a convolution
     * over several cores): reduction_params of window/kernel_reduction.h */
    REGION_REDUCTION = 10,
    /* Training with replicas only: replica_params_t (absent otherwise) */
    REGION_REPLICAS = 11,
    /* Fixed-point programs only: SATURATION_COUNTERS uint32_t, one per
     * saturation_kind_t, zeroed by the host, counted up by the core
     * (docs/numerics.md, "Saturation"); read back after every run */
    REGION_SATURATION = 12
} layer_region_t;

/* Where a fixed-point result was clipped to its range: the SATURATION
 * region's counters, in this order. */
typedef enum {
    SATURATION_FORWARD = 0,   /* z, activations, softmax                 */
    SATURATION_BACKWARD = 1,  /* loss gradients, deltas, partial errors,
                                 gradient sums                           */
    SATURATION_UPDATE = 2     /* parameters and optimizer state          */
} saturation_kind_t;
#define SATURATION_COUNTERS 3

typedef enum {
    LOSS_NONE = 0,
    LOSS_MEAN_SQUARED_ERROR = 1,
    LOSS_BINARY_CROSSENTROPY = 2,
    LOSS_CATEGORICAL_CROSSENTROPY = 3,
    /* The label source sends one packet per example, its payload the class
     * index (not a one-hot row): every output core gets it. */
    LOSS_SPARSE_CATEGORICAL_CROSSENTROPY = 4
} loss_t;

typedef enum {
    OPTIMIZER_SGD = 0,
    OPTIMIZER_SGD_MOMENTUM = 1,
    OPTIMIZER_ADAM = 2
} optimizer_t;

typedef enum {
    ACTIVATION_LINEAR = 0,
    ACTIVATION_RELU = 1,
    ACTIVATION_SIGMOID = 2,
    ACTIVATION_TANH = 3,
    ACTIVATION_SOFTMAX = 4
} activation_t;

typedef struct {
    uint32_t n_atoms;       /* atoms on this core                          */
    uint32_t lo_atom;       /* this core's first atom in the layer         */
    uint32_t layer_atoms;   /* atoms in the whole layer                    */
    uint32_t n_inputs;      /* input values per example                    */
    uint32_t activation;    /* activation_t                                */
    uint32_t forward_key;   /* atom a of an example in slot p sends its
                               output with forward_key + p * n_atoms + a   */
    uint32_t forward_mask;
    uint32_t training;      /* 1: also run backpropagation                 */
    /* Softmax only: statistics go out on the layer's "softmax" partition. */
    uint32_t softmax_key;       /* this core's base key there (4 x slots
                                   keys: round << slot bits | slot; 0 max,
                                   1 sum, 2 sum of y*g in training)        */
    uint32_t softmax_layer_key; /* key & mask of every core of the layer   */
    uint32_t softmax_layer_mask;
    uint32_t layer_cores;       /* cores the layer is split over           */
    uint32_t send_period_ns;    /* from one output packet to the next, so
                                   the next layer's cores are never flooded */
    uint32_t send_phase_us;     /* pause before an example's first packet:
                                   the core's slot among the layer's cores */
    uint32_t examples_in_flight; /* the network's slots (input_streams.h) */
    uint32_t forward_pairs;     /* 1: the outputs go to layer cores, which
                                   take two values a packet where they fit
                                   (fixed point, value_pairs.h)           */
} layer_params_t;

typedef struct {
    uint32_t loss;              /* loss_t: non-zero on the output layer only */
    uint32_t optimizer;         /* optimizer_t                              */
    uint32_t n_examples;        /* examples per epoch                       */
    uint32_t batch_size;        /* an epoch's last batch may be smaller     */
    weight_t learning_rate;
    weight_t momentum;
    weight_t beta_1;
    weight_t beta_2;
    weight_t epsilon;
    uint32_t is_first_layer;    /* 1: send acks, no partial errors          */
    uint32_t ack_key;           /* first layer: key of its ack packets      */
    uint32_t next_layer_cores;  /* partial errors per atom and example      */
    uint32_t output_atoms;      /* output layer width (losses average over) */
    uint32_t initial_step;      /* updates done in earlier runs (Adam's t:
                                   this run's first update is step
                                   initial_step + 1)                       */
    weight_t one_minus_beta_1;  /* 1 - beta, computed by the host in double */
    weight_t one_minus_beta_2;    /* and rounded once, as Keras does          */
    uint32_t sample_weights;    /* output layer, 1: the label source's last
                                   key carries the example's weight, which
                                   scales its loss gradient                 */
    uint32_t backward_period_ns; /* from one partial error sent to the
                                   next; the sends go round the previous
                                   layer's slices, one value to each in turn */
} training_params_t;

/* The gradient exchange of one core with the cores holding the same slice
 * in the other replicas (layer/gradient_exchange.h), a ring
 * 0 -> 1 -> ... -> R-1 -> 0. The n_values parameters are cut into R
 * segments; replica s owns segment s (wire_format.shard_bounds). Segment s's
 * gradient sums go round the ring from replica s + 1 to its owner, each
 * replica adding its own; the owner updates the segment and its new
 * weights go round the ring from it to replica s - 1. On the chain
 * partition value j of the sums has key base + j, the new weight j key
 * base + n_values + j. */
typedef struct {
    uint32_t n_replicas;
    uint32_t replica;       /* this core's replica, 0 .. n_replicas - 1      */
    uint32_t n_values;      /* gradient sums exchanged (the kind's)          */
    uint32_t chain_key;     /* sums and weights to the next replica          */
    uint32_t ready_key;     /* "send me your sums" to the previous replica   */
    uint32_t chain_in_key;  /* sums and weights from the previous replica    */
    uint32_t chain_in_mask;
    uint32_t ready_in_key;  /* the next replica is ready                     */
    uint32_t ready_in_mask;
    /* The segments this core deals with: its own (it updates it), the one
     * it starts (the previous replica's: only its own sums so far) and the
     * next replica's (whose weights end here) */
    uint32_t own_first;
    uint32_t own_count;
    uint32_t start_first;
    uint32_t start_count;
    uint32_t next_first;
    uint32_t next_count;
    uint32_t sums_period_ns;    /* between the sums this core starts        */
    uint32_t weights_period_ns; /* between its own segment's new weights    */
    /* Every layer updates at once; the first layer acks the batch's last
     * example once every layer has: a core tells the layer before (not
     * the first layer) when it and every core after it are updated. */
    uint32_t updated_key;      /* to every core of the previous layer        */
    uint32_t updated_in_key;   /* from every core of the next layer          */
    uint32_t updated_in_mask;
} replica_params_t;

typedef struct {
    uint32_t key;       /* partial error of input lo_atom + j: key + j,
                           + p * n_atoms for an example in slot p        */
    uint32_t lo_atom;   /* a slice of the previous layer               */
    uint32_t n_atoms;
} backward_target_t;

typedef struct {
    uint32_t n_targets;
    backward_target_t targets[];
} backward_targets_t;

typedef struct {
    uint32_t key;          /* packets with (key & mask) == key ...        */
    uint32_t mask;
    uint32_t first_index;  /* ... carry input first_index + (key & ~mask) */
    uint32_t n_atoms;
} key_entry_t;

typedef struct {
    uint32_t n_entries;
    key_entry_t entries[];  /* sorted by key */
} key_table_t;

#endif
