"""The Keras-like sequential model."""

import copy
from typing import List, Optional, Sequence

import numpy as np

from . import losses
from .layers import Input, Layer
from .layers.tensor import SymbolicTensor
from .mapping import Mapping


class Model:
    """A network of layers, ``Input`` first, built the ways Keras builds:

    >>> model = Model([Input(shape=(784,)), Dense(10, activation="softmax")])

    >>> model = Model()                      # then add layers one by one
    >>> model.add(Input(784))
    >>> model.add(Dense(10, activation="softmax"))

    >>> x = Input(shape=(784,))              # functional form, for chains
    >>> y = Dense(10, activation="softmax")(Dense(32)(x))
    >>> model = Model(inputs=x, outputs=y)

    ``seed`` makes the initial weights reproducible (Keras' default
    initialisers: glorot-uniform kernels, zero biases). ``model.layers``
    lists the Input first, as a Keras functional Model does. ``machine``: a
    ``VirtualMachine(boards=n)`` to emulate a machine of n boards; by
    default the configured machine (one virtual SpiN-5), and a model bigger
    than it is an error before mapping.

    ``mapping_objective``: "cores" (the default: the fewest cores, each
    layer packed densely) or "throughput" (the most examples per second:
    copies of the model and layers spread over the free cores, as the
    packing's work model decides, docs/packing.md). ``replicas``: how many
    copies of the model predict, evaluate and fit deal the examples to
    (None: one under "cores", the work model's choice under "throughput").
    fit's replicas combine their gradient sums on the machine at every
    batch end, so they apply the same update and keep the same weights
    (docs/training.md, "Replicas"). ``data_source``: "host" (the host
    streams inputs, and in fit labels, over the board's Ethernet, the
    default) or "board" (predict, evaluate and fit write them to a data
    source core's SDRAM per replica at load time and it streams them on
    the board, beyond the Ethernet's rate and without the host in the
    loop; fit then runs one epoch per run and refuses batch callbacks;
    docs/streaming.md, docs/training.md). ``examples_in_flight``: how
    many examples each core holds at once (1, 2 or 4; None: 4 where every
    layer's cores have the DTCM for them, else 2; under "cores" 4 only
    where they take no more cores; docs/streaming.md, "How many in
    flight").

    As in Keras, a layer object may be in several models only with the
    same input shape, and then its weights are shared.

    ``numerics``: the number format the cores compute in, ``"float"``
    (IEEE binary32, the default, Keras parity) or ``"fixed"`` (s16.15
    values, s7.24 weights in integer arithmetic, docs/numerics.md); the
    host's weights stay float32 either way.
    """

    def __init__(self, layers=None, outputs=None, *, inputs=None,
                 name: Optional[str] = None, seed: Optional[int] = None,
                 machine=None, numerics: str = "float",
                 mapping_objective: str = "cores",
                 replicas: Optional[int] = None, data_source: str = "host",
                 examples_in_flight: Optional[int] = None):
        from .machine import VirtualMachine
        from .numerics import resolve
        from .throughput import Layout
        #: spinndl.numerics.Numerics of the cores
        self._numerics = resolve(numerics)
        if machine is not None and not isinstance(machine, VirtualMachine):
            raise TypeError(f"machine must be a spinndl.VirtualMachine or "
                            f"None, got {machine!r}")
        self.machine = machine
        #: the mapping objective and replicas (graph.network.Layout)
        self.layout = Layout(mapping_objective, replicas, data_source,
                             examples_in_flight)
        self.layers: List[Layer] = []
        self._rng = np.random.default_rng(seed)
        self._names_used: set = set()
        self.loss: Optional[str] = None
        #: What the last predict/evaluate/fit run cost (backend.RunStats).
        self.last_run = None
        #: Set by a callback to end fit after the current batch (Keras).
        self.stop_training = False
        functional = inputs is not None or outputs is not None
        if functional:
            if inputs is not None and layers is not None:
                raise TypeError("Model: give the inputs once, as the first "
                                "argument or as inputs=")
            if outputs is None:
                raise TypeError("Model(inputs=...) needs outputs=...")
            from .functional import chain_layers
            layers = chain_layers(layers if inputs is None else inputs,
                                  outputs)
        elif layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"Model takes a list of layers (or inputs= and outputs=), "
                f"got {type(layers).__name__}")
        self.name = name or ("functional" if functional else "sequential")
        for layer in layers or []:
            self.add(layer)

    # -- building --------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        """Append a layer. A layer already built (in another model, or
        before) keeps its weights, as in Keras."""
        if isinstance(layer, SymbolicTensor) and layer.source is None:
            layer = layer.layer      # Keras allows Input tensors here too
        if not isinstance(layer, Layer):
            raise TypeError(f"Model.add takes a layer, got {layer!r}")
        if layer in self.layers:
            raise ValueError(f"layer {layer.name!r} is already in the model")
        if not self.layers and not isinstance(layer, Input):
            raise ValueError(
                f"the first layer must be an Input, got "
                f"{type(layer).__name__} {layer.name!r}; start with e.g. "
                f"model.add(Input(shape=(784,)))")
        if self.layers and isinstance(layer, Input):
            raise ValueError("only the first layer may be an Input")
        if layer.built and not isinstance(layer, Input) and \
                layer.input_shape != self.layers[-1].output_shape:
            raise ValueError(
                f"layer {layer.name!r} is already built for input shape "
                f"{layer.input_shape} (in another model); here it would get "
                f"{self.layers[-1].output_shape} from layer "
                f"{self.layers[-1].name!r}. Rebuilding it would change the "
                f"other model: add a new layer instead")
        given_name = layer.name
        layer.name = self._unique_name(layer)
        if not isinstance(layer, Input):
            try:
                if not layer.built:
                    layer.build(self.layers[-1].output_shape, self._rng)
            except Exception:
                layer.name = given_name   # a failed add changes nothing
                raise
        self.layers.append(layer)
        self._names_used.add(layer.name)

    @property
    def numerics(self) -> str:
        """The cores' number format: "float" or "fixed"."""
        return self._numerics.name

    def pop(self) -> Layer:
        """Remove the last layer and return it (the Input stays), as
        Keras' Sequential.pop."""
        if len(self.layers) < 2:
            raise TypeError("There are no layers in the model.")
        layer = self.layers.pop()
        self._names_used.discard(layer.name)
        return layer

    def get_layer(self, name: Optional[str] = None,
                  index: Optional[int] = None) -> Layer:
        """A layer by its name or by its index in ``model.layers``, with
        Keras' errors."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. "
                             f"Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but "
                    f"model only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at "
                         "`get_layer`.")

    @property
    def input_shape(self):
        """``(None, *example shape)`` as in Keras."""
        self._check_has_input()
        return (None,) + self.layers[0].output_shape

    @property
    def output_shape(self):
        self._check_has_input()
        return (None,) + self.layers[-1].output_shape

    def _check_has_input(self) -> None:
        if not self.layers:
            raise ValueError(f"model {self.name!r} has no Input yet")

    def _unique_name(self, layer: Layer) -> str:
        if layer.name is not None:
            if layer.name in self._names_used:
                raise ValueError(f"the model already has a layer named "
                                 f"{layer.name!r}")
            return layer.name
        name, index = layer.kind, 0
        while name in self._names_used:
            index += 1
            name = f"{layer.kind}_{index}"
        return name

    def _check_ready(self) -> None:
        if len(self.layers) < 2:
            raise ValueError("the model needs an Input and at least one "
                             "layer after it")
        for before, layer in zip(self.layers, self.layers[1:]):
            if layer.input_shape != before.output_shape:
                raise ValueError(
                    f"layer {layer.name!r} takes input shape "
                    f"{layer.input_shape} but layer {before.name!r} gives "
                    f"{before.output_shape}")

    # -- weights, in Keras layout ---------------------------------------------
    def get_weights(self) -> List[np.ndarray]:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence) -> None:
        """Set every layer's weights from a flat list in Keras order (as
        ``keras_model.get_weights()`` returns). All arrays are checked before
        any is set, so a bad list leaves the model as it was."""
        weights = list(weights)
        expected = sum(len(layer.weight_shapes()) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(
                f"set_weights: the model has {expected} weight arrays "
                f"(shapes {[s for l in self.layers for s in l.weight_shapes()]}"
                f"), got {len(weights)}")
        checked, start = [], 0
        for layer in self.layers:
            count = len(layer.weight_shapes())
            checked.append(layer.check_weights(weights[start:start + count]))
            start += count
        for layer, layer_weights in zip(self.layers, checked):
            layer.set_weights(layer_weights)

    # -- saving (docs/saving.md) -------------------------------------------------
    def save(self, path) -> None:
        """Architecture, weights, compile settings and optimizer state in
        one file; ``spinndl.load_model(path)`` reads it back."""
        from .saving import save_model
        save_model(self, path)

    def save_weights(self, path) -> None:
        from .saving import save_weights
        save_weights(self, path)

    def load_weights(self, path) -> None:
        """Weights from save_weights or save, into this architecture."""
        from .saving import load_weights
        load_weights(self, path)

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    # -- mapping ------------------------------------------------------------------
    def mapping(self, training: bool = False) -> Mapping:
        """Map the model with the SpiNNaker toolchain (on a virtual SpiN-5
        unless a board is configured) and report what was placed."""
        from .backend.toolchain import mapped_network
        self._check_ready()
        # the training layout of one batch: as many examples as replicas
        # (fit's default batch of 32 when "throughput" chooses them)
        batch = self.layout.replicas or (
            32 if self.layout.objective == "throughput" else 1)
        config = self._training_config(batch, batch) if training else None
        board = None if self.layout.data_source == "host" else np.zeros(
            (0,) + self.layers[0].output_shape, np.float32)
        with mapped_network(self.layers, config, self.machine,
                            self._numerics, self._layout(training),
                            board) as graph:
            return graph.report()

    def _layout(self, training: bool):
        """The layout a run uses (the same for predict and fit; training
        checks its own replica limits, graph.network.choose_layout)."""
        return self.layout

    def summary(self, training: bool = False, print_fn=print) -> None:
        """Print per layer: shape, parameters, atoms, cores, atoms per
        core, DTCM and SDRAM bytes per core and keys, then totals."""
        print_fn(self.mapping(training).table())

    def plot_mapping(self, path: str, training: bool = False) -> str:
        """Map the model and draw the board's chips with each core coloured
        by the layer placed on it, as a PNG at ``path`` (returned)."""
        from .plotting import plot_mapping
        return plot_mapping(self.mapping(training), path)

    # -- Keras -------------------------------------------------------------------
    def to_keras(self):
        """The equivalent Keras model with this model's current weights
        (needs Keras: ``pip install 'spinndl[keras]'``)."""
        from .keras_io import to_keras
        return to_keras(self)

    # -- inference ------------------------------------------------------------
    def _check_inputs(self, x, what: str = "x") -> np.ndarray:
        """x as float32 (n, *input shape), or a ValueError saying why not."""
        self._check_ready()
        shape = self.layers[0].output_shape
        array = np.asarray(x)
        if array.ndim == len(shape):
            raise ValueError(f"{what}: a batch of examples is expected, "
                             f"shape (n, {', '.join(map(str, shape))}); got "
                             f"one example of shape {array.shape}")
        if array.shape[1:] != shape:
            raise ValueError(f"{what}: examples of shape {shape} expected "
                             f"by layer {self.layers[0].name!r}, got "
                             f"{array.shape[1:]}")
        if len(array) == 0:
            raise ValueError(f"{what}: no examples")
        if not np.issubdtype(array.dtype, np.number):
            raise ValueError(f"{what}: numbers expected, got {array.dtype}")
        array = array.astype(np.float32)
        bad = ~np.isfinite(array)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{what}: non-finite value {array[index]} at "
                             f"index {index}")
        self._numerics.check_values(
            array, f"{what} (input of layer {self.layers[0].name!r})")
        return array

    def predict(self, x, batch_size: Optional[int] = None,
                verbose=0, faults=None, timeouts=None) -> np.ndarray:
        """Outputs for the examples ``x``, computed by the layer programs on
        the machine (the emulator by default), in one run that streams every
        example back to back, two in flight (docs/streaming.md): the machine
        needs no batches. ``batch_size`` (Keras' default 32) only sets the
        steps of the progress bar ``verbose=1`` (or "auto") shows, one step
        per batch_size examples whose outputs have all come back, as
        Keras' bar counts batches. ``faults`` (spinndl.faults.Faults) are
        injected in the emulator and ``timeouts``
        (spinndl.backend.runner.Timeouts) bound every wait
        (docs/reliability.md)."""
        import math
        from tqdm import tqdm
        from .backend.runner import run_network
        from .backend.streaming import collect_replicas, stream_replicas
        x = self._check_inputs(x)
        if batch_size is None:
            batch_size = 32
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got "
                             f"{batch_size!r}")
        n_outputs = self.layers[-1].n_values
        steps = math.ceil(len(x) / batch_size)

        def job(run):
            with tqdm(total=steps, disable=verbose not in (1, "auto"),
                      leave=False, unit="step") as bar:
                def progress(done):
                    finished = steps if done >= len(x) \
                        else done // batch_size
                    bar.update(finished - bar.n)
                if on_board:
                    return self._numerics.decode_outputs(collect_replicas(
                        run.transport, run.graph.replicas, len(x),
                        n_outputs, run.advance,
                        run.graph.examples_in_flight, progress=progress,
                        diagnose=run.diagnose))
                return self._numerics.decode_outputs(stream_replicas(
                    run.transport, run.graph.replicas, payloads, n_outputs,
                    run.advance, run.graph.examples_in_flight,
                    progress=progress, diagnose=run.diagnose))

        payloads = self._numerics.input_payloads(x)
        on_board = self.layout.data_source == "board"
        outputs, self.last_run = run_network(
            self.layers, None, job, faults, timeouts, self.machine,
            self._numerics, self.layout, payloads if on_board else None)
        return outputs.reshape((len(x),) + self.layers[-1].output_shape)

    def evaluate(self, x, y, batch_size: Optional[int] = None, verbose=0,
                 sample_weight=None, return_dict: bool = False, faults=None,
                 timeouts=None):
        """The compiled loss and metrics on (x, y), the outputs computed on
        the machine, as Keras returns them: the loss alone (a float) when
        compiled without metrics, else ``[loss, *metrics]`` in compile
        order; ``return_dict=True`` gives ``{"loss": ..., name: ...}``.
        An uncompiled model (a spinndl extension: Keras requires compile)
        reports categorical cross-entropy for a softmax output, else mean
        squared error, and "accuracy". ``sample_weight`` weighs the loss
        (not the metrics), as Keras does. ``faults`` and ``timeouts`` as
        for predict."""
        from .training.fit import check_labels, _check_sample_weight
        x = self._check_inputs(x)
        loss_name, metric_names = self._evaluation_names()
        y = check_labels(self, y, len(x), "y", loss=loss_name)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, len(x),
                                                 "sample_weight")
        predictions = self.predict(x, batch_size=batch_size, verbose=verbose,
                                   faults=faults, timeouts=timeouts)
        logs = self._logs(y, predictions, loss_name, metric_names,
                          sample_weight)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluation_names(self):
        if self.loss is not None:
            return self.loss, self.metrics
        softmax = getattr(self.layers[-1], "activation", None) == "softmax"
        return ("categorical_crossentropy" if softmax
                else "mean_squared_error"), ["accuracy"]

    def _logs(self, y_true, y_pred, loss_name=None, metric_names=None,
              sample_weight=None):
        """{"loss": ..., metric: ...} with Keras' names and formulas; the
        sample weights weigh the loss only (Keras' plain metrics)."""
        from . import metrics
        from .training.config import SPARSE_LOSSES
        if loss_name is None:
            loss_name, metric_names = self._evaluation_names()
        logs = {"loss": float(losses.get(loss_name)(y_true, y_pred,
                                                    sample_weight))}
        for name in metric_names:
            logs[name] = metrics.resolve(
                name, loss_name in SPARSE_LOSSES,
                self.layers[-1].n_values)(y_true, y_pred)
        return logs

    # -- training -------------------------------------------------------------
    def compile(self, loss: str = "mean_squared_error", optimizer="sgd",
                metrics=None) -> None:
        """Choose the loss (mean_squared_error / mse, binary_crossentropy,
        categorical_crossentropy, sparse_categorical_crossentropy), the
        optimizer (SGD, Adam or their names) and metrics (Keras names:
        accuracy, mse, mae, top_k_categorical_accuracy, ...; spinndl.metrics)
        for ``fit`` and ``evaluate``."""
        from . import optimizers
        from .metrics import ACCURACY_NAMES, SPARSE_METRICS, check_names
        from .training.config import LOSS_CODES, SOFTMAX_LOSSES, SPARSE_LOSSES
        if loss not in LOSS_CODES:
            raise ValueError(f"unknown loss {loss!r}; choose one of "
                             f"{sorted(LOSS_CODES)}")
        metrics = check_names(metrics)
        for metric in metrics:
            if metric not in ACCURACY_NAMES and \
                    (metric in SPARSE_METRICS) != (loss in SPARSE_LOSSES):
                raise ValueError(
                    f"metric {metric!r} does not fit loss {loss!r}: sparse "
                    f"metrics need class-index labels "
                    f"(sparse_categorical_crossentropy), the others target "
                    f"rows")
        self._check_ready()
        output = self.layers[-1]
        if loss in SOFTMAX_LOSSES and \
                getattr(output, "activation", None) != "softmax":
            raise ValueError(
                f"{loss} needs a softmax output layer; "
                f"layer {output.name!r} has activation "
                f"{getattr(output, 'activation', None)!r}")
        optimizer = optimizers.get(optimizer)   # may raise: change nothing yet
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
        from .training.config import OptimizerState
        self._optimizer_state = OptimizerState()

    def _training_config(self, n_examples: int, batch_size: int):
        from .training.config import TrainingConfig, default_config
        if self.loss is None:
            return default_config(n_examples, batch_size)
        return TrainingConfig(loss=self.loss, optimizer=self.optimizer,
                              n_examples=n_examples, batch_size=batch_size,
                              state=self._optimizer_state)

    def fit(self, x, y, batch_size: Optional[int] = None, epochs: int = 1,
            verbose="auto", callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0,
            validation_freq=1, seed: Optional[int] = None,
            loss: Optional[str] = None,
            learning_rate: Optional[float] = None, faults=None,
            timeouts=None):
        """Train on the machine, as Keras' fit: returns a History with the
        loss and metrics per epoch, validation included (validation_data,
        or the last validation_split of x and y, taken before shuffling;
        after the epochs validation_freq picks, as in Keras).
        Epochs run from initial_epoch to epochs - 1; callbacks
        (spinndl.callbacks) get Keras' hooks and may stop training after
        any batch or epoch. Every update runs on the cores; the trained
        weights and optimizer state are read back at each epoch's end and
        when fit returns. ``seed`` fixes the shuffling: epoch e always gets
        the same order for a given seed, whatever initial_epoch, so a
        resumed fit continues an interrupted one exactly.
        ``sample_weight`` (one weight per example) or ``class_weight``
        ({class: weight}) scale each example's loss, and so its gradient,
        as Keras does: the label source sends the weight with the labels
        and the output cores scale the example's dLoss/dy by it.
        The thesis form ``fit(x, y, loss=..., learning_rate=...)`` compiles
        with SGD first (learning rate 0.01 if not given). ``faults`` and
        ``timeouts`` as for predict. A failed fit leaves the model's
        weights, optimizer state and compile settings as they were.

        Without validation all epochs share one run (one mapping); with
        validation each epoch is a run of its own followed by a predict
        run. Callbacks must not call predict/evaluate/fit themselves (the
        machine is busy with the training run)."""
        from .training.fit import fit
        compiled = self._compile_settings()
        try:
            if loss is not None or learning_rate is not None:
                from .optimizers import SGD
                self.compile(
                    loss=loss or self.loss or "mean_squared_error",
                    optimizer=SGD(learning_rate=0.01 if learning_rate is None
                                  else learning_rate),
                    metrics=getattr(self, "metrics", None))
            if self.loss is None:
                raise ValueError("call model.compile(loss=..., "
                                 "optimizer=...) before fit")
            return fit(self, x, y, batch_size=batch_size, epochs=epochs,
                       verbose=verbose, callbacks=callbacks,
                       validation_split=validation_split,
                       validation_data=validation_data, shuffle=shuffle,
                       class_weight=class_weight,
                       sample_weight=sample_weight,
                       initial_epoch=initial_epoch,
                       validation_freq=validation_freq, seed=seed,
                       faults=faults, timeouts=timeouts)
        except BaseException:
            self._restore_compile_settings(compiled)
            raise

    #: What compile sets (fit's thesis form compiles; a failure undoes it).
    _COMPILE_ATTRIBUTES = ("loss", "optimizer", "metrics", "_optimizer_state")

    def _compile_settings(self) -> dict:
        """A copy of the compile settings and optimizer state."""
        return {name: copy.deepcopy(self.__dict__[name])
                for name in self._COMPILE_ATTRIBUTES if name in self.__dict__}

    def _restore_compile_settings(self, settings: dict) -> None:
        for name in self._COMPILE_ATTRIBUTES:
            if name in settings:
                setattr(self, name, settings[name])
            else:
                self.__dict__.pop(name, None)


class Sequential(Model):
    """Keras' ``Sequential([...])``: a Model built from a list of layers,
    Input first (then ``add`` and ``pop`` as usual)."""

    def __init__(self, layers=None, name: Optional[str] = None,
                 seed: Optional[int] = None, machine=None,
                 mapping_objective: str = "cores",
                 replicas: Optional[int] = None, data_source: str = "host",
                 examples_in_flight: Optional[int] = None):
        super().__init__(layers, name=name, seed=seed, machine=machine,
                         mapping_objective=mapping_objective,
                         replicas=replicas, data_source=data_source,
                         examples_in_flight=examples_in_flight)
