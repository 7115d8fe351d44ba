"""``Tensor``: one array plus what autograd needs to differentiate through it.

Every method here is a thin wrapper around a primitive in ``ops.py``, so the whole
surface of the class is visible in this one file.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy

from .. import backend
from .versions import DataView

DEFAULT_DTYPE = numpy.float32


class Tensor:
    """An n-dimensional array that can record how it was computed.

    Attributes:
        data: the NumPy (CPU) or CuPy (GPU) array.
        grad: an array of ``data``'s shape and dtype after ``backward``, else None.
        requires_grad: whether gradients flow into this tensor.
        creator: the Function that produced it (None for a leaf).
    """

    __slots__ = ("_data", "grad", "requires_grad", "creator", "output_index", "name", "__weakref__")
    # Make ``ndarray * Tensor`` call Tensor.__rmul__ instead of NumPy broadcasting over it.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None,
                 name: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        device = backend.check_device(device) if device is not None else None
        xp = backend.array_module_for(device) if device is not None else backend.get_array_module(data)
        if device is None and xp is numpy and not isinstance(data, numpy.ndarray):
            xp = backend.array_module_for(backend.default_device())
        if data is None:
            raise TypeError("tensor: data must be a number, a list or an array, got None")
        try:
            if dtype is None and not hasattr(data, "dtype"):
                probe = numpy.asarray(data)
                dtype = DEFAULT_DTYPE if probe.dtype.kind == "f" else probe.dtype
            if device is not None and backend.device_of(data) != device:
                data = backend.to_device(data, device)
            self._data = xp.asarray(data, dtype=dtype)
        except ValueError as error:
            if "inhomogeneous" not in str(error) and "sequence" not in str(error):
                raise
            raise ValueError("tensor: data must be rectangular (every row of a nested list the same length); "
                             f"NumPy says: {error}") from None
        if self._data.dtype.kind in "cOVUS":
            kind = self._data.dtype.kind
            raise TypeError(f"tensor: data must hold real numbers (float, int or bool), got dtype {self._data.dtype}"
                            + (" (an object array: ragged lists, None or Python objects inside)" if kind == "O" else
                               " (complex numbers are not supported)" if kind == "c" else
                               " (text: turn tokens into ids first, e.g. with Vocab)" if kind in "US" else ""))
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype "
                f"{self._data.dtype}. Convert first, e.g. tensor(x, dtype='float32', requires_grad=True)."
            )
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.creator = None
        self.output_index = 0
        self.name = name

    @property
    def data(self) -> Any:
        """The array (NumPy on the CPU, CuPy on the GPU). Writing into it in place is fine after
        ``backward``; before it, ``backward`` raises if a recorded op saved this array."""
        data = self._data
        if type(data) is numpy.ndarray:
            return data.view(DataView)
        if isinstance(data, numpy.generic):  # an op on 0-d arrays gave a NumPy scalar: keep an array
            self._data = data = numpy.asarray(data)
            return data.view(DataView)
        return data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value.view(numpy.ndarray) if isinstance(value, DataView) else value

    @staticmethod
    def _wrap(data: Any, requires_grad: bool) -> "Tensor":
        """Wrap an op's output array without copying or checking it (the hot path)."""
        t = object.__new__(Tensor)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.creator = None
        t.output_index = 0
        t.name = None
        return t

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> Any:
        return self._data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it has no axis to count; use .item() for its value")
        return len(self._data)

    def __repr__(self) -> str:
        body = numpy.array2string(self.numpy(), precision=4, separator=", ", prefix="tensor(")
        extras = "" if self.dtype == DEFAULT_DTYPE else f", dtype={self.dtype}"
        if self.device != "cpu":
            extras += f", device='{self.device}'"
        if self.creator is not None:
            extras += f", grad_fn={self.creator.name}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    # ---------------------------------------------------------------- conversion
    def numpy(self) -> numpy.ndarray:
        """The data as a NumPy array (copied from the GPU when needed)."""
        return backend.to_numpy(self._data)

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): expected a tensor with one element, got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def detach(self) -> "Tensor":
        """A new leaf sharing the data, cut from the graph (truncated BPTT uses this)."""
        return Tensor._wrap(self._data, False)

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

    def _accumulate(self, grad: Any, fresh: bool = False) -> None:
        """Add ``grad`` into ``.grad``; keep it without a copy only if it is ``fresh`` (held nowhere else)."""
        if self.grad is None:
            self.grad = grad if fresh else grad.copy()
        else:
            # A new array, never ``+=``: the old one may be shared (see clip_grad_norm).
            self.grad = self.grad + grad
        if isinstance(self.grad, numpy.generic):  # 0-d: a NumPy scalar would lose ndarray methods
            self.grad = numpy.asarray(self.grad)

    def zero_grad(self) -> None:
        self.grad = None

    @property
    def _xp(self) -> Any:
        return numpy if type(self._data) is numpy.ndarray else backend.get_array_module(self._data)

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

    # Comparisons give plain boolean arrays: they are not differentiable.
    def __lt__(self, other: Any) -> Any:
        return self._data < _data(other)

    def __le__(self, other: Any) -> Any:
        return self._data <= _data(other)

    def __gt__(self, other: Any) -> Any:
        return self._data > _data(other)

    def __ge__(self, other: Any) -> Any:
        return self._data >= _data(other)

    __hash__ = object.__hash__

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

    def argmax(self, axis: int | None = None) -> "Tensor":
        """Indices of the maxima (an integer tensor, not differentiable)."""
        return Tensor._wrap(self._xp.asarray(self._data.argmax(axis=axis)), False)

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


def _check_not_empty(t: "Tensor", method: str) -> None:
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


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _index_data(index: Any) -> Any:
    """Unwrap Tensors used as indices (integer or boolean arrays)."""
    if isinstance(index, tuple):
        return tuple(_data(i) for i in index)
    return _data(index)


from . import ops  # noqa: E402  (ops need Tensor defined first)
from .function import backward_pass  # noqa: E402
