"""spinndl: deep learning on SpiNNaker with a Keras-like API."""

from .keras_io import from_keras
from .layers import Dense, Input
from .model import Model, Sequential
from .plotting import plot_history

__all__ = ["Model", "Sequential", "Input", "Dense", "from_keras",
           "plot_history"]
