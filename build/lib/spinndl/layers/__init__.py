"""Layers, one small class per kind, in Keras' shape and weight layout."""

from .base import Layer
from .dense import Dense
from .input import Input

__all__ = ["Layer", "Input", "Dense"]
