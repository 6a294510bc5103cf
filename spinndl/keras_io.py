"""Keras in and out: ``from_keras(keras_model)`` converts a Keras Sequential
or functional chain, weights included; ``to_keras(model)`` builds the
equivalent Keras model. Keras is an optional dependency (``pip install
'spinndl[keras]'``), imported only inside these functions."""

import importlib.util
import json
import os
import sys

from .activations import CODES
from .layers import (
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Dense, Flatten, Input,
    MaxPooling1D, MaxPooling2D)

#: Keras backends in the order spinndl picks one when the user chose none.
BACKENDS = (("jax", "jax"), ("tensorflow", "tensorflow"), ("torch", "torch"))

#: Dense arguments spinndl computes as Keras does only at these values.
DENSE_REQUIRED = {"use_bias": True, "kernel_regularizer": None,
                  "bias_regularizer": None, "activity_regularizer": None,
                  "kernel_constraint": None, "bias_constraint": None,
                  "lora_rank": None, "quantization_config": None,
                  "trainable": True}
#: Dense arguments that do not change what a converted model computes
#: (the initialisers are replaced by the imported weights).
DENSE_IGNORED = {"name", "dtype", "units", "activation", "kernel_initializer",
                 "bias_initializer", "lora_alpha"}
#: Conv1D/Conv2D arguments spinndl computes as Keras does only at these
#: values (dilation_rate: all ones, checked apart).
CONV_REQUIRED = {"use_bias": True, "data_format": "channels_last",
                 "groups": 1, "kernel_regularizer": None,
                 "bias_regularizer": None, "activity_regularizer": None,
                 "kernel_constraint": None, "bias_constraint": None,
                 "lora_rank": None, "trainable": True}
CONV_IGNORED = {"name", "dtype", "filters", "kernel_size", "strides",
                "padding", "activation", "kernel_initializer",
                "bias_initializer", "lora_alpha", "dilation_rate"}
#: Pooling and Flatten: channels-last only.
WINDOW_REQUIRED = {"data_format": "channels_last", "trainable": True}
POOL_IGNORED = {"name", "dtype", "pool_size", "strides", "padding"}


def import_keras():
    """Keras 3, on the backend the user chose (``KERAS_BACKEND`` or the
    ``keras.json`` config); if none is chosen, or the chosen one is not
    installed, the first installed of jax, tensorflow, torch."""
    if "keras" not in sys.modules and not _backend_chosen():
        for backend, module in BACKENDS:
            if importlib.util.find_spec(module) is not None:
                os.environ["KERAS_BACKEND"] = backend
                break
    try:
        import keras  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise ImportError(
            f"Keras import/export needs Keras 3 and a backend: "
            f"pip install 'spinndl[keras]' ({error})") from error
    if int(keras.__version__.split(".")[0]) < 3:
        raise ImportError(f"Keras 3 is needed, found {keras.__version__}")
    return keras


def _backend_chosen() -> bool:
    """Whether the user chose a Keras backend that is installed."""
    backend = os.environ.get("KERAS_BACKEND")
    if backend is None:
        home = os.environ.get("KERAS_HOME",
                              os.path.join(os.path.expanduser("~"), ".keras"))
        try:
            with open(os.path.join(home, "keras.json")) as config:
                backend = json.load(config).get("backend")
        except (OSError, ValueError, AttributeError):
            return False
    module = dict(BACKENDS).get(backend, backend)
    return bool(module) and importlib.util.find_spec(module) is not None


