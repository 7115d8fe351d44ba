"""The losses ``Sequential.compile(loss=...)`` understands, with Keras 3's formulas.

Each loss function maps ``(y_true, y_pred)`` to one value per sample (the last axis is
reduced), e.g. shapes (B, C) -> (B,) or (B, T, C) -> (B, T). ``reduce_loss`` then takes the
mean over every entry, or over the unmasked entries when the output carries a mask
(Keras's "sum_over_batch_size" reduction with mask weights).

Probabilities are clipped to [EPSILON, 1 - EPSILON] before the log, as Keras does, so a
saturated sigmoid gives a large but finite loss. With ``from_logits=True`` the log is taken
of the softmax/sigmoid in a stable closed form instead.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy

from ..autograd import Tensor, log_softmax, one_hot
from .metrics import REGRESSION_NAMES, with_short_names

EPSILON = 1e-7  # keras.backend.epsilon()


def _as_target(y_true: Any, y_pred: Tensor) -> Tensor:
    """``y_true`` as a constant Tensor of ``y_pred``'s float dtype, given one more axis if needed.

    Keras lets (B,) targets meet (B, 1) predictions: the target gains the missing last axis.
    """
    data = y_true.data if isinstance(y_true, Tensor) else y_pred._xp.asarray(y_true)
    if data.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        data = data[..., None]
    if data.shape != y_pred.shape:
        raise ValueError(f"y_true must have the shape of the predictions {y_pred.shape}, got {data.shape}")
    return Tensor._wrap(data.astype(y_pred.dtype), False)


def binary_crossentropy(y_true: Any, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    """-mean over the last axis of y log p + (1 - y) log(1 - p). Shapes (..., K) -> (...)."""
    y = _as_target(y_true, y_pred)
    if from_logits:
        # log(1 + e^-|x|) + max(x, 0) - x y: the stable form of the sigmoid cross-entropy.
        z = y_pred
        per_entry = z.relu() - z * y + ((-z.abs()).exp() + 1).log()
    else:
        p = y_pred.clip(EPSILON, 1 - EPSILON)
        per_entry = -(y * p.log() + (1 - y) * (1 - p).log())
    return per_entry.mean(axis=-1)


def categorical_crossentropy(y_true: Any, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    """-sum over classes of y log p, for one-hot (or soft) targets. Shapes (..., C) -> (...)."""
    y = _as_target(y_true, y_pred)
    return -(y * _log_probabilities(y_pred, from_logits)).sum(axis=-1)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    """-log p[target] for integer class targets. Shapes: y_true (...) or (..., 1), y_pred (..., C) -> (...)."""
    xp = y_pred._xp
    labels = y_true.data if isinstance(y_true, Tensor) else xp.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"y_true must hold one class index per prediction, shape {y_pred.shape[:-1]}, "
                         f"got shape {labels.shape}")
    if labels.dtype.kind == "f":
        if (labels != xp.round(labels)).any():
            raise ValueError("y_true: sparse_categorical_crossentropy needs integer class indices, got fractions")
        labels = labels.astype(numpy.int64)
    targets = one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    return -(targets * _log_probabilities(y_pred, from_logits)).sum(axis=-1)


def _log_probabilities(y_pred: Tensor, from_logits: bool) -> Tensor:
    if from_logits:
        return log_softmax(y_pred, axis=-1)
    # Keras renormalises the probabilities before clipping them.
    p = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return p.clip(EPSILON, 1 - EPSILON).log()


def mean_squared_error(y_true: Any, y_pred: Tensor) -> Tensor:
    """mean over the last axis of (y - p)^2. Shapes (..., K) -> (...)."""
    diff = y_pred - _as_target(y_true, y_pred)
    return (diff * diff).mean(axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Tensor) -> Tensor:
    """mean over the last axis of |y - p|. Shapes (..., K) -> (...)."""
    return (y_pred - _as_target(y_true, y_pred)).abs().mean(axis=-1)


class Loss:
    """A named loss: ``loss(y_true, y_pred)`` gives the per-sample values.

    ``from_logits`` is remembered so that accuracy can threshold logits at 0 instead of 0.5.
    """

    def __init__(self, fn: Callable[..., Tensor], name: str, from_logits: bool | None = None) -> None:
        self.fn = fn
        self.name = name
        self.from_logits = from_logits

    def __call__(self, y_true: Any, y_pred: Tensor) -> Tensor:
        if self.from_logits is None:
            return self.fn(y_true, y_pred)
        return self.fn(y_true, y_pred, from_logits=self.from_logits)

    def __repr__(self) -> str:
        logits = "" if self.from_logits is None else f", from_logits={self.from_logits}"
        return f"Loss({self.name!r}{logits})"


class BinaryCrossentropy(Loss):
    def __init__(self, from_logits: bool = False) -> None:
        super().__init__(binary_crossentropy, "binary_crossentropy", from_logits)


class CategoricalCrossentropy(Loss):
    def __init__(self, from_logits: bool = False) -> None:
        super().__init__(categorical_crossentropy, "categorical_crossentropy", from_logits)


class SparseCategoricalCrossentropy(Loss):
    def __init__(self, from_logits: bool = False) -> None:
        super().__init__(sparse_categorical_crossentropy, "sparse_categorical_crossentropy", from_logits)


class MeanSquaredError(Loss):
    def __init__(self) -> None:
        super().__init__(mean_squared_error, "mean_squared_error")


class MeanAbsoluteError(Loss):
    def __init__(self) -> None:
        super().__init__(mean_absolute_error, "mean_absolute_error")


_BY_NAME: dict[str, Callable[[], Loss]] = with_short_names({
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
})


# Losses of real-valued targets: classification metrics such as accuracy make no sense with them.
REGRESSION_LOSSES = REGRESSION_NAMES


def get(identifier: Any) -> Loss:
    """A ``Loss`` from a name, a ``Loss`` instance, or a callable ``(y_true, y_pred) -> per-sample Tensor``."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"loss: unknown loss {identifier!r}; expected one of {sorted(_BY_NAME)}, "
                             "a Loss such as BinaryCrossentropy(from_logits=True), or a callable")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return Loss(identifier, getattr(identifier, "__name__", type(identifier).__name__))
    raise TypeError(f"loss: expected a name, a Loss or a callable, got {identifier!r} "
                    f"(of type {type(identifier).__name__})")


