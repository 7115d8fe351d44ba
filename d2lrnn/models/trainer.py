"""``TrainableModel``: compile / fit / evaluate / predict / save, shared by every kind of model.

``Sequential``, the functional ``Model`` and subclassed models inherit it. What it needs from a model:

- ``output_names``: a list of str, one per output (a Sequential model has one);
- ``model(inputs, training=...)``: one Tensor, or a list (or dict by output name) of Tensors in
  ``output_names`` order; ``inputs`` is whatever structure the data has (an array, a list of
  arrays, a dict of arrays by input name);
- ``weights`` / ``trainable_weights`` / ``set_weights`` (from ``Layer``), ``get_config`` / ``from_config``.

A model whose call takes exactly one array sets ``single_input = True``: a list given as ``x`` is
then one array (e.g. a list of strings), not one array per input.

Losses, metrics and History keys follow Keras 3: with several outputs each output has its own loss
(weighted by ``loss_weights`` in the total ``loss``) and its logs are named after it:
``loss``, ``out_a_loss``, ``out_b_loss``, ``out_a_accuracy``, ``val_out_b_mae``, ...
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy

from .. import backend
from contextlib import nullcontext

from ..autograd import Tensor, no_grad
from ..autograd import detect_anomaly as anomaly_mode
from ..checks import check_choice, check_non_negative_int, check_positive_int
from ..layers.layer import Layer
from ..layers.masks import mask_of
from ..nn import SGD, Adam, RMSprop
from ..training.nan import ON_NAN_CHOICES, check_finite_loss
from ..training.progress_bar import FitProgress
from . import losses as losses_module
from . import metrics as metrics_module
from . import saving
from .callbacks import Callback, CallbackList, History, TerminateOnNaN
from .data_adapter import (ArrayData, IterableData, as_structure, class_weights_to_sample_weights, is_batch_iterable,
                           per_output, unwrap_single)

# Keras's optimizer defaults (learning rates 0.001 / 0.001 / 0.01; rho 0.9; epsilon 1e-7),
# expressed with the PyTorch-style optimizers of d2lrnn.nn.
OPTIMIZERS: dict[str, Callable[[list], Any]] = {
    "rmsprop": lambda params: RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7),
    "adam": lambda params: Adam(params, lr=0.001, eps=1e-7),
    "sgd": lambda params: SGD(params, lr=0.01),
}


@dataclass
class OutputSpec:
    """What ``compile`` chose for one output: its loss (None = not trained), weight and metrics."""

    name: str
    loss: losses_module.Loss | None
    weight: float = 1.0
    metrics: list = field(default_factory=list)
    weighted_metrics: list = field(default_factory=list)


class TrainableModel(Layer):
    """Base class of the models: compile / fit / evaluate / predict, callbacks, save and load."""

    single_input: bool = False
    # Set by compile and fit; class attributes so that subclasses need not call an __init__ here.
    optimizer: Any = None
    loss: Any = None
    stop_training: bool = False
    history: History | None = None
    _optimizer_spec: Any = None
    _output_specs: list[OutputSpec] | None = None
    _compile_args: dict | None = None
    _last_log_names: list[str] | None = None
    _first_call_inputs: Any = None  # shapes and dtypes of the first call's inputs, for load_model

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if self._first_call_inputs is None:
            self._first_call_inputs = saving.describe_inputs(inputs)
        return super().__call__(inputs, *args, **kwargs)

    @property
    def output_names(self) -> list[str]:  # pragma: no cover - every model defines it
        raise NotImplementedError(f"{type(self).__name__} must define output_names")

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None) -> None:
        """Choose how ``fit`` trains.

        Args:
            optimizer: 'rmsprop' (default), 'adam' or 'sgd' with Keras's defaults; an optimizer of
                ``d2lrnn.nn`` already built on ``model.trainable_weights``; or a callable that makes one
                from the parameter list, e.g. ``functools.partial(d2l.nn.Adam, lr=0.01)``.
            loss: a name ('binary_crossentropy', 'categorical_crossentropy',
                'sparse_categorical_crossentropy', 'mse', 'mae'), a ``losses.Loss`` such as
                ``BinaryCrossentropy(from_logits=True)``, or a callable (y_true, y_pred) -> per-sample Tensor.
                With several outputs: one loss for all, a list with one per output, or a dict by
                output name with every name (None: that output is not trained).
            loss_weights: with several outputs, a list or dict of floats: the total loss is
                ``sum(weight * output loss)``; default 1 each.
            metrics: a list of names ('accuracy' picks binary, categorical or sparse accuracy from
                the shapes, as Keras does) or callables (y_true, y_pred) -> per-sample array. With
                several outputs: a list with one entry (a metric or a list) per output, or a dict.
                Metrics ignore sample and class weights.
            weighted_metrics: metrics in the same forms, averaged with the sample (or class) weights:
                sum(value * weight) / sum(weight). A name that is also in ``metrics`` is logged as
                'weighted_<name>', as in Keras.
        """
        arguments = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                     "weighted_metrics": weighted_metrics}
        optimizer = _check_optimizer(optimizer)
        names = list(self.output_names)
        loss_list = _losses_per_output(loss, names)
        weights = _loss_weights_per_output(loss_weights, names, loss_list)
        metric_lists = _metrics_per_output(metrics, names)
        weighted_lists = _metrics_per_output(weighted_metrics, names, "weighted_metrics")
        self._output_specs = [OutputSpec(*entries) for entries in zip(names, loss_list, weights, metric_lists,
                                                                     weighted_lists)]
        for spec in self._output_specs:
            _refuse_accuracy_on_regression(spec)
        self.loss = loss_list[0] if len(names) == 1 else loss
        self._optimizer_spec = optimizer
        self._compile_args = arguments  # saved in model files when they are all names and numbers
        self.optimizer = None

    @property
    def metrics_names(self) -> list[str]:
        """The names ``evaluate`` returns its values under, once the model has seen data."""
        return list(self._last_log_names or ["loss"])

    def _ensure_compiled(self, method: str) -> None:
        if self._output_specs is None:
            raise RuntimeError(f"{method}: compile the model first, e.g. model.compile(optimizer='adam', "
                               "loss='binary_crossentropy', metrics=['accuracy'])")

    def _make_optimizer(self) -> Any:
        spec = self._optimizer_spec
        # An object with step() is used as is; a class or any other callable is a factory.
        if not isinstance(spec, type) and callable(getattr(spec, "step", None)):
            return spec
        return spec(self.trainable_weights)

    # ------------------------------------------------------------------- data
    def _array_data(self, x: Any, y: Any, sample_weight: Any, class_weight: Any, method: str) -> ArrayData:
        """The arrays of fit/evaluate (y per output, sample weights per output), checked."""
        names = list(self.output_names)
        single_output = len(names) == 1
        x = as_structure(x, "x", self.single_input)
        targets = per_output(unwrap_single(y, single_output), names, "y")
        targets = [None if t is None else as_structure(t, "y" if single_output else f"y[{n!r}]", True)
                   for t, n in zip(targets, names)]
        for spec, target in zip(self._output_specs, targets):
            if target is None and (spec.loss is not None or spec.metrics or spec.weighted_metrics):
                raise ValueError(f"y: no targets for output '{spec.name}', which has a loss or metrics in compile")
        weights = _sample_weights(sample_weight, class_weight, targets, names)
        return ArrayData(x, targets, weights, method)

    def _validation_data(self, validation_data: Any, validation_steps: int | None) -> Any:
        if is_batch_iterable(validation_data):
            return IterableData(validation_data, validation_steps, self.output_names, self.single_input, "fit")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data: expected a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
                             f"or an iterable of batches, got {type(validation_data).__name__}")
        x_val, y_val = validation_data[:2]
        weights = validation_data[2] if len(validation_data) == 3 else None
        try:
            return self._array_data(x_val, y_val, weights, None, "fit")
        except ValueError as error:
            raise ValueError(f"validation_data: {error}") from None

    # ---------------------------------------------------------------------- fit
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = "auto", callbacks: Sequence[Callback] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1, on_nan: str = "stop", detect_anomaly: bool = False) -> History:
        """Train from epoch ``initial_epoch`` up to epoch ``epochs``; returns a ``History``.

        Args:
            x: inputs: an (N, ...) array (strings when the first layer is TextVectorization), a list
                or dict of arrays for several inputs, or an iterable/generator of ``(x, y)`` or
                ``(x, y, sample_weight)`` batches (then ``y`` stays None).
            y: targets: an (N, ...) array, or a list / dict (by output name) for several outputs.
            batch_size: samples per gradient step (default 32; the last batch may be smaller).
            epochs: index of the last epoch (Keras's meaning: with ``initial_epoch=2, epochs=5`` three run).
            verbose: 0 silent, 1 live bar and a line per epoch, 2 a line per epoch; 'auto' = 1.
            callbacks: ``Callback`` objects notified at each epoch and batch.
            validation_split: fraction of the arrays held out for validation: the **last** samples,
                taken before any shuffling (Keras's rule). Ignored when validation_data is given.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight)``, or an iterable
                of batches (read for ``validation_steps`` batches, or to its end).
            shuffle: reshuffle the training samples every epoch (numpy.random: ``d2l.seed`` fixes it).
            class_weight: {class index: weight}: each sample's loss is weighted by its class (one output only).
            sample_weight: (N,) weights of each sample's loss: one array, or one per output.
            initial_epoch: the epoch to start from (to resume a training run).
            steps_per_epoch: batches per epoch from an iterable ``x`` (default: until it ends).
            validation_freq: validate after every ``validation_freq``-th epoch.
            on_nan: 'stop' (default): a NaN or Inf training loss raises a FloatingPointError naming the
                epoch and batch, before that batch changes the weights. 'continue' trains on, which is
                Keras's default (Keras stops only with its TerminateOnNaN callback). With a TerminateOnNaN
                among ``callbacks``, that callback decides, as in Keras.
            detect_anomaly: run each training step under ``d2l.autograd.detect_anomaly()``, which names the
                first op whose forward or backward gives NaN or Inf (slow; for finding a problem).

        The training loss is the compiled (weighted) loss plus every regularization penalty in
        ``model.losses``. A callback that sets ``model.stop_training = True`` ends training after
        the current epoch.
        """
        self._ensure_compiled("fit")
        batch_size = 32 if batch_size is None else check_positive_int(batch_size, "batch_size")
        check_non_negative_int(epochs, "epochs")
        check_non_negative_int(initial_epoch, "initial_epoch")
        check_positive_int(validation_freq, "validation_freq")
        check_choice(on_nan, "on_nan", ON_NAN_CHOICES)
        stop_on_nan = on_nan == "stop" and not any(isinstance(c, TerminateOnNaN) for c in callbacks or [])
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split: expected a fraction in [0, 1), got {validation_split!r}")

        if is_batch_iterable(x):
            if y is not None or sample_weight is not None:
                raise ValueError("y: give no y (or sample_weight) when x is an iterable of (x, y) batches")
            if validation_split:
                raise ValueError("validation_split: only arrays can be split; give validation_data instead")
            if steps_per_epoch is not None:
                check_positive_int(steps_per_epoch, "steps_per_epoch")
            if class_weight is not None:
                _check_class_weight(class_weight, list(self.output_names))
            train: Any = IterableData(x, steps_per_epoch, self.output_names, self.single_input, "fit",
                                      class_weight=class_weight)
        else:
            if x is None or y is None:
                raise ValueError(f"{'x' if x is None else 'y'}: fit needs inputs x and targets y")
            train = self._array_data(x, y, sample_weight, class_weight, "fit")
            if validation_data is None and validation_split:
                train, validation_data = train.split(validation_split)
        if validation_data is not None and not isinstance(validation_data, (ArrayData, IterableData)):
            validation_data = self._validation_data(validation_data, validation_steps)
        validation_batch_size = validation_batch_size or batch_size

        if isinstance(train, ArrayData):
            steps = train.steps(batch_size) if steps_per_epoch is None else steps_per_epoch
            first_x = next(train.batches(batch_size))[0]
        else:
            steps = steps_per_epoch or _length_or_none(x)
            first_x = None
        self.stop_training = False
        history = History()
        # History comes last, as in Keras, so it records what other callbacks add (e.g. learning_rate).
        callback_list = CallbackList(list(callbacks or []) + [history], model=self,
                                     params={"verbose": verbose, "epochs": epochs, "steps": steps})
        if initial_epoch >= epochs:
            self.history = history
            return history
        if first_x is not None:
            self._build_for_training(first_x)
        callback_list.on_train_begin()
        logs: dict = {}
        with FitProgress(epochs, steps or 1, verbose, initial_epoch) as progress:
            for epoch in range(initial_epoch, epochs):
                callback_list.on_epoch_begin(epoch)
                progress.on_epoch_begin(epoch)
                tracker = EpochTracker(self)
                if isinstance(train, ArrayData):
                    batches = train.batches(batch_size, shuffle=shuffle)
                else:
                    batches = train.batches()
                for step, (xb, yb, wb) in enumerate(batches):
                    if step == steps_per_epoch:
                        break
                    callback_list.on_train_batch_begin(step)
                    with anomaly_mode() if detect_anomaly else nullcontext():
                        logs = self._train_step(xb, yb, wb, tracker, (epoch, step) if stop_on_nan else None)
                    progress.on_batch_end(step, logs)
                    callback_list.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                if isinstance(train, IterableData) and train.exhausted:
                    warnings.warn("fit: the iterable x ran out of data; training stops. Give an iterable that "
                                  "can be read again, or a generator that yields steps_per_epoch * epochs "
                                  "batches.", stacklevel=2)
                    break
                logs = tracker.logs()
                if validation_data is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._run_evaluation(validation_data, validation_batch_size, callback_list)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                progress.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        callback_list.on_train_end(logs)
        self.history = history
        return history

    def _needs_data_to_build(self) -> bool:
        """Whether some weights are still missing (a model builds on its first call)."""
        return not self.built

    def _build_for_training(self, x: Any) -> None:
        """Create the weights before the optimizer needs them, and make the optimizer."""
        if self._needs_data_to_build():
            with no_grad():
                # Build from one batch (stateful layers keep its batch size); the model was never
                # called, so zeroing the states undoes this call.
                self(x)
            self.reset_states()
        if self.optimizer is None:
            self.optimizer = self._make_optimizer()

    def _train_step(self, x: Any, y: list, sample_weight: list | None, tracker: "EpochTracker",
                    nan_check: tuple | None = None) -> dict:
        """One gradient step; with ``nan_check = (epoch, step)`` a non-finite loss raises before the update."""
        if self.optimizer is None or self._needs_data_to_build():
            self._build_for_training(x)
        outputs, y, sample_weight, total, per_output = self._batch_loss(x, y, sample_weight, training=True)
        if nan_check is not None:
            check_finite_loss(total, *nan_check)
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        self._apply_constraints()
        tracker.update(total.item(), per_output, y, outputs, sample_weight)
        return tracker.logs()

    def _batch_loss(self, x: Any, y: list, sample_weight: list | None, training: bool) -> tuple:
        """Run the model on one batch: (outputs, y and sample_weight on the outputs' devices, the total
        loss Tensor with every penalty of ``model.losses``, each output's loss as a float or None)."""
        outputs = self._output_list(self(x, training=training))
        y, sample_weight = _on_devices_of(outputs, y), _on_devices_of(outputs, sample_weight)
        total, per_output = self._compute_loss(y, outputs, sample_weight)
        for penalty in self.losses:
            total = total + penalty
        return outputs, y, sample_weight, total, per_output

    def _compute_loss(self, y: list, outputs: list, sample_weight: list | None) -> tuple[Any, list]:
        """The weighted sum of the outputs' losses (a Tensor) and each output's loss (float or None);
        ``y`` and ``sample_weight`` are on the outputs' devices."""
        total: Any = None
        per_output: list = []
        for i, (spec, out) in enumerate(zip(self._output_specs, outputs)):
            if spec.loss is None:
                per_output.append(None)
                continue
            weights = None if sample_weight is None else sample_weight[i]
            value = losses_module.reduce_loss(spec.loss(y[i], out), loss_mask(out), weights)
            per_output.append(value.item())
            weighted = value * spec.weight if spec.weight != 1.0 else value
            total = weighted if total is None else total + weighted
        if total is None:
            raise ValueError("loss: no output has a loss; give compile a loss for at least one output")
        return total, per_output

    def _output_list(self, outputs: Any) -> list:
        """The outputs of a call as a list in ``output_names`` order."""
        if isinstance(outputs, dict):
            return [outputs[name] for name in self.output_names]
        if isinstance(outputs, (list, tuple)):
            if self._output_specs is not None and len(outputs) != len(self._output_specs):
                raise ValueError(f"model '{self.name}' returned {len(outputs)} outputs, but compile set up "
                                 f"{len(self._output_specs)} ({self.output_names}); a Sequential model whose last "
                                 "layer returns several tensors (return_state=True) can only predict")
            return list(outputs)
        return [outputs]

    def _apply_constraints(self) -> None:
        with no_grad():
            for w in self.trainable_weights:
                if w.constraint is not None:
                    constrained = w.constraint(w)
                    w.data = constrained.data if isinstance(constrained, Tensor) else constrained

    # --------------------------------------------------------- evaluate, predict
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: int | str = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: Sequence[Callback] | None = None,
                 return_dict: bool = False) -> Any:
        """The loss (with penalties) and metrics on (x, y): a float, ``[loss, *metrics]``, or a dict.

        ``x`` may be an iterable of ``(x, y)`` batches (read for ``steps`` batches, or to its end).
        ``verbose`` is accepted for Keras compatibility; evaluation prints nothing.
        """
        self._ensure_compiled("evaluate")
        batch_size = 32 if batch_size is None else check_positive_int(batch_size, "batch_size")
        if is_batch_iterable(x):
            data: Any = IterableData(x, steps, self.output_names, self.single_input, "evaluate")
        else:
            if x is None or y is None:
                raise ValueError(f"{'x' if x is None else 'y'}: evaluate needs inputs x and targets y")
            data = self._array_data(x, y, sample_weight, None, "evaluate")
        callback_list = CallbackList(list(callbacks or []), model=self, params={"verbose": verbose, "steps": steps})
        logs = self._run_evaluation(data, batch_size, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _run_evaluation(self, data: Any, batch_size: int, callback_list: CallbackList) -> dict:
        tracker = EpochTracker(self)
        callback_list.on_test_begin()
        batches = data.batches(batch_size) if isinstance(data, ArrayData) else data.batches()
        with no_grad():
            for step, (xb, yb, wb) in enumerate(batches):
                callback_list.on_test_batch_begin(step)
                outputs, yb, wb, total, per_output = self._batch_loss(xb, yb, wb, training=False)
                tracker.update(total.item(), per_output, yb, outputs, wb)
                callback_list.on_test_batch_end(step, tracker.logs())
        if not tracker.samples:
            raise ValueError("x: the data set holds no batches to evaluate")
        logs = tracker.logs()
        self._last_log_names = list(logs)
        callback_list.on_test_end(logs)
        return logs

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = "auto",
                steps: int | None = None, callbacks: Sequence[Callback] | None = None) -> Any:
        """The outputs for ``x`` as NumPy arrays (N, ...), computed in batches with dropout off: one
        array, or a list (dict) of arrays when the model returns a list (dict) of outputs.

        ``x`` may be an iterable of batches (``x`` or ``(x, ...)`` tuples), read for ``steps`` batches
        or to its end."""
        batch_size = 32 if batch_size is None else check_positive_int(batch_size, "batch_size")
        if is_batch_iterable(x):
            batches: Any = (b[0] for b in IterableData(x, steps, self.output_names, self.single_input, "predict",
                                                       with_targets=False).batches())
        else:
            if x is None:
                raise ValueError("x: predict needs inputs")
            batches = (b[0] for b in ArrayData(as_structure(x, "x", self.single_input), None, None,
                                               "predict").batches(batch_size))
        callback_list = CallbackList(list(callbacks or []), model=self, params={"verbose": verbose, "steps": steps})
        callback_list.on_predict_begin()
        parts, structure = [], None
        with no_grad():
            for step, xb in enumerate(batches):
                callback_list.on_predict_batch_begin(step)
                out = self(xb, training=False)
                structure = out
                parts.append([o.numpy() for o in _flatten_outputs(out)])
                callback_list.on_predict_batch_end(step, {"outputs": parts[-1]})
        callback_list.on_predict_end()
        if not parts:
            raise ValueError("predict: x holds no samples")
        joined = [numpy.concatenate(arrays, axis=0) for arrays in zip(*parts)]
        if isinstance(structure, dict):
            return dict(zip(structure, joined))
        return joined if isinstance(structure, (list, tuple)) else joined[0]

    # --------------------------------------------------------- state and weights
    def save(self, filepath: str | os.PathLike, overwrite: bool = True) -> None:
        """Write the whole model (config, weights, compile arguments when they are names) to one zip file at
        exactly ``filepath``; ``models.load_model(filepath)`` rebuilds it. See ``models.saving``."""
        saving.save_model(self, filepath, overwrite)

    def save_weights(self, filepath: str | os.PathLike, overwrite: bool = True) -> None:
        """Write every weight, in ``weights`` order, to a NumPy ``.npz`` archive at exactly ``filepath``."""
        saving.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath: str | os.PathLike) -> None:
        """Read a file written by ``save_weights`` (or ``save``) into this built model, checking count and shapes."""
        saving.load_weights(self, filepath)

    def reset_states(self) -> None:
        """Zero the states of every stateful layer (Keras 3 dropped this method; it loops over the layers)."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) and callable(getattr(layer, "reset_states", None)):
                layer.reset_states()


class EpochTracker:
    """Running loss, per-output losses (weighted by batch size) and metrics of one pass over the data."""

    def __init__(self, model: TrainableModel) -> None:
        self.specs = model._output_specs
        self.several_outputs = len(self.specs) > 1
        self.report_output_losses = self.several_outputs and sum(s.loss is not None for s in self.specs) > 1
        self.loss_total = 0.0
        self.output_totals = [0.0] * len(self.specs)
        self.samples = 0
        # per output: (metric, whether sample weights weigh it)
        self.metrics: list[list[tuple[metrics_module.MeanMetric, bool]]] | None = None

    def update(self, loss: float, output_losses: list, y: list, outputs: list, sample_weight: list | None) -> None:
        batch = outputs[0].shape[0]
        self.loss_total += loss * batch
        for i, value in enumerate(output_losses):
            if value is not None:
                self.output_totals[i] += value * batch
        self.samples += batch
        if self.metrics is None:
            self.metrics = [_make_metrics(spec, target, out) for spec, target, out in zip(self.specs, y, outputs)]
        for i, (metrics, target, out) in enumerate(zip(self.metrics, y, outputs)):
            weights = None if sample_weight is None else sample_weight[i]
            for m, weighted in metrics:
                m.update(target, out.data, loss_mask(out), weights if weighted else None)

    def logs(self) -> dict:
        samples = max(self.samples, 1)
        logs = {"loss": self.loss_total / samples}
        named: dict = {}
        for spec, total, metrics in zip(self.specs, self.output_totals, self.metrics or [[]] * len(self.specs)):
            prefix = f"{spec.name}_" if self.several_outputs else ""
            if self.report_output_losses and spec.loss is not None:
                named[f"{prefix}loss"] = total / samples
            for m, _ in metrics:
                named[f"{prefix}{m.name}"] = m.result()
        # Keras 3 lists the keys of a model with several outputs alphabetically after 'loss'.
        logs.update(sorted(named.items()) if self.several_outputs else named)
        return logs


# ----------------------------------------------------------------------- helpers
def _make_metrics(spec: OutputSpec, target: Any, out: Tensor) -> list:
    """Fresh (metric, weighted) pairs for one output; a weighted metric whose name an unweighted one
    already has is called 'weighted_<name>' (Keras's rule)."""
    from_logits = bool(getattr(spec.loss, "from_logits", False))
    plain = [(metrics_module.get(m, target, out.data, from_logits), False) for m in spec.metrics]
    taken = {m.name for m, _ in plain}
    weighted = []
    for identifier in spec.weighted_metrics:
        metric = metrics_module.get(identifier, target, out.data, from_logits)
        if metric.name in taken:
            metric.name = f"weighted_{metric.name}"
        weighted.append((metric, True))
    return plain + weighted


def loss_mask(out: Tensor) -> Any:
    """The output's mask when it marks one entry per loss value (a sequence output), else None."""
    mask = mask_of(out)
    return mask if mask is not None and mask.shape == out.shape[:-1] else None


def _on_devices_of(outputs: list, arrays: list | None) -> list | None:
    """Targets or sample weights (one entry per output, None allowed) moved to their output's device."""
    if arrays is None:
        return None
    return [None if a is None else backend.to_device(a, out.device) for a, out in zip(arrays, outputs)]


def _flatten_outputs(outputs: Any) -> list:
    if isinstance(outputs, dict):
        return list(outputs.values())
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _sample_weights(sample_weight: Any, class_weight: Any, targets: list, names: list[str]) -> list | None:
    """Sample weights per output (None when there are none), from sample_weight or class_weight."""
    if class_weight is not None:
        _check_class_weight(class_weight, names)
        if sample_weight is not None:
            raise ValueError("class_weight: give class_weight or sample_weight, not both")
        return [class_weights_to_sample_weights(targets[0], class_weight)]
    if sample_weight is None:
        return None
    weights = per_output(unwrap_single(sample_weight, len(names) == 1), names, "sample_weight")
    result = []
    for w, name in zip(weights, names):
        if w is None:
            result.append(None)
            continue
        array = as_structure(w, "sample_weight" if len(names) == 1 else f"sample_weight[{name!r}]", True)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"sample_weight: expected numbers, got an array of dtype {array.dtype}")
        result.append(array.astype(numpy.float32) if isinstance(array, numpy.ndarray) else array)
    return result


def _check_class_weight(class_weight: Any, names: list[str]) -> None:
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight: expected a dict {{class index: weight}}, got {class_weight!r}")
    if len(names) > 1:
        raise ValueError(f"class_weight: only models with a single output take class weights; this one has "
                         f"{names}. Give sample_weight per output instead")


def _check_optimizer(optimizer: Any) -> Any:
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"optimizer: unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS)}, "
                             "an optimizer of d2lrnn.nn, or a callable params -> optimizer")
        return OPTIMIZERS[optimizer.lower()]
    if not callable(optimizer) and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer: expected a name, an optimizer with step() and zero_grad(), or a callable "
                        f"params -> optimizer, got {optimizer!r}")
    return optimizer