# -- from Keras -------------------------------------------------------------------
def from_keras(keras_model, seed=None):
    """A spinndl Model computing what ``keras_model`` computes, with its
    weights. It must be a Keras Sequential or functional model whose layers
    form one chain: an Input, then Dense, Conv1D, Conv2D (any of spinndl's
    activations), MaxPooling1D/2D, AveragePooling1D/2D and Flatten layers
    (channels-last). An Activation, ReLU or Softmax layer right after a
    linear Dense or convolution is folded into it. Anything else is a
    ValueError naming the layer and the argument, raised before anything is
    built."""
    keras = import_keras()
    from .model import Model  # pylint: disable=import-outside-toplevel
    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"from_keras takes a Keras model, got "
                        f"{type(keras_model).__name__}")
    input_layer, chain = _keras_chain(keras, keras_model)
    shape = tuple(input_layer.batch_shape[1:])
    if any(size is None for size in shape):
        raise ValueError(f"Keras layer {input_layer.name!r}: input shape "
                         f"{input_layer.batch_shape} has unknown sizes; "
                         f"spinndl needs a fixed example shape")
    specs = []          # [name, activation or None, make(activation), weights]
    for layer in chain:
        if isinstance(layer, keras.layers.Layer):
            _check_dtype(layer)
        kind = type(layer)
        if kind is keras.layers.Dense:
            specs.append(_dense_spec(layer))
        elif kind in (keras.layers.Conv1D, keras.layers.Conv2D):
            specs.append(_conv_spec(layer, Conv1D if kind is
                                    keras.layers.Conv1D else Conv2D))
        elif kind.__name__ in POOLINGS and kind is getattr(
                keras.layers, kind.__name__):
            specs.append(_pool_spec(layer, POOLINGS[kind.__name__]))
        elif kind is keras.layers.Flatten:
            _check_arguments(layer, layer.get_config(), WINDOW_REQUIRED,
                             {"name", "dtype"}, "Flatten")
            specs.append([layer.name, None,
                          lambda _, name=layer.name: Flatten(name=name), []])
        elif kind in (keras.layers.Activation, keras.layers.ReLU,
                      keras.layers.Softmax):
            _fold_activation(specs, layer, _activation_of(layer))
        else:
            raise ValueError(
                f"Keras layer {layer.name!r} ({kind.__name__}) is not "
                f"supported by spinndl; supported: InputLayer, Dense, Conv1D, "
                f"Conv2D, MaxPooling1D/2D, AveragePooling1D/2D, Flatten, and "
                f"Activation/ReLU/Softmax right after a linear Dense or "
                f"convolution")
    model = Model([Input(shape=shape, name=input_layer.name)] +
                  [make(activation) for _, activation, make, _ in specs],
                  name=keras_model.name, seed=seed)
    model.set_weights([w for *_, weights in specs for w in weights])
    return model


#: Keras pooling layer class names and spinndl's.
POOLINGS = {"MaxPooling1D": MaxPooling1D, "MaxPooling2D": MaxPooling2D,
            "AveragePooling1D": AveragePooling1D,
            "AveragePooling2D": AveragePooling2D}


def _keras_chain(keras, keras_model):
    """The InputLayer and the layers after it, following the model's graph
    back from its output; a ValueError for anything that is not a chain."""
    try:
        inputs, outputs = keras_model.inputs, keras_model.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise ValueError(
            f"Keras model {keras_model.name!r} has no known input: build it "
            f"with an Input (e.g. keras.Input(shape=(8,))); only Sequential "
            f"and functional models can be converted")
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"Keras model {keras_model.name!r} has {len(inputs)} inputs and "
            f"{len(outputs)} outputs; spinndl converts chains with one of "
            f"each")
    chain, tensor = [], outputs[0]
    while True:
        layer, node_index, _ = tensor._keras_history  # pylint: disable=protected-access
        if isinstance(layer, keras.layers.InputLayer):
            break
        if isinstance(layer, keras.Model):
            raise ValueError(f"Keras layer {layer.name!r} is a nested model; "
                             f"spinndl converts flat chains of layers")
        sources = layer._inbound_nodes[node_index].input_tensors  # pylint: disable=protected-access
        if len(sources) != 1:
            raise ValueError(
                f"Keras layer {layer.name!r} ({type(layer).__name__}) takes "
                f"{len(sources)} inputs; spinndl converts chains")
        chain.append(layer)
        tensor = sources[0]
    chain.reverse()
    on_chain = {id(layer) for layer in chain + [layer]}
    for other in keras_model.layers:
        if id(other) not in on_chain:
            raise ValueError(f"Keras layer {other.name!r} is not on the chain "
                             f"from the input to the output")
    return layer, chain


def _check_dtype(layer) -> None:
    policy = layer.dtype_policy.name
    if policy != "float32":
        raise ValueError(f"Keras layer {layer.name!r}: dtype policy "
                         f"{policy!r} is not supported; spinndl computes in "
                         f"float32")


def _check_arguments(layer, config, required, ignored, kind) -> None:
    """Every argument either does not change what the layer computes or
    has the one value spinndl computes as Keras does."""
    for argument, value in config.items():
        if argument in ignored:
            continue
        if argument not in required:
            raise ValueError(f"Keras layer {layer.name!r}: {kind} argument "
                             f"{argument}={value!r} is not supported by "
                             f"spinndl")
        if value != required[argument]:
            raise ValueError(
                f"Keras layer {layer.name!r}: {argument}={value!r} is not "
                f"supported by spinndl (only {argument}="
                f"{required[argument]!r})")


def _dense_spec(layer):
    config = layer.get_config()
    config.setdefault("activity_regularizer",
                      getattr(layer, "activity_regularizer", None))
    _check_arguments(layer, config, DENSE_REQUIRED, DENSE_IGNORED, "Dense")
    name, units = layer.name, config["units"]
    return [name, _known_activation(layer, config["activation"]),
            lambda activation: Dense(units, activation=activation,
                                     name=name),
            layer.get_weights()]