def reduce_loss(per_sample: Tensor, mask: Any = None, sample_weight: Any = None) -> Tensor:
    """Keras's "sum_over_batch_size" reduction: sum(loss * sample_weight) / number of entries, where
    only the entries ``mask`` marks count (and are counted).

    Args:
        per_sample: loss values, e.g. (B,) or (B, T) for a sequence output.
        mask: None or a boolean array of ``per_sample``'s shape, from Embedding(mask_zero=True) or
            Masking: padded steps then add nothing to the loss.
        sample_weight: None, or (B,) weights (or weights of ``per_sample``'s shape); a (B,) array
            weighs every step of a sample alike. The divisor stays the entry count, as in Keras.
    """
    weights = None
    if mask is not None:
        weights = mask.astype(per_sample.dtype)
        if weights.shape != per_sample.shape:
            raise ValueError(f"mask: expected shape {per_sample.shape} (one entry per loss value), "
                             f"got {weights.shape}")
        count = max(float(weights.sum()), 1.0)
    else:
        count = float(per_sample.size)
    if sample_weight is not None:
        sw = sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight
        sw = per_sample._xp.asarray(sw, dtype=per_sample.dtype)
        if sw.shape != per_sample.shape[:sw.ndim]:
            raise ValueError(f"sample_weight: expected shape {per_sample.shape[:1]} (one weight per sample) or "
                             f"{per_sample.shape}, got {sw.shape}")
        sw = sw.reshape(sw.shape + (1,) * (per_sample.ndim - sw.ndim))
        weights = sw if weights is None else weights * sw
    if weights is None:
        return per_sample.mean()
    return (per_sample * weights).sum() / count


__all__ = ["Loss", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "MeanSquaredError", "MeanAbsoluteError", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "mean_squared_error", "mean_absolute_error", "get", "reduce_loss",
           "EPSILON"]
