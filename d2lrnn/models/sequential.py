"""``Sequential``: a stack of Keras-style layers with compile / fit / evaluate / predict.

A model is itself a ``Layer``: calling it runs the layers in order, masks travel from
``Embedding(mask_zero=True)`` or ``Masking`` to the layers after them, ``model.weights`` lists
every layer's weights, and ``model.losses`` every regularization penalty.

    model = Sequential([Input((20,), dtype="int32"), Embedding(1000, 64), LSTM(128), Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2)
    model.summary()
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy

from .. import backend
from ..autograd import Tensor, no_grad
from ..checks import check_positive_int
from ..layers.layer import Layer
from ..layers.masks import mask_of
from ..layers.serialization import deserialize_layer, serialize_layer
from ..layers.input_layer import InputLayer
from ..nn import SGD, Adam, RMSprop
from ..training.progress_bar import FitProgress
from . import losses as losses_module
from . import metrics as metrics_module
from .callbacks import Callback, History
from .summary import DEFAULT_LINE_LENGTH, format_shape, format_summary

# Keras's optimizer defaults (learning rates 0.001 / 0.001 / 0.01; rho 0.9; epsilon 1e-7),
# expressed with the PyTorch-style optimizers of d2lrnn.nn.
OPTIMIZERS: dict[str, Callable[[list], Any]] = {
    "rmsprop": lambda params: RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7),
    "adam": lambda params: Adam(params, lr=0.001, eps=1e-7),
    "sgd": lambda params: SGD(params, lr=0.01),
}


class Sequential(Layer):
    """A linear stack of layers.

    Args:
        layers: the layers in order; the first may be ``Input(shape)``, or the first layer may
            get ``input_shape=``. Either one lets the model build (and ``summary()``) at once;
            otherwise it builds on the first call, from the data's shape.
        name: default 'sequential', 'sequential_1', ...

    Call: ``model(x, training=False)`` runs every layer (dropout only with ``training=True``).
    """

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._layers: list[Layer] = []
        self._output_shapes: list[Any] = []
        self.optimizer: Any = None  # made by the first fit after compile
        self._optimizer_spec: Any = None  # what compile was given
        self.loss: losses_module.Loss | None = None
        self._metric_names: list[Any] = []
        self.stop_training = False
        self.history: History | None = None
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------- structure
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the Input placeholder (as in Keras)."""
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append ``layer``; an ``Input`` is only allowed first."""
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("add: an Input can only be the first entry of a Sequential model")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(layer is existing for existing in self._layers):
                raise ValueError(f"add: layer '{layer.name}' is already in the model")
            self._layers.append(layer)
            self._output_shapes.append(None)
        else:
            raise TypeError(f"add: expected a Layer (e.g. layers.Dense(8)) or Input(shape), got {layer!r} "
                            f"(of type {type(layer).__name__})")
        self.built = False
        shape = self._declared_input_shape()
        if shape is not None:
            self.build(shape)

    def _declared_input_shape(self) -> tuple | None:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._layers and self._layers[0].declared_input_shape is not None:
            return (None,) + self._layers[0].declared_input_shape
        return None

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if (name is None) == (index is None):
            raise ValueError(f"get_layer: give exactly one of name and index, got name={name!r}, index={index!r}")
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model of {len(self._layers)} "
                                 "layers")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are {[l.name for l in self._layers]}")

    # ---------------------------------------------------------------- building
    def maybe_build(self, input_shape: Any) -> None:
        # Reached from a call on data when no input shape was declared: any batch size will do,
        # except for stateful layers, whose states need the data's batch size (Keras keeps it too).
        # The layers build under their own names (weight paths like 'dense/kernel').
        if not self.built:
            stateful = any(getattr(layer, "stateful", False) for layer in self._layers)
            batch_size = input_shape[0] if stateful else None
            self.build((batch_size,) + tuple(input_shape[1:]))

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first), as far as shapes can be
        inferred without data; layers that cannot infer theirs build on the first call."""
        shape = tuple(input_shape) if input_shape is not None else self._declared_input_shape()
        if shape is None:
            raise ValueError(f"build: model '{self.name}' does not know its input shape; pass input_shape, start "
                             "with Input(shape), or call the model on data")
        for i, layer in enumerate(self._layers):
            try:
                layer.maybe_build(shape)
                shape = layer.compute_output_shape(shape)
            except NotImplementedError:
                break
            self._output_shapes[i] = shape
            self._check_single_output(i, isinstance(shape, list))
        self.built = True

    # ------------------------------------------------------------------ calling
    def _convert_inputs(self, inputs: Any) -> Any:
        # Each layer converts its own inputs (the first one may take strings, e.g. TextVectorization).
        if isinstance(inputs, Tensor) or backend.is_gpu_array(inputs):
            return inputs
        return numpy.asarray(inputs)

    def call(self, inputs: Any, mask: Any = None, training: bool = False) -> Any:
        if not self._layers:
            raise ValueError(f"model '{self.name}' has no layers; add some first")
        x = inputs
        for i, layer in enumerate(self._layers):
            x = layer(x, mask=mask if i == 0 else None, training=training)
            self._check_single_output(i, isinstance(x, (tuple, list)))
            if self._output_shapes[i] is None:
                self._output_shapes[i] = _symbolic_shape(x)
        return x

    def _check_single_output(self, index: int, several: bool) -> None:
        """A layer with several outputs (e.g. return_state=True) can only be the last of a Sequential."""
        if several and index < len(self._layers) - 1:
            layer = self._layers[index]
            raise ValueError(
                f"Sequential: layer '{layer.name}' returns several tensors (return_state=True or merge_mode=None), "
                f"but layer '{self._layers[index + 1].name}' follows it and takes one input. Put that layer last, "
                "or drop return_state and use return_sequences to pass a sequence on.")

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self._layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Sequence[Any] | None = None) -> None:
        """Choose how ``fit`` trains.

        Args:
            optimizer: 'rmsprop' (default), 'adam' or 'sgd' with Keras's defaults; an optimizer of
                ``d2lrnn.nn`` already built on ``model.trainable_weights``; or a callable that makes one
                from the parameter list, e.g. ``functools.partial(d2l.nn.Adam, lr=0.01)``.
            loss: a name ('binary_crossentropy', 'categorical_crossentropy',
                'sparse_categorical_crossentropy', 'mse', 'mae'), a ``losses.Loss`` such as
                ``BinaryCrossentropy(from_logits=True)``, or a callable (y_true, y_pred) -> per-sample Tensor.
            metrics: a list of names ('accuracy' picks binary, categorical or sparse accuracy from
                the shapes, as Keras does) or callables (y_true, y_pred) -> per-sample array.
        """
        if isinstance(optimizer, str):
            if optimizer.lower() not in OPTIMIZERS:
                raise ValueError(f"optimizer: unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS)}, "
                                 "an optimizer of d2lrnn.nn, or a callable params -> optimizer")
            optimizer = OPTIMIZERS[optimizer.lower()]
        elif not callable(optimizer) and not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"optimizer: expected a name, an optimizer with step() and zero_grad(), or a callable "
                            f"params -> optimizer, got {optimizer!r}")
        if loss is None:
            raise ValueError("loss: compile needs a loss, e.g. loss='sparse_categorical_crossentropy'")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"metrics: expected a list such as ['accuracy'], got {metrics!r}")
        loss = losses_module.get(loss)
        for m in metrics or []:
            metrics_module.check_identifier(m)
        self.loss = loss
        self._metric_names = list(metrics or [])
        self._optimizer_spec = optimizer
        self.optimizer = None

    def _ensure_compiled(self, method: str) -> None:
        if self.loss is None:
            raise RuntimeError(f"{method}: compile the model first, e.g. model.compile(optimizer='adam', "
                               "loss='binary_crossentropy', metrics=['accuracy'])")

    def _make_optimizer(self) -> Any:
        spec = self._optimizer_spec
        # An object with step() is used as is; a class or any other callable is a factory.
        if not isinstance(spec, type) and callable(getattr(spec, "step", None)):
            return spec
        return spec(self.trainable_weights)

    # ---------------------------------------------------------------------- fit
    def fit(self, x: Any, y: Any, batch_size: int = 32, epochs: int = 1, verbose: int | str = "auto",
            validation_data: tuple | None = None, validation_split: float = 0.0, shuffle: bool = True,
            callbacks: Sequence[Callback] | None = None) -> History:
        """Train for ``epochs`` passes over (x, y) in mini-batches; returns a ``History``.

        Args:
            x: inputs, (N, ...) array or list (strings when the first layer is TextVectorization).
            y: targets, (N, ...) array.
            batch_size: samples per gradient step (the last batch may be smaller).
            verbose: 0 silent, 1 live bar and a line per epoch, 2 a line per epoch; 'auto' = 1.
            validation_data: (x_val, y_val) evaluated after each epoch.
            validation_split: fraction of (x, y) held out for validation: the **last** samples,
                taken before any shuffling (Keras's rule). Ignored when validation_data is given.
            shuffle: reshuffle the training samples every epoch (numpy.random: ``d2l.seed`` fixes it).
            callbacks: ``Callback`` objects notified at each epoch and batch.

        The training loss is the compiled loss plus every regularization penalty in ``model.losses``.
        """
        self._ensure_compiled("fit")
        x, y = _as_batchable(x, "x"), _as_batchable(y, "y")
        _check_same_length(x, y)
        check_positive_int(batch_size, "batch_size", "a positive integer")
        check_positive_int(epochs, "epochs", "a positive integer")
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split: expected a fraction in [0, 1), got {validation_split!r}")
        if validation_data is None and validation_split:
            split_at = int(numpy.floor(len(x) * (1.0 - validation_split)))
            if split_at in (0, len(x)):
                raise ValueError(f"validation_split: {len(x)} samples are too few to split with "
                                 f"validation_split={validation_split}")
            validation_data = (x[split_at:], y[split_at:])
            x, y = x[:split_at], y[:split_at]
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data: expected a tuple (x_val, y_val)")
            validation_data = (_as_batchable(validation_data[0], "validation_data x"),
                               _as_batchable(validation_data[1], "validation_data y"))
            _check_same_length(*validation_data)

        if not self.built or any(shape is None for shape in self._output_shapes):
            with no_grad():
                # Build from one batch before the optimizer needs the weights (stateful layers keep its
                # batch size); the model was never called, so zeroing the states undoes this call.
                self(x[:batch_size])
            self.reset_states()
        if self.optimizer is None:
            self.optimizer = self._make_optimizer()

        steps = -(-len(x) // batch_size)
        history = History()
        callbacks = [history] + list(callbacks or [])
        for c in callbacks:
            c.set_model(self)
            c.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
            c.on_train_begin()
        self.stop_training = False
        with FitProgress(epochs, steps, verbose) as progress:
            for epoch in range(epochs):
                for c in callbacks:
                    c.on_epoch_begin(epoch)
                progress.on_epoch_begin(epoch)
                order = numpy.random.permutation(len(x)) if shuffle else numpy.arange(len(x))
                tracker = _EpochTracker(self)
                for step in range(steps):
                    index = order[step * batch_size:(step + 1) * batch_size]
                    logs = self._train_step(x[index], y[index], tracker)
                    progress.on_batch_end(step, logs)
                    for c in callbacks:
                        c.on_train_batch_end(step, logs)
                logs = tracker.logs()
                if validation_data is not None:
                    val_logs = self._run_evaluation(*validation_data, batch_size)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                progress.on_epoch_end(epoch, logs)
                for c in callbacks:
                    c.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        for c in callbacks:
            c.on_train_end()
        self.history = history
        return history

    def _train_step(self, x: Any, y: Any, tracker: "_EpochTracker") -> dict:
        out = self(x, training=True)
        y = backend.to_device(y, out.device)
        data_loss = losses_module.reduce_loss(self.loss(y, out), _loss_mask(out))
        total = data_loss
        for penalty in self.losses:
            total = total + penalty
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        self._apply_constraints()
        tracker.update(total.item(), y, out)
        return tracker.logs()

    def _apply_constraints(self) -> None:
        with no_grad():
            for w in self.trainable_weights:
                if w.constraint is not None:
                    constrained = w.constraint(w)
                    w.data = constrained.data if isinstance(constrained, Tensor) else constrained

    # --------------------------------------------------------- evaluate, predict
    def evaluate(self, x: Any, y: Any, batch_size: int = 32, verbose: int | str = "auto",
                 return_dict: bool = False) -> Any:
        """The loss (with penalties) and metrics on (x, y): a float, ``[loss, *metrics]``, or a dict.

        ``verbose`` is accepted for Keras compatibility; evaluation prints nothing.
        """
        self._ensure_compiled("evaluate")
        x, y = _as_batchable(x, "x"), _as_batchable(y, "y")
        _check_same_length(x, y)
        check_positive_int(batch_size, "batch_size", "a positive integer")
        logs = self._run_evaluation(x, y, batch_size)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _run_evaluation(self, x: Any, y: Any, batch_size: int) -> dict:
        tracker = _EpochTracker(self)
        with no_grad():
            for start in range(0, len(x), batch_size):
                out = self(x[start:start + batch_size], training=False)
                yb = backend.to_device(y[start:start + batch_size], out.device)
                total = losses_module.reduce_loss(self.loss(yb, out), _loss_mask(out))
                for penalty in self.losses:
                    total = total + penalty
                tracker.update(total.item(), yb, out)
        return tracker.logs()

    def predict(self, x: Any, batch_size: int = 32, verbose: int | str = "auto") -> Any:
        """The outputs for ``x`` as one NumPy array (N, ...), computed in batches with dropout off
        (a list of arrays when the last layer returns several outputs, e.g. ``return_state=True``)."""
        x = _as_batchable(x, "x")
        check_positive_int(batch_size, "batch_size", "a positive integer")
        if not len(x):
            raise ValueError("predict: x holds no samples")
        batches = []
        with no_grad():
            for start in range(0, len(x), batch_size):
                out = self(x[start:start + batch_size], training=False)
                batches.append([o.numpy() for o in out] if isinstance(out, (list, tuple)) else [out.numpy()])
        joined = [numpy.concatenate(parts, axis=0) for parts in zip(*batches)]
        return joined if isinstance(out, (list, tuple)) else joined[0]

    # --------------------------------------------------------- state and weights
    def reset_states(self) -> None:
        """Zero the states of every stateful layer (Keras 3 dropped this method; it loops over the layers)."""
        for layer in self._layers:
            if getattr(layer, "stateful", False):
                layer.reset_states()

    def save_weights(self, path: str) -> None:
        """Write every weight, in ``weights`` order, to a NumPy ``.npz`` file."""
        if not str(path).endswith(".npz"):
            raise ValueError(f"save_weights: the file name must end in '.npz', got {path!r}")
        weights = self.weights
        arrays = {f"weight_{i}": backend.to_numpy(w.data) for i, w in enumerate(weights)}
        arrays["paths"] = numpy.array([w.path for w in weights], dtype=str)
        numpy.savez(path, **arrays)

    def load_weights(self, path: str) -> None:
        """Read a file written by ``save_weights`` into this (built) model, checking count and shapes."""
        if not self.built or any(shape is None for shape in self._output_shapes):
            raise ValueError(f"load_weights: model '{self.name}' is not built yet; give it an Input(shape) or call "
                             "it on data first, so that its weights exist")
        with numpy.load(path) as f:
            paths = list(f["paths"])
            arrays = [f[f"weight_{i}"] for i in range(len(paths))]
        own = self.weights
        if len(arrays) != len(own):
            raise ValueError(f"load_weights: {path} holds {len(arrays)} weights {paths}, the model has {len(own)} "
                             f"{[w.path for w in own]}")
        for w, array, saved_path in zip(own, arrays, paths):
            if array.shape != w.shape:
                raise ValueError(f"load_weights: weight '{w.path}' has shape {w.shape}, but the file's "
                                 f"'{saved_path}' has shape {array.shape}")
        self.set_weights(arrays)

    # ------------------------------------------------------------------ summary
    def summary(self, line_length: int = DEFAULT_LINE_LENGTH, print_fn: Callable[[str], Any] | None = None) -> None:
        """Print the Keras 3 table: each layer's name (type), output shape (None = any batch size) and
        parameter count, then the total, trainable and non-trainable parameters with their memory."""
        rows = []
        for layer, shape in zip(self._layers, self._output_shapes):
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", format_shape(shape), params))
        trainable, frozen = self.trainable_weights, self.non_trainable_weights
        text = format_summary(self.name, rows, sum(w.size for w in trainable), sum(w.size for w in frozen),
                              sum(w.data.nbytes for w in trainable), sum(w.data.nbytes for w in frozen),
                              line_length=line_length)
        (print_fn or print)(text)

    def get_config(self) -> dict:
        """{'name', 'trainable', 'dtype', 'layers': [serialized layers, the Input first if any]}."""
        config = super().get_config()
        entries = ([self._input_layer] if self._input_layer is not None else []) + self._layers
        config["layers"] = [serialize_layer(layer) for layer in entries]
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Sequential":
        """A new model with the same layers (new weights); ``custom_objects`` maps names to your classes."""
        config = dict(config)
        entries = [deserialize_layer(entry, custom_objects) for entry in config.pop("layers", [])]
        return cls(entries, **config)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, layers={[layer.name for layer in self._layers]}, built={self.built}>"


class _EpochTracker:
    """Running loss (weighted by batch size) and metrics of one pass over the data."""

    def __init__(self, model: Sequential) -> None:
        self.model = model
        self.loss_total = 0.0
        self.samples = 0
        self.metrics: list[metrics_module.MeanMetric] | None = None

    def update(self, loss: float, y: Any, out: Tensor) -> None:
        batch = out.shape[0]
        self.loss_total += loss * batch
        self.samples += batch
        if self.metrics is None:
            from_logits = bool(getattr(self.model.loss, "from_logits", False))
            self.metrics = [metrics_module.get(m, y, out.data, from_logits) for m in self.model._metric_names]
        for m in self.metrics:
            m.update(y, out.data, _loss_mask(out))

    def logs(self) -> dict:
        logs = {"loss": self.loss_total / max(self.samples, 1)}
        for m in self.metrics or []:
            logs[m.name] = m.result()
        return logs


def _loss_mask(out: Tensor) -> Any:
    """The output's mask when it marks one entry per loss value (a sequence output), else None."""
    mask = mask_of(out)
    return mask if mask is not None and mask.shape == out.shape[:-1] else None


def _symbolic_shape(outputs: Any) -> Any:
    """The shape(s) of a call's outputs with the batch axis replaced by None."""
    if isinstance(outputs, (list, tuple)):
        return [_symbolic_shape(o) for o in outputs]
    return (None,) + tuple(outputs.shape[1:])


def _as_batchable(data: Any, argument: str) -> Any:
    """An array that supports ``data[index_array]`` and ``len``: NumPy (strings allowed) or CuPy."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_gpu_array(data):
        return data
    try:
        array = numpy.asarray(data)
    except ValueError:
        raise ValueError(f"{argument}: expected a rectangular array with the samples on the first axis; sequences "
                         "of different lengths need padding first (d2lrnn.data.pad_sequences)") from None
    if array.ndim == 0:
        raise ValueError(f"{argument}: expected an array with a batch axis first, got a scalar {data!r}")
    return array


def _check_same_length(x: Any, y: Any) -> None:
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of samples, got {len(x)} inputs and {len(y)} targets")


__all__ = ["Sequential", "OPTIMIZERS"]
