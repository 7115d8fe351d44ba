"""The metrics ``Sequential.compile(metrics=[...])`` understands.

A metric function maps ``(y_true, y_pred)`` (NumPy/CuPy arrays) to one value per sample, like
a loss but without gradients. ``MeanMetric`` averages those values over every sample of an
epoch (weighted by a mask when the output carries one), as Keras's running metrics do.

'accuracy' (or 'acc') is resolved from the shapes, as in Keras 3: a prediction with one unit
on the last axis means binary accuracy, targets with one axis fewer than the predictions (or
a last axis of 1 against several classes) mean sparse categorical accuracy, anything else
categorical accuracy. One deliberate difference: Keras thresholds binary predictions at 0.5
even when the loss says they are logits; here logits are thresholded at 0 (= probability 0.5).
"""
from __future__ import annotations

from typing import Any, Callable

from .. import backend


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """mean over the last axis of [(p > threshold) == y]. Shapes (..., K) -> (...)."""
    xp = backend.get_array_module(y_pred)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    hits = (y_pred > threshold) == (y_true > 0.5)
    return xp.mean(hits.astype(y_pred.dtype), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """[argmax p == argmax y] for one-hot targets. Shapes (..., C) -> (...)."""
    return (y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)).astype(y_pred.dtype)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """[argmax p == y] for integer targets. Shapes: y_true (...) or (..., 1), y_pred (..., C) -> (...)."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_pred.argmax(axis=-1) == y_true.astype(int)).astype(y_pred.dtype)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """mean over the last axis of (y - p)^2."""
    xp = backend.get_array_module(y_pred)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    return xp.mean((y_pred - y_true) ** 2, axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """mean over the last axis of |y - p|."""
    xp = backend.get_array_module(y_pred)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    return xp.mean(xp.abs(y_pred - y_true), axis=-1)


# The two measures of real-valued targets, as losses and as metrics, and Keras's short names for them.
REGRESSION_NAMES = ("mean_squared_error", "mean_absolute_error")
SHORT_NAMES = dict(zip(("mse", "mae"), REGRESSION_NAMES))


def with_short_names(table: dict) -> dict:
    """``table`` (full name -> entry) plus an entry under each short name of ``SHORT_NAMES`` it has the full name of."""
    return {**table, **{short: table[full] for short, full in SHORT_NAMES.items() if full in table}}


_BY_NAME: dict[str, Callable[..., Any]] = with_short_names({
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
})
_ACCURACY_NAMES = ("accuracy", "acc")


def is_accuracy(identifier: str) -> bool:
    """Whether the metric name ``identifier`` is an accuracy (counts correctly predicted classes)."""
    return identifier in _ACCURACY_NAMES or identifier.endswith("_accuracy")


class MeanMetric:
    """A named metric averaged over an epoch: ``update(y_true, y_pred, mask)``, ``result()``, ``reset()``."""

    def __init__(self, fn: Callable[..., Any], name: str) -> None:
        self.fn = fn
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update(self, y_true: Any, y_pred: Any, mask: Any = None, sample_weight: Any = None) -> None:
        """Add one batch: ``y_pred`` an array, ``y_true`` an array; ``mask`` (of the per-sample values'
        shape) and ``sample_weight`` ((B,) or the values' shape) weight the values: the result is
        sum(value * weight) / sum(weight)."""
        values = self.fn(y_true, y_pred)
        if mask is None and sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        xp = backend.get_array_module(values)
        weights = xp.ones(values.shape, dtype=values.dtype) if mask is None else mask.astype(values.dtype)
        if sample_weight is not None:
            sw = xp.asarray(sample_weight, dtype=values.dtype)
            weights = weights * sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return f"MeanMetric({self.name!r})"


def check_identifier(identifier: Any) -> None:
    """Raise the error ``get`` would raise for an unknown name or a non-callable, before any data is seen."""
    if isinstance(identifier, MeanMetric):
        return
    if isinstance(identifier, str):
        if identifier in _BY_NAME or identifier.lower() in _ACCURACY_NAMES:
            return
        raise ValueError(f"metrics: unknown metric {identifier!r}; expected one of "
                         f"{sorted(_BY_NAME) + list(_ACCURACY_NAMES)} or a callable")
    if not callable(identifier):
        raise TypeError(f"metrics: expected names or callables, got {identifier!r} "
                        f"(of type {type(identifier).__name__})")


def get(identifier: Any, y_true: Any, y_pred: Any, from_logits: bool | None = False) -> MeanMetric:
    """A fresh metric for ``identifier`` (a name, a callable or a ``MeanMetric``), given one batch of
    targets and predictions.

    ``y_true`` and ``y_pred`` are only looked at for their shapes, to resolve 'accuracy'. A
    ``MeanMetric`` is copied with empty totals, so each epoch and each evaluation counts only its own batches.
    """
    check_identifier(identifier)
    if isinstance(identifier, MeanMetric):
        return MeanMetric(identifier.fn, identifier.name)
    if isinstance(identifier, str):
        if identifier.lower() in _ACCURACY_NAMES:
            return MeanMetric(_accuracy_for(y_true, y_pred, from_logits), identifier)
        return MeanMetric(_BY_NAME[identifier], identifier)
    return MeanMetric(identifier, getattr(identifier, "__name__", type(identifier).__name__))


def _accuracy_for(y_true: Any, y_pred: Any, from_logits: bool | None) -> Callable[..., Any]:
    if y_pred.shape[-1] == 1:
        threshold = 0.0 if from_logits else 0.5

        def accuracy(y_t: Any, y_p: Any) -> Any:
            return binary_accuracy(y_t, y_p, threshold)

        return accuracy
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return sparse_categorical_accuracy
    return categorical_accuracy


__all__ = ["MeanMetric", "check_identifier", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "mean_squared_error", "mean_absolute_error", "get"]
