"""spinndl: deep learning on SpiNNaker with a Keras-like API."""

from .model import Model

__all__ = ["Model"]
