"""Saving and loading models (docs/saving.md): one zip file holding
``config.json`` (architecture, compile settings, optimizer step) and
``weights.npz`` (weights and optimizer slots, float32). Reading needs only
numpy: neither the SpiNNaker toolchain nor Keras is imported."""

import io
import json
import os
import tempfile
import zipfile
from typing import Dict

import numpy as np

from . import layers as layers_module

#: What config.json's "format" says, and the layout's version.
MODEL_FORMAT = "spinndl.model"
WEIGHTS_FORMAT = "spinndl.weights"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
ARRAYS_NAME = "weights.npz"


def _layer_classes() -> Dict[str, type]:
    return {name: getattr(layers_module, name)
            for name in layers_module.__all__ if name != "Layer"}


def _weight_arrays(model) -> Dict[str, np.ndarray]:
    return {f"weights/{index}/{j}": array
            for index, layer in enumerate(model.layers)
            for j, array in enumerate(layer.get_weights())}


def _write(path, config: dict, arrays: Dict[str, np.ndarray]) -> None:
    """Written to a temporary file next to path, then renamed over it, so
    a failed save never leaves half a file."""
    path = os.fspath(path)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file, \
                zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(CONFIG_NAME, json.dumps(config, indent=2))
            archive.writestr(ARRAYS_NAME, buffer.getvalue())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _read(path, *formats: str):
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read(CONFIG_NAME))
            with np.load(io.BytesIO(archive.read(ARRAYS_NAME))) as data:
                arrays = {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"{path}: not a spinndl file ({error})") from None
    if config.get("format") not in formats:
        raise ValueError(f"{path}: a {' or '.join(formats)} file expected, "
                         f"got format {config.get('format')!r}")
    if config.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format version "
                         f"{config.get('format_version')!r}; this spinndl "
                         f"reads version {FORMAT_VERSION}")
    return config, arrays


def save_model(model, path) -> None:
    """Architecture, weights, compile settings and optimizer state."""
    from . import optimizers
    model._check_ready()
    config = {
        "format": MODEL_FORMAT, "format_version": FORMAT_VERSION,
        "name": model.name, "numerics": model.numerics,
        # how the model is laid out on the machine (spinndl.throughput)
        "mapping_objective": model.layout.objective,
        "replicas": model.layout.replicas,
        "data_source": model.layout.data_source,
        "examples_in_flight": model.layout.examples_in_flight,
        "layers": [{"class_name": type(layer).__name__,
                    "config": layer.get_config()} for layer in model.layers],
        "compile": None, "optimizer_state": None}
    arrays = _weight_arrays(model)
    if model.loss is not None:
        config["compile"] = {
            "loss": model.loss, "metrics": list(model.metrics),
            "optimizer": optimizers.serialize(model.optimizer)}
        state = model._optimizer_state
        config["optimizer_state"] = {"step": int(state.step),
                                     "layers": []}
        for index, layer in enumerate(model.layers):
            slots = state.slots.get(layer.name)
            if not slots:
                continue
            config["optimizer_state"]["layers"].append(
                {"layer": index, "slots": len(slots)})
            for slot, arrays_of_slot in enumerate(slots):
                for j, array in enumerate(arrays_of_slot):
                    arrays[f"optimizer/{index}/{slot}/{j}"] = array
    _write(path, config, arrays)


def load_model(path, compile=True):  # pylint: disable=redefined-builtin
    """The model a ``save`` wrote: same layers and weights, compiled as it
    was, with the optimizer's step and slots, ready to train on
    (``compile=False``, as in Keras: uncompiled, no optimizer state)."""
    from . import optimizers
    from .model import Model
    from .training.config import OptimizerState
    config, arrays = _read(path, MODEL_FORMAT)
    classes = _layer_classes()
    # files written before the layout was saved: the defaults
    model = Model(name=config.get("name"),
                  numerics=config.get("numerics", "float"),
                  mapping_objective=config.get("mapping_objective", "cores"),
                  replicas=config.get("replicas"),
                  data_source=config.get("data_source", "host"),
                  examples_in_flight=config.get("examples_in_flight"))
    for entry in config["layers"]:
        if entry["class_name"] not in classes:
            raise ValueError(f"{path}: unknown layer class "
                             f"{entry['class_name']!r}")
        model.add(classes[entry["class_name"]].from_config(entry["config"]))
    model.set_weights(_saved_weights(arrays, len(model.layers)))
    compiled = config.get("compile")
    if compiled is not None and compile:
        model.compile(loss=compiled["loss"],
                      optimizer=optimizers.deserialize(compiled["optimizer"]),
                      metrics=compiled["metrics"])
        saved = config["optimizer_state"]
        state = OptimizerState(step=int(saved["step"]))
        for entry in saved["layers"]:
            layer = model.layers[entry["layer"]]
            state.slots[layer.name] = [
                [arrays[f"optimizer/{entry['layer']}/{slot}/{j}"]
                 .astype(np.float32) for j in range(
                     len(layer.weight_shapes()))]
                for slot in range(entry["slots"])]
        model._optimizer_state = state
    return model


def _saved_weights(arrays, n_layers: int):
    """The saved weight arrays in Keras order (layer by layer)."""
    weights = []
    for index in range(n_layers):
        j = 0
        while f"weights/{index}/{j}" in arrays:
            weights.append(arrays[f"weights/{index}/{j}"])
            j += 1
    return weights


def save_weights(model, path) -> None:
    """The weights alone (with the layers' names and shapes, checked when
    loading)."""
    model._check_ready()
    config = {"format": WEIGHTS_FORMAT, "format_version": FORMAT_VERSION,
              "layers": [{"name": layer.name,
                          "shapes": [list(s) for s in layer.weight_shapes()]}
                         for layer in model.layers]}
    _write(path, config, _weight_arrays(model))


def load_weights(model, path) -> None:
    """Weights from ``save_weights`` (or ``save``) into a model of the same
    architecture; checked whole before any is set."""
    config, arrays = _read(path, WEIGHTS_FORMAT, MODEL_FORMAT)
    if len(config["layers"]) != len(model.layers):
        raise ValueError(f"{os.fspath(path)}: {len(config['layers'])} "
                         f"layers saved, the model has {len(model.layers)}")
    model.set_weights(_saved_weights(arrays, len(model.layers)))
