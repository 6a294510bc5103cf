"""spinndl: deep learning on SpiNNaker with a Keras-like API."""

from .machine import VirtualMachine
from .model import Model

__all__ = ["Model", "VirtualMachine"]
