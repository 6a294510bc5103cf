"""Layers, one small class per kind, in Keras' shape and weight layout."""

from .base import Layer
from .conv import Conv1D, Conv2D
from .dense import Dense
from .flatten import Flatten
from .input import Input
from .pooling import (
    AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D)

__all__ = ["Layer", "Input", "Dense", "Conv1D", "Conv2D", "Flatten",
           "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
           "AveragePooling2D"]
