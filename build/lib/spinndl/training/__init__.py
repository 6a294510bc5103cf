"""Training on the cores: what the graph needs to know, and the host loop."""