def _conv_spec(layer, kind):
    config = layer.get_config()
    config.setdefault("activity_regularizer",
                      getattr(layer, "activity_regularizer", None))
    _check_arguments(layer, config, CONV_REQUIRED, CONV_IGNORED,
                     kind.__name__)
    dilation = tuple(config["dilation_rate"])
    if any(rate != 1 for rate in dilation):
        raise ValueError(f"Keras layer {layer.name!r}: dilation_rate="
                         f"{dilation!r} is not supported by spinndl (only "
                         f"1)")
    if config["padding"] not in ("valid", "same"):
        raise ValueError(f"Keras layer {layer.name!r}: padding="
                         f"{config['padding']!r} is not supported by "
                         f"spinndl (only 'valid' or 'same')")
    name = layer.name
    return [name, _known_activation(layer, config["activation"]),
            lambda activation: kind(
                config["filters"], tuple(config["kernel_size"]),
                strides=tuple(config["strides"]), padding=config["padding"],
                activation=activation, name=name),
            layer.get_weights()]


def _pool_spec(layer, kind):
    config = layer.get_config()
    _check_arguments(layer, config, WINDOW_REQUIRED, POOL_IGNORED,
                     kind.__name__)
    name = layer.name
    return [name, None,
            lambda _: kind(tuple(config["pool_size"]),
                           strides=tuple(config["strides"]),
                           padding=config["padding"], name=name),
            []]


def _activation_of(layer) -> str:
    """The activation an Activation, ReLU or Softmax layer applies."""
    config = layer.get_config()
    if "activation" in config:
        return _known_activation(layer, config["activation"])
    if "axis" in config:
        if config["axis"] not in (-1, 1, [-1], [1]):
            raise ValueError(f"Keras layer {layer.name!r}: Softmax axis="
                             f"{config['axis']!r} is not supported (only the "
                             f"last axis)")
        return "softmax"
    for argument, plain in (("max_value", None), ("negative_slope", 0.0),
                            ("threshold", 0.0)):
        if config.get(argument) != plain:
            raise ValueError(f"Keras layer {layer.name!r}: ReLU argument "
                             f"{argument}={config.get(argument)!r} is not "
                             f"supported (only {plain!r})")
    return "relu"


def _known_activation(layer, activation) -> str:
    if activation not in CODES:
        raise ValueError(
            f"Keras layer {layer.name!r}: activation {activation!r} is not "
            f"supported by spinndl; choose one of {sorted(CODES)}")
    return activation


def _fold_activation(specs, layer, activation: str) -> None:
    if not specs or specs[-1][1] != "linear":
        before = specs[-1][0] if specs else "the input"
        raise ValueError(
            f"Keras layer {layer.name!r} ({type(layer).__name__}) follows "
            f"{before!r}, which is not a linear Dense or convolution; "
            f"spinndl has no separate activation layers")
    specs[-1][1] = activation


# -- to Keras -----------------------------------------------------------------------
def to_keras(model):
    """A Keras Sequential with the same layers, names and current weights
    as the spinndl ``model``."""
    keras = import_keras()
    model._check_ready()  # pylint: disable=protected-access
    first, rest = model.layers[0], model.layers[1:]
    layers = [keras.Input(shape=first.output_shape, name=first.name)]
    for layer in rest:
        layers.append(_keras_layer(keras, layer))
    keras_model = keras.Sequential(layers, name=model.name)
    for keras_layer, layer in zip(keras_model.layers, rest):
        keras_layer.set_weights(layer.get_weights())
    return keras_model


def _keras_layer(keras, layer):
    """The Keras layer computing what the spinndl ``layer`` computes."""
    kinds = keras.layers
    if layer.kind == "dense":
        return kinds.Dense(layer.units, activation=layer.activation,
                           name=layer.name)
    if layer.kind in ("conv1d", "conv2d"):
        kind = kinds.Conv1D if layer.kind == "conv1d" else kinds.Conv2D
        return kind(layer.filters, layer.kernel_size, strides=layer.strides,
                    padding=layer.padding, activation=layer.activation,
                    name=layer.name)
    if layer.kind == "flatten":
        return kinds.Flatten(name=layer.name)
    pooling = {"max_pooling1d": kinds.MaxPooling1D,
               "max_pooling2d": kinds.MaxPooling2D,
               "average_pooling1d": kinds.AveragePooling1D,
               "average_pooling2d": kinds.AveragePooling2D}
    if layer.kind in pooling:
        return pooling[layer.kind](layer.pool_size, strides=layer.strides,
                                   padding=layer.padding, name=layer.name)
    raise ValueError(f"layer {layer.name!r}: no Keras form for "
                     f"{layer.kind!r} layers")
