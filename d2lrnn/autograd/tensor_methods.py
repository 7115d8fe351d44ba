"""The methods of ``Tensor`` that run ops, attached to the class in one place.

``tensor.py`` defines the data and bookkeeping, ``function.py`` the Function rule (which wraps
its outputs in Tensors) and ``ops.py`` the primitives (which are Functions). This module is the
one that sees all three: each method below is a thin wrapper around a primitive, and
``attach`` puts them on ``Tensor`` when the package is imported (DeZero's ``setup_variable``).
The methods are ordinary class attributes afterwards, so calling them costs what a method
defined in the class body costs.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterator, Sequence

import numpy

from .. import backend
from . import ops
from .function import backward_pass
from .tensor import Tensor, _data


class TensorMethods:
    """The op-running methods of ``Tensor`` (never instantiated: ``attach`` copies them over)."""

    __slots__ = ()

    def to(self, device: str) -> "Tensor":
        """This tensor on ``device`` ('cpu' or 'gpu'); itself when already there.

        The copy is part of the graph: gradients flow back to this tensor's device.
        """
        if backend.check_device(device) == self.device:
            return self
        return ops.ToDevice.apply(self, device=device)

    def astype(self, dtype: Any) -> "Tensor":
        """A copy converted to ``dtype``; gradients flow back converted to this dtype."""
        try:
            dtype = numpy.dtype(dtype)
        except TypeError:
            raise TypeError(f"astype: dtype must be a NumPy dtype such as 'float32', got {dtype!r}") from None
        return ops.AsType.apply(self, dtype=dtype)

    def type(self, dtype: Any) -> "Tensor":
        """PyTorch's name for ``astype``: ``t.type(d2l.float32)``."""
        return self.astype(dtype)

    def float(self) -> "Tensor":
        return self.astype(numpy.float32)

    def double(self) -> "Tensor":
        return self.astype(numpy.float64)

    # ------------------------------------------------------------------ autograd
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf requiring gradients.

        ``grad`` defaults to 1 and must be given for a non-scalar tensor. Gradients add up
        across calls (call ``zero_grad`` between steps); the graph is freed afterwards
        unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require gradients (no input had "
                "requires_grad=True, or it was computed under no_grad())"
            )
        if grad is None:
            if self._data.size != 1:
                raise ValueError(
                    f"backward(): grad can be left out only for a scalar output, got shape "
                    f"{self.shape}. Pass grad= of that shape, or reduce with .sum() first."
                )
            grad = self._xp.ones(self.shape, dtype=self.dtype)
        else:
            grad = grad._data if isinstance(grad, Tensor) else self._xp.asarray(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward(): grad must have shape {self.shape}, got {grad.shape}")
        backward_pass(self, grad, retain_graph)

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> "Tensor":
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return ops.Div.apply(other, self)

    def __neg__(self) -> "Tensor":
        return ops.Neg.apply(self)

    def __pos__(self) -> "Tensor":
        return self

    def __pow__(self, exponent: float) -> "Tensor":
        if isinstance(exponent, Tensor) or isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"**: the exponent must be a Python number (pow by a constant), got {exponent!r}")
        return ops.Pow.apply(self, exponent=_python_number(exponent))

    def __matmul__(self, other: Any) -> "Tensor":
        return ops.MatMul.apply(self, _matmul_operand(other))

    def __rmatmul__(self, other: Any) -> "Tensor":
        return ops.MatMul.apply(_matmul_operand(other), self)

    def __abs__(self) -> "Tensor":
        return ops.Abs.apply(self)

    # ---------------------------------------------------------- element-wise math
    def exp(self) -> "Tensor":
        return ops.Exp.apply(self)

    def log(self) -> "Tensor":
        return ops.Log.apply(self)

    def tanh(self) -> "Tensor":
        return ops.Tanh.apply(self)

    def sigmoid(self) -> "Tensor":
        return ops.Sigmoid.apply(self)

    def relu(self) -> "Tensor":
        return ops.ReLU.apply(self)

    def abs(self) -> "Tensor":
        return ops.Abs.apply(self)

    def sqrt(self) -> "Tensor":
        return ops.Pow.apply(self, exponent=0.5)

    def clip(self, low: float | None = None, high: float | None = None) -> "Tensor":
        """Values limited to [low, high] (either may be None); same shape; zero gradient where clipped."""
        for name, bound in (("low", low), ("high", high)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, numbers.Real)
                                      or math.isnan(bound)):
                raise ValueError(f"clip: {name} must be a number or None, got {bound!r}")
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip: low must be <= high, got low={low}, high={high}")
        return ops.Clip.apply(self, low=_python_number(low), high=_python_number(high))

    # ---------------------------------------------------------------- reductions
    def sum(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes if None): the reduced axes are dropped unless ``keepdims``."""
        _check_axis(axis, self.ndim, "sum")
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis`` (all axes if None): the reduced axes are dropped unless ``keepdims``."""
        _check_axis(axis, self.ndim, "mean")
        _check_not_empty(self, "mean")
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | tuple | None = None, keepdims: bool = False) -> "Tensor":
        """Maximum over ``axis`` (all axes if None); tied maxima share the gradient equally."""
        _check_axis(axis, self.ndim, "max")
        _check_not_empty(self, "max")
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    # --------------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> "Tensor":
        """The same elements in a new shape, e.g. (B, T, D) -> (B * T, D) with ``reshape(-1, D)``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: int) -> "Tensor":
        """Permute the axes like ``numpy.transpose``: reversed when no axes (or None) are given."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        if axes and sorted(a % self.ndim if isinstance(a, numbers.Integral) and -self.ndim <= a < self.ndim else a
                           for a in axes) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes must be a permutation of 0..{self.ndim - 1}, got {tuple(axes)}")
        return ops.Transpose.apply(self, axes=tuple(axes) if axes else None)

    def permute(self, *axes: int) -> "Tensor":
        """Axes reordered: ``x.permute(1, 0, 2)`` turns (T, B, D) into (B, T, D). Same as ``transpose``."""
        return self.transpose(*axes)

    def swapaxes(self, axis1: int, axis2: int) -> "Tensor":
        """Axes ``axis1`` and ``axis2`` exchanged, e.g. (B, T, D) -> (T, B, D) with ``swapaxes(0, 1)``."""
        _check_axis(axis1, self.ndim, "swapaxes")
        _check_axis(axis2, self.ndim, "swapaxes")
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return ops.Transpose.apply(self, axes=tuple(axes))

    @property
    def T(self) -> "Tensor":
        return ops.Transpose.apply(self, axes=None)

    def __iter__(self) -> Iterator["Tensor"]:
        """The slices along the first axis: ``for X in inputs`` walks the time steps of (T, B, D)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __reversed__(self) -> "Tensor":
        """The tensor with its first axis reversed, as ``reversed(x)`` does in PyTorch (the book's BiRNN)."""
        return self[::-1]

    def __getitem__(self, index: Any) -> "Tensor":
        return ops.GetItem.apply(self, index=_index_data(index))

    def split(self, sections: int | Sequence[int], axis: int = 0) -> tuple:
        """Pieces along ``axis``: ``sections`` equal parts (an int) or parts of the given sizes (a list)."""
        return ops.Split.apply(self, sections=sections, axis=axis)


def _check_axis(axis: Any, ndim: int, method: str) -> None:
    """An axis argument: None, an int in [-ndim, ndim) or a tuple of them (NumPy integers count)."""
    for a in axis if isinstance(axis, (tuple, list)) else (axis,):
        if a is None and not isinstance(axis, (tuple, list)):
            continue
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{method}: axis must be an int, a tuple of ints or None, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{method}: axis {a} is out of range for a tensor with {ndim} axes")


def _check_not_empty(t: Tensor, method: str) -> None:
    if t._data.size == 0:
        raise ValueError(f"{method}(): the tensor is empty (shape {t.shape}): there is nothing to reduce")


def _matmul_operand(other: Any) -> Any:
    if isinstance(other, Tensor) or getattr(other, "ndim", 0) >= 1:
        return other
    raise TypeError(f"@: matrix multiplication needs a Tensor or an array with at least one axis, got "
                    f"{type(other).__name__} {other!r}; use * to scale by a number")


def _python_number(value: Any) -> Any:
    """A NumPy scalar as a Python number, which cannot upcast float32 data; anything else unchanged."""
    return value.item() if isinstance(value, numpy.generic) else value


def _index_data(index: Any) -> Any:
    """Unwrap Tensors used as indices (integer or boolean arrays)."""
    if isinstance(index, tuple):
        return tuple(_data(i) for i in index)
    return _data(index)


def attach() -> None:
    """Copy every method (and the ``T`` property) of ``TensorMethods`` onto ``Tensor``."""
    for name, member in vars(TensorMethods).items():
        if callable(member) or isinstance(member, property):
            setattr(Tensor, name, member)


attach()
