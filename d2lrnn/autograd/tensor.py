"""``Tensor``: one array plus what autograd needs to differentiate through it.

This file holds the data, its properties and conversions, and the gradient bookkeeping. The
methods that run ops (arithmetic, math, reductions, shapes, ``backward``) are thin wrappers
around the primitives in ``ops.py``, attached to the class in ``tensor_methods.py``: that module
imports both Tensor and the ops, so neither imports the other (DeZero's ``setup_variable``).
"""
from __future__ import annotations

from typing import Any

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

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        """``numpy.asarray(t)`` gives the numbers (a NumPy copy of GPU data), not an array of Tensors."""
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

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

    def zero_(self) -> "Tensor":
        """Set every element to zero; returns self. (A fresh array: arrays saved for backward keep their values.)"""
        self._data = self._xp.zeros_like(self._data)
        return self

    @property
    def _xp(self) -> Any:
        return numpy if type(self._data) is numpy.ndarray else backend.get_array_module(self._data)

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

    # ---------------------------------------------------------------- reductions
    def argmax(self, axis: int | None = None) -> "Tensor":
        """Indices of the maxima (an integer tensor, not differentiable)."""
        return Tensor._wrap(self._xp.asarray(self._data.argmax(axis=axis)), False)


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x
