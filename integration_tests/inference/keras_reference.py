"""The references of the parity tests (spinndl.reference), and Keras."""

from spinndl.reference import keras as _keras
from spinndl.reference import keras_twin, numpy_forward  # noqa: F401

keras = _keras()
