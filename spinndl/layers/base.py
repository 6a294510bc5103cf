"""What every layer has: a name, a shape, its weights in Keras layout, and
the atoms it is split into on the machine."""

from typing import List, Optional, Sequence, Tuple

import numpy as np


class Layer:
    """Base of all layers.

    A layer is built once its input shape is known (``Model.add`` does
    that). Its atoms are the units of work the splitter spreads over cores:
    perceptrons for Dense, output positions for convolutions.
    """

    #: Short kind name, used for automatic names ("dense_1") and by the
    #: graph to find the vertex class of the layer.
    kind = "layer"

    def __init__(self, name: Optional[str] = None):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"layer name must be a non-empty string, "
                             f"got {name!r}")
        self.name = name
        self.input_shape: Optional[Tuple[int, ...]] = None
        self.output_shape: Optional[Tuple[int, ...]] = None
        self._weights: List[np.ndarray] = []

    # -- building ------------------------------------------------------------
    def build(self, input_shape: Tuple[int, ...],
              rng: np.random.Generator) -> None:
        """Fix the input shape, compute the output shape, create weights."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self._weights = self.initial_weights(rng)

    def compute_output_shape(self, input_shape: Tuple[int, ...]
                             ) -> Tuple[int, ...]:
        raise NotImplementedError

    def initial_weights(self, rng: np.random.Generator) -> List[np.ndarray]:
        return []

    def __call__(self, inputs):
        """Keras' functional API: ``Dense(4)(x)`` with ``x`` an ``Input``
        or the output of another layer call returns a symbolic tensor of
        this layer's output shape. The weights are made when a Model is
        built from the tensors (with the Model's seed)."""
        from .tensor import SymbolicTensor
        if isinstance(inputs, Layer) and inputs.kind == "input":
            inputs = inputs.output
        if not isinstance(inputs, SymbolicTensor):
            raise TypeError(
                f"layer {self.display_name!r}: call it on an Input or on "
                f"the output of another layer call, got "
                f"{type(inputs).__name__}; to compute outputs for data, "
                f"build a Model and use model.predict")
        shape = inputs.example_shape
        if self.built and self.input_shape != shape:
            raise ValueError(
                f"layer {self.display_name!r} was built for inputs of shape "
                f"{self.input_shape}, called on shape {shape}")
        return SymbolicTensor(self.compute_output_shape(shape), self, inputs)

    @property
    def display_name(self) -> str:
        """The name, or the kind before a model has named the layer."""
        return self.name or self.kind

    @property
    def built(self) -> bool:
        return self.output_shape is not None

    # -- atoms -----------------------------------------------------------------
    @property
    def n_atoms(self) -> int:
        """Atoms this layer has on the machine."""
        assert self.output_shape is not None
        return int(np.prod(self.output_shape))

    @property
    def n_inputs(self) -> int:
        """Values each example brings into this layer."""
        assert self.input_shape is not None
        return int(np.prod(self.input_shape))

    # -- weights, in Keras layout ---------------------------------------------
    def weight_shapes(self) -> List[Tuple[int, ...]]:
        return [w.shape for w in self._weights]

    def get_weights(self) -> List[np.ndarray]:
        return [w.copy() for w in self._weights]

    def check_weights(self, weights: Sequence) -> List[np.ndarray]:
        """Validated float32 copies of ``weights``, or a ValueError naming
        this layer, the weight, the shape given and the shape expected."""
        expected = self.weight_shapes()
        if len(weights) != len(expected):
            raise ValueError(
                f"layer {self.name!r} has {len(expected)} weight arrays "
                f"{expected}, got {len(weights)}")
        checked = []
        for index, (value, shape) in enumerate(zip(weights, expected)):
            array = np.asarray(value)
            if array.shape != shape:
                raise ValueError(
                    f"layer {self.name!r} weight {index}: shape "
                    f"{array.shape} given, {shape} expected (Keras layout)")
            if not np.issubdtype(array.dtype, np.number):
                raise ValueError(
                    f"layer {self.name!r} weight {index}: numbers expected, "
                    f"got dtype {array.dtype}")
            with np.errstate(over="ignore"):
                narrowed = array.astype(np.float32)
            if np.all(np.isfinite(array)) and not np.all(
                    np.isfinite(narrowed)):
                bad = np.argwhere(~np.isfinite(narrowed))[0]
                raise ValueError(
                    f"layer {self.name!r} weight {index}: value "
                    f"{array[tuple(bad)]} at index "
                    f"{tuple(int(i) for i in bad)} overflows float32 "
                    f"(largest {np.finfo(np.float32).max:.4g})")
            array = narrowed
            if not np.all(np.isfinite(array)):
                bad = np.argwhere(~np.isfinite(array))[0]
                raise ValueError(
                    f"layer {self.name!r} weight {index}: non-finite value "
                    f"{array[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
            checked.append(array)
        return checked

    def set_weights(self, weights: Sequence) -> None:
        self._weights = self.check_weights(weights)

    def count_params(self) -> int:
        return int(sum(w.size for w in self._weights))

    # -- configuration (saving) ----------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments, JSON-serialisable (Keras' idea)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
