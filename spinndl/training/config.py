"""What a training run tells the cores (docs/training.md)."""

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

from ..wire_format import OPTIMIZER_SLOTS, Loss

#: Keras loss names → the loss stage the output layer runs.
LOSS_CODES = {
    "mean_squared_error": Loss.MEAN_SQUARED_ERROR,
    "mse": Loss.MEAN_SQUARED_ERROR,
    "binary_crossentropy": Loss.BINARY_CROSSENTROPY,
    "categorical_crossentropy": Loss.CATEGORICAL_CROSSENTROPY,
    "sparse_categorical_crossentropy":
        Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
}
#: Losses whose labels are class indices, shape (n,) or (n, 1).
SPARSE_LOSSES = ("sparse_categorical_crossentropy",)
#: Losses that need a softmax output layer.
SOFTMAX_LOSSES = ("categorical_crossentropy",
                  "sparse_categorical_crossentropy")


@dataclass
class OptimizerState:
    """What Keras keeps between fit calls: per layer and slot (momentum;
    Adam's m and v) arrays shaped like the layer's weights (Keras layout),
    and the number of updates done so far."""
    slots: Dict[str, List[List[np.ndarray]]] = field(default_factory=dict)
    step: int = 0


@dataclass
class TrainingConfig:
    loss: str
    optimizer: object           # spinndl.optimizers.SGD or Adam
    n_examples: int             # per epoch
    batch_size: int
    state: OptimizerState
    #: the label source also sends each example's weight (sample_weight)
    sample_weights: bool = False

    @property
    def loss_code(self) -> Loss:
        return LOSS_CODES[self.loss]

    @property
    def optimizer_slots(self) -> int:
        return OPTIMIZER_SLOTS[self.optimizer.code]

    def slot_arrays(self, layer) -> List[List[np.ndarray]]:
        """The layer's optimizer state, zeros if it has none yet."""
        slots = self.state.slots.get(layer.name)
        if slots is None or len(slots) != self.optimizer_slots:
            slots = [[np.zeros_like(w) for w in layer.get_weights()]
                     for _ in range(self.optimizer_slots)]
        return slots


def default_config(n_examples: int = 1, batch_size: int = 1
                   ) -> TrainingConfig:
    """The layout of training, for mapping reports: plain SGD and MSE."""
    from ..optimizers import SGD
    return TrainingConfig(loss="mean_squared_error", optimizer=SGD(),
                          n_examples=n_examples, batch_size=batch_size,
                          state=OptimizerState())
