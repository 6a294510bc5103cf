"""A model as a SpiNNaker application graph: one application vertex per
layer, split into machine vertices by the packing maths."""
