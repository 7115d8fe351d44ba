"""Composite functions, written only with primitive ops: they carry no gradient code.

The one exception to "composites only" is ``log_softmax``, a primitive (``ops.LogSoftmax``)
because the stable shift by the maximum is part of its definition.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from . import ops
from .creation import as_tensor
from .tensor import Tensor


def _axis(axis: int | None, dim: int | None, default: int | None) -> int | None:
    """The axis given as NumPy's ``axis`` or PyTorch's ``dim`` (not both)."""
    if axis is not None and dim is not None and axis != dim:
        raise TypeError(f"axis and dim name the same argument; got axis={axis} and dim={dim}")
    return axis if axis is not None else dim if dim is not None else default


def _elementwise(x: Any, method: Any) -> Any:
    """``method`` applied to ``x`` as a Tensor; a NumPy/CuPy array (or scalar) in gives an array out.

    Gradients are arrays in d2lrnn, so the book's ``torch.sqrt(sum(torch.sum(p.grad ** 2) ...))``
    stays an array and can scale a gradient in place.
    """
    if isinstance(x, Tensor):
        return method(x)
    result = method(Tensor(x))
    return result._data if hasattr(x, "dtype") else result


def concat(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis: shapes (..., n_i, ...) -> (..., sum n_i, ...)."""
    axis = _axis(axis, dim, 0)
    shapes = _check_joinable(tensors, axis, "concat", new_axis=False)
    if len({s[:axis % len(s)] + s[axis % len(s) + 1:] for s in shapes}) > 1:
        raise ValueError(f"concat: tensors must have the same shape except along axis {axis}, got shapes {shapes}")
    return ops.Concat.apply(*tensors, axis=axis)


cat = concat  # PyTorch's name


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis: n tensors of shape S -> shape with n at ``axis``."""
    axis = _axis(axis, dim, 0)
    shapes = _check_joinable(tensors, axis, "stack", new_axis=True)
    if len(set(shapes)) > 1:
        raise ValueError(f"stack: tensors must all have the same shape, got shapes {shapes}")
    return ops.Stack.apply(*tensors, axis=axis)


# PyTorch's function forms of Tensor methods, so the book's ``torch.tanh(...)`` reads ``d2l.tanh(...)``.
# The element-wise ones and ``sum`` also take a NumPy/CuPy array (a gradient) and then return one.
def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product a @ b: (..., n, k) @ (..., k, m) -> (..., n, m), batched and broadcast."""
    return ops.MatMul.apply(a, b)


def _elementwise_form(name: str, doc: str) -> Any:
    """The function form ``name(x)`` of the element-wise Tensor method ``name`` (see ``_elementwise``)."""
    method = getattr(Tensor, name)

    def form(x: Any) -> Tensor:
        return _elementwise(x, method)
    form.__name__ = form.__qualname__ = name
    form.__doc__ = doc
    return form


tanh = _elementwise_form("tanh", "Element-wise tanh(x), same shape.")
sigmoid = _elementwise_form("sigmoid", "Element-wise 1 / (1 + exp(-x)), same shape.")
relu = _elementwise_form("relu", "Element-wise max(x, 0), same shape.")
exp = _elementwise_form("exp", "Element-wise e^x, same shape.")
log = _elementwise_form("log", "Element-wise natural logarithm, same shape.")
sqrt = _elementwise_form("sqrt", "Element-wise square root, same shape.")


