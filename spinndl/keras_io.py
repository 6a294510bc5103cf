"""Keras in and out: ``from_keras(keras_model)`` converts a Keras Sequential
or functional chain, weights included; ``to_keras(model)`` builds the
equivalent Keras model. Keras is an optional dependency (``pip install
'spinndl[keras]'``), imported only inside these functions."""

import importlib.util
import json
import os
import sys

from .activations import CODES
from .layers import Dense, Input

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
    form one chain: an Input, then Dense layers (any of spinndl's
    activations). An Activation, ReLU or Softmax layer right after a linear
    Dense is folded into it. Anything else is a ValueError naming the layer
    and the argument, raised before anything is built."""
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
    specs = []          # [kind, name, units, activation, weights]
    for layer in chain:
        if isinstance(layer, keras.layers.Layer):
            _check_dtype(layer)
        if type(layer) is keras.layers.Dense:  # pylint: disable=unidiomatic-typecheck
            specs.append(_dense_spec(layer))
        elif type(layer) in (keras.layers.Activation, keras.layers.ReLU,
                             keras.layers.Softmax):
            _fold_activation(specs, layer, _activation_of(layer))
        else:
            raise ValueError(
                f"Keras layer {layer.name!r} ({type(layer).__name__}) is not "
                f"supported by spinndl; supported: InputLayer, Dense, and "
                f"Activation/ReLU/Softmax right after a linear Dense")
    model = Model([Input(shape=shape, name=input_layer.name)] +
                  [Dense(units, activation=activation, name=name)
                   for name, units, activation, _ in specs],
                  name=keras_model.name, seed=seed)
    model.set_weights([w for *_, weights in specs for w in weights])
    return model


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


def _dense_spec(layer):
    config = layer.get_config()
    config.setdefault("activity_regularizer",
                      getattr(layer, "activity_regularizer", None))
    for argument, value in config.items():
        if argument in DENSE_IGNORED:
            continue
        if argument not in DENSE_REQUIRED:
            raise ValueError(f"Keras layer {layer.name!r}: Dense argument "
                             f"{argument}={value!r} is not supported by "
                             f"spinndl")
        if value != DENSE_REQUIRED[argument]:
            raise ValueError(
                f"Keras layer {layer.name!r}: {argument}={value!r} is not "
                f"supported by spinndl (only {argument}="
                f"{DENSE_REQUIRED[argument]!r})")
    return [layer.name, config["units"], _known_activation(
        layer, config["activation"]), layer.get_weights()]


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
    if not specs or specs[-1][2] != "linear":
        before = specs[-1][0] if specs else "the input"
        raise ValueError(
            f"Keras layer {layer.name!r} ({type(layer).__name__}) follows "
            f"{before!r}, which is not a linear Dense; spinndl has no "
            f"separate activation layers")
    specs[-1][2] = activation


# -- to Keras -----------------------------------------------------------------------
def to_keras(model):
    """A Keras Sequential with the same layers, names and current weights
    as the spinndl ``model``."""
    keras = import_keras()
    model._check_ready()  # pylint: disable=protected-access
    first, rest = model.layers[0], model.layers[1:]
    layers = [keras.Input(shape=first.output_shape, name=first.name)]
    for layer in rest:
        if layer.kind != "dense":
            raise ValueError(f"layer {layer.name!r}: no Keras form for "
                             f"{layer.kind!r} layers yet")
        layers.append(keras.layers.Dense(layer.units,
                                         activation=layer.activation,
                                         name=layer.name))
    keras_model = keras.Sequential(layers, name=model.name)
    for keras_layer, layer in zip(keras_model.layers, rest):
        keras_layer.set_weights(layer.get_weights())
    return keras_model
