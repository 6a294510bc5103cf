"""spinndl: deep learning on SpiNNaker with a Keras-like API."""

from . import callbacks, layers, metrics, optimizers
from .keras_io import from_keras
from .layers import Dense, Input
from .machine import VirtualMachine
from .model import Model, Sequential
from .plotting import plot_history
from .saturation import SaturationWarning
from .saving import load_model

__all__ = ["Model", "Sequential", "Input", "Dense", "from_keras",
           "plot_history", "VirtualMachine", "load_model", "callbacks",
           "layers", "metrics", "optimizers", "SaturationWarning"]
