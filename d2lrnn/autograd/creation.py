"""Functions that make new tensors: ``tensor``, ``zeros``, ``ones``, ``randn`` and friends.

Each takes ``dtype`` (default float32) and ``device`` (default: ``backend.default_device()``).
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy

from .. import backend
from .tensor import DEFAULT_DTYPE, Tensor


def _shape(shape: tuple) -> tuple:
    """The shape from ``f(2, 3)`` or ``f((2, 3))``: non-negative ints (NumPy integers count)."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"shape: expected ints, got {shape!r}")
        if n < 0:
            raise ValueError(f"shape: expected sizes >= 0, got {shape!r}")
    return tuple(int(n) for n in shape)


def _real(value: Any, argument: str, allow_nan: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (math.isnan(value) and not allow_nan):
        raise TypeError(f"{argument}: expected a number, got {value!r}")


def _xp(device: str | None) -> Any:
    return backend.array_module_for(device or backend.default_device())


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None) -> Tensor:
    """A new leaf tensor holding ``data`` (a number, list, NumPy/CuPy array or Tensor).

    Python numbers and lists of floats become float32 and integers stay integers, unless
    ``dtype`` says otherwise; NumPy/CuPy arrays and Tensors keep their dtype.
    Without ``device``, CuPy arrays and Tensors stay where they are and everything else
    (NumPy arrays too) goes to the default device, as ``torch.tensor`` does.
    """
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d.numpy() if isinstance(d, Tensor) else d for d in data]
    if device is None and isinstance(data, numpy.ndarray):
        device = backend.default_device()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*shape: int, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """A tensor of zeros with the given shape."""
    return Tensor(_xp(device).zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: int, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """A tensor of ones with the given shape."""
    return Tensor(_xp(device).ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape: tuple, value: float, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False,
         device: str | None = None) -> Tensor:
    """A tensor of the given shape filled with ``value``."""
    _real(value, "full: value", allow_nan=True)
    return Tensor(_xp(device).full(_shape((shape,)), value, dtype=dtype), requires_grad=requires_grad)


def randn(*shape: int, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Standard normal samples, N(0, 1), of the given shape (seed with ``d2lrnn.seed``)."""
    data = _xp(device).random.standard_normal(_shape(shape)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def normal(mean: float = 0.0, std: float = 1.0, size: tuple = (), dtype: Any = DEFAULT_DTYPE,
           requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Samples from N(mean, std^2) of shape ``size``."""
    _real(mean, "normal: mean")
    _real(std, "normal: std")
    if std < 0 or math.isinf(std):
        raise ValueError(f"normal: std must be a finite number >= 0, got {std!r}")
    data = _xp(device).random.normal(mean, std, _shape((size,))).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape: int, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Uniform samples from [0, 1) of the given shape."""
    data = _xp(device).random.random_sample(_shape(shape)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None) -> Tensor:
    """Evenly spaced values in [start, stop), like ``numpy.arange`` (integers stay integers)."""
    if step == 0:
        raise ValueError("arange: step must not be 0")
    data = _xp(device).arange(start, stop, step) if stop is not None else _xp(device).arange(start)
    if dtype is None and data.dtype.kind == "f":
        dtype = DEFAULT_DTYPE
    return Tensor(data, dtype=dtype)


def _like(x: Tensor, dtype: Any) -> tuple:
    return x.shape, dtype or x.dtype, x.device


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``x``'s shape, dtype and device."""
    shape, dtype, device = _like(x, dtype)
    return zeros(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``x``'s shape, dtype and device."""
    shape, dtype, device = _like(x, dtype)
    return ones(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) samples with ``x``'s shape, dtype and device."""
    shape, dtype, device = _like(x, dtype)
    return randn(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` itself when it is already a Tensor, else a new constant tensor."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


__all__ = ["tensor", "zeros", "ones", "full", "randn", "normal", "rand", "arange",
           "zeros_like", "ones_like", "randn_like", "as_tensor"]


def as_numpy(value: Any) -> numpy.ndarray:
    """A NumPy array of ``value``: a Tensor, a NumPy/CuPy array, a list, or anything with
    ``.detach().cpu().numpy()`` (a PyTorch tensor), so weights exported from PyTorch load directly."""
    if isinstance(value, Tensor):
        return value.numpy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    return backend.to_numpy(value)


def converted_weight(value: Any, shape: tuple, dtype: Any, what: str) -> numpy.ndarray:
    """A new NumPy array of ``value`` in ``dtype``, checked to have ``shape``; else a ValueError
    starting with ``what`` (e.g. "set_weights: weight 'dense/kernel'"). Loading code converts every
    value with this first and writes afterwards, so a bad value changes nothing."""
    try:
        array = as_numpy(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what}: expected an array of shape {tuple(shape)}, got {type(value).__name__} "
                         f"({error})") from None
    if array.shape != tuple(shape):
        raise ValueError(f"{what}: expected shape {tuple(shape)}, got an array of shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{what}: expected numbers, got an array of dtype {array.dtype}")
    return numpy.array(array, dtype=dtype)  # a copy: never share memory with the source