def _losses_per_output(loss: Any, names: list[str]) -> list:
    """One ``Loss`` (or None) per output from compile's ``loss``."""
    if loss is None:
        raise ValueError("loss: compile needs a loss, e.g. loss='sparse_categorical_crossentropy'")
    if isinstance(loss, dict):
        unknown = [key for key in loss if key not in names]
        if unknown:
            raise ValueError(f"loss: unknown output names {unknown}; the model's outputs are {names}")
        missing = [name for name in names if name not in loss]
        if missing:
            raise ValueError(f"loss: expected keys {names} in the loss dict (as Keras does), got {list(loss)}; give "
                             "None for an output that is not trained")
        entries = [loss[name] for name in names]
    elif isinstance(loss, (list, tuple)):
        if len(loss) != len(names):
            raise ValueError(f"loss: expected one loss per output {names} ({len(names)}), got a list of {len(loss)}")
        entries = list(loss)
    else:
        entries = [loss] * len(names)  # one loss serves every output, as in Keras
    if all(entry is None for entry in entries):
        raise ValueError("loss: compile needs a loss for at least one output")
    return [None if entry is None else losses_module.get(entry) for entry in entries]


def _loss_weights_per_output(loss_weights: Any, names: list[str], loss_list: list) -> list[float]:
    if loss_weights is None:
        return [1.0] * len(names)
    if isinstance(loss_weights, dict):
        unknown = [key for key in loss_weights if key not in names]
        missing = [n for n, l in zip(names, loss_list) if l is not None and n not in loss_weights]
        if unknown or missing:
            raise ValueError(f"loss_weights: expected a weight for each output with a loss "
                             f"{[n for n, l in zip(names, loss_list) if l is not None]}, got {sorted(loss_weights)}")
        values = [loss_weights.get(name, 1.0) for name in names]
    elif isinstance(loss_weights, (list, tuple)):
        if len(loss_weights) != len(names):
            raise ValueError(f"loss_weights: expected one weight per output {names} ({len(names)}), got a list of "
                             f"{len(loss_weights)}")
        values = list(loss_weights)
    elif len(names) == 1:
        values = [loss_weights]
    else:
        raise ValueError(f"loss_weights: expected a list or dict of floats for the outputs {names}, "
                         f"got {loss_weights!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, numpy.integer, numpy.floating)):
            raise TypeError(f"loss_weights: expected numbers, got {value!r}")
    return [float(v) for v in values]


def _metrics_per_output(metrics: Any, names: list[str], argument: str = "metrics") -> list[list]:
    """A list of metric identifiers per output from compile's ``metrics`` (or ``weighted_metrics``)."""
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = [key for key in metrics if key not in names]
        if unknown:
            raise ValueError(f"{argument}: unknown output names {unknown}; the model's outputs are {names}")
        lists = [_as_metric_list(metrics.get(name), name) for name in names]
    elif not isinstance(metrics, (list, tuple)):
        raise ValueError(f"{argument}: expected a list such as ['accuracy'], got {metrics!r}")
    elif len(names) == 1:
        lists = [list(metrics)]
    else:
        if len(metrics) != len(names):
            raise ValueError(f"{argument}: with several outputs give one entry (a metric or a list) per output "
                             f"{names}, or a dict by output name; got a list of {len(metrics)}")
        lists = [_as_metric_list(entry, name) for entry, name in zip(metrics, names)]
    for metric_list in lists:
        for m in metric_list:
            try:
                metrics_module.check_identifier(m)
            except (ValueError, TypeError) as error:
                if argument == "metrics":
                    raise
                raise type(error)(str(error).replace("metrics:", f"{argument}:", 1)) from None
    return lists


def _refuse_accuracy_on_regression(spec: OutputSpec) -> None:
    """Accuracy counts matching classes: with a regression loss it would compare real numbers."""
    if spec.loss is None or spec.loss.name not in losses_module.REGRESSION_LOSSES:
        return
    for argument, metrics in (("metrics", spec.metrics), ("weighted_metrics", spec.weighted_metrics)):
        for m in metrics:
            if isinstance(m, str) and metrics_module.is_accuracy(m):
                raise ValueError(f"{argument}: {m!r} counts correctly predicted classes, but output '{spec.name}' is "
                                 f"trained with the regression loss {spec.loss.name!r}; use metrics=['mae'] (or "
                                 "a classification loss such as 'binary_crossentropy')")


def _as_metric_list(entry: Any, name: str) -> list:
    if entry is None:
        return []
    return list(entry) if isinstance(entry, (list, tuple)) else [entry]


def _length_or_none(data: Any) -> int | None:
    try:
        return len(data)
    except TypeError:
        return None


__all__ = ["TrainableModel", "OutputSpec", "EpochTracker", "OPTIMIZERS", "loss_mask"]