def sum(x: Any, axis: int | tuple | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
    """Sum over ``axis`` (or PyTorch's ``dim``; all axes if neither) of a Tensor or array."""
    axis = _axis(axis, dim, None)
    return _elementwise(x, lambda t: t.sum(axis=axis, keepdims=keepdims))


def reshape(x: Any, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one entry may be -1)."""
    return as_tensor(x).reshape(tuple(shape))


def argmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Integer indices of the maxima along ``axis`` (or ``dim``); not differentiable."""
    return as_tensor(x).argmax(axis=_axis(axis, dim, None))


def _check_joinable(tensors: Any, axis: Any, name: str, new_axis: bool) -> list:
    """The shapes of ``tensors`` after checking there is at least one and ``axis`` fits them."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: tensors must be a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: tensors is empty; give at least one tensor")
    shapes = [tuple(getattr(x, "shape", ())) for x in tensors]
    ndim = len(shapes[0]) + (1 if new_axis else 0)
    if ndim == 0:
        raise ValueError(f"{name}: 0-d tensors have no axis to join along; use stack")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}: axis {axis!r} is out of range for tensors of shape {shapes[0]}")
    return shapes


def split(x: Tensor, sections: int | Sequence[int], axis: int = 0) -> tuple:
    """Cut ``x`` into ``sections`` equal parts (an int) or parts of the given sizes (a list)."""
    return ops.Split.apply(x, sections=sections, axis=axis)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Element-wise ``a`` where ``condition`` is true, else ``b`` (broadcasting)."""
    return ops.Where.apply(condition, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum of two tensors (broadcasting)."""
    return ops.Maximum.apply(a, b)


def clip(x: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """Limit values to [low, high]; the gradient is zero where a limit was applied."""
    return x.clip(low, high)


def log_softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``axis`` (or ``dim``; default -1), stably: x - max - log(sum(exp(x - max)))."""
    return ops.LogSoftmax.apply(x, axis=_axis(axis, dim, -1))


def softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``axis`` (or ``dim``; default -1), via the stable log-softmax."""
    return log_softmax(x, _axis(axis, dim, -1)).exp()


def logsumexp(x: Tensor, axis: int = -1, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) along ``axis``, shifted by the maximum for stability."""
    shift = x.data.max(axis=axis, keepdims=True)
    # A slice that is all -inf has sum(exp) = 0 and log = -inf; shifting it by -inf would give nan.
    shift = Tensor._wrap(x._xp.where(x._xp.isfinite(shift), shift, 0), False)
    out = (x - shift).exp().sum(axis=axis, keepdims=True).log() + shift
    return out if keepdims else out.reshape(tuple(n for i, n in enumerate(out.shape) if i != axis % x.ndim))


def one_hot(indices: Any, num_classes: int = -1, dtype: Any = "float32") -> Tensor:
    """Integer indices of shape S -> one-hot float tensor of shape S + (num_classes,).

    ``num_classes=-1`` (PyTorch's default) uses the largest index + 1. Unlike PyTorch's
    int64 result, the default dtype is float32, what the models multiply it with.
    """
    data = indices._data if isinstance(indices, Tensor) else indices
    xp = _xp_of(data)
    data = xp.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {data.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise ValueError(f"one_hot: num_classes must be a positive integer, got {num_classes!r}")
    if num_classes == -1 and data.size:
        num_classes = int(data.max()) + 1
    if num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be a positive integer, got {num_classes!r} (or -1 for the "
                         f"largest index + 1 of a non-empty input)")
    if data.size and (data.min() < 0 or data.max() >= num_classes):
        raise ValueError(f"one_hot: indices must lie in [0, {num_classes}), got values in "
                         f"[{int(data.min())}, {int(data.max())}]")
    return Tensor._wrap(xp.eye(num_classes, dtype=dtype)[data], False)


def _xp_of(data: Any) -> Any:
    from .. import backend

    return backend.get_array_module(data)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted dropout)."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
        raise ValueError(f"dropout: p must be a number in [0, 1), got {p!r}")
    if not training or p == 0:
        return x
    return ops.DropoutMask.apply(x, p=p)


REDUCTIONS = ("mean", "sum", "none")


def _check_tensor(value: Any, argument: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{argument}: expected a Tensor (the model's output), got {type(value).__name__}")


def check_reduction(reduction: str, name: str) -> str:
    """Return ``reduction`` if it is 'mean', 'sum' or 'none', else raise a ValueError naming ``name``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(losses: Tensor, reduction: str, name: str) -> Tensor:
    reduction = check_reduction(reduction, name)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of integer class ``targets`` under ``logits``.

    Shapes: logits (N, C) or (..., C); targets (N,) or (...) integers in [0, C).
    Computed as -log_softmax(logits)[target], so large logits do not overflow.
    """
    _check_tensor(logits, "cross_entropy: logits")
    t = targets._data if isinstance(targets, Tensor) else targets
    if t is None:
        raise TypeError("cross_entropy: targets must be integer class indices, got None")
    xp = _xp_of(logits._data)
    t = xp.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != logits.shape[:-1]:
        raise ValueError(f"cross_entropy: targets must have shape {logits.shape[:-1]} (logits' shape "
                         f"without the class axis), got {t.shape}")
    num_classes = logits.shape[-1]
    # Without this check a target of -1 would silently pick the last class.
    if t.size and (t.min() < 0 or t.max() >= num_classes):
        raise ValueError(f"cross_entropy: targets must lie in [0, {num_classes}) (the number of classes, logits' "
                         f"last axis), got values in [{int(t.min())}, {int(t.max())}]")
    flat_logits = logits.reshape(-1, num_classes)
    flat_t = t.reshape(-1)
    picked = log_softmax(flat_logits, axis=-1)[xp.arange(flat_t.size), flat_t]
    return _reduce(-picked.reshape(t.shape), reduction, "cross_entropy")


def mse(prediction: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((prediction - target)^2) over all elements.

    ``target`` must have ``prediction``'s shape: (N, 1) against (N,) would silently
    broadcast to (N, N) and compute the wrong loss. A target that is not a Tensor is
    converted to the prediction's dtype and device (a float64 array must not upcast it).
    """
    _check_tensor(prediction, "mse: prediction")
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=prediction.dtype, device=prediction.device)
    if target.shape != prediction.shape:
        raise ValueError(f"mse: target must have the prediction's shape {prediction.shape} (a target of another "
                         f"shape would broadcast), got {target.shape}")
    return _reduce((prediction - target) ** 2, reduction, "mse")
