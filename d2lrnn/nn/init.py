"""Weight initializers that overwrite a Parameter's values in place (PyTorch's ``torch.nn.init``).

Each function replaces ``param.data`` with new values of the same shape, dtype and device,
and returns ``param``; gradients are untouched. Random values are drawn with NumPy (seed it
with ``d2lrnn.seed``) and then moved to the parameter's device, so one seed gives the same
starting weights on the CPU and on a GPU.

    init.normal_(p, sigma=0.01)     N(0, sigma^2)                 (the book's scratch models)
    init.uniform_(p, low, high)     U(low, high)                  (PyTorch's Linear and RNN layers)
    init.xavier_uniform_(p, gain)   U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
    init.orthogonal_(p, gain)       gain * an orthogonal matrix (Keras' recurrent kernels)
    init.zeros_(p)                  0                              (biases)
"""
from __future__ import annotations

import math
from typing import Any

import numpy

from .. import backend
from ..autograd import Tensor


def _check_tensor(param: Any, name: str) -> Tensor:
    if not isinstance(param, Tensor):
        raise TypeError(f"{name}: param must be a Parameter or Tensor, got {type(param).__name__}")
    return param


def _assign(param: Tensor, values: numpy.ndarray) -> Tensor:
    """Put ``values`` into ``param`` with its dtype, on its device."""
    xp = backend.get_array_module(param.data)
    param.data = xp.asarray(values, dtype=param.dtype)
    return param


def fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``, as PyTorch counts them.

    A (out_features, in_features) matrix has fan_in = in_features and fan_out = out_features;
    extra trailing axes (a receptive field) multiply both.
    """
    if len(shape) < 2:
        raise ValueError(f"fans: a weight needs at least 2 dimensions to have fan_in and fan_out, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def normal_(param: Tensor, sigma: float = 0.01, mean: float = 0.0) -> Tensor:
    """Fill ``param`` with samples from N(mean, sigma^2), in place. Returns ``param``."""
    _check_tensor(param, "normal_")
    if sigma < 0:
        raise ValueError(f"normal_: sigma must be >= 0, got {sigma}")
    return _assign(param, numpy.random.normal(mean, sigma, param.shape))


def uniform_(param: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    """Fill ``param`` with samples from U(low, high), in place. Returns ``param``."""
    _check_tensor(param, "uniform_")
    if low > high:
        raise ValueError(f"uniform_: low must be <= high, got low={low}, high={high}")
    return _assign(param, numpy.random.uniform(low, high, param.shape))


def zeros_(param: Tensor) -> Tensor:
    """Fill ``param`` with zeros, in place. Returns ``param``."""
    _check_tensor(param, "zeros_")
    return _assign(param, numpy.zeros(param.shape))


def xavier_uniform_(param: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), in place.

    Keeps the variance of activations and gradients about equal across a layer
    (Glorot & Bengio, 2010). ``param`` needs at least 2 dimensions. Returns ``param``.
    """
    _check_tensor(param, "xavier_uniform_")
    fan_in, fan_out = fans(param.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _assign(param, numpy.random.uniform(-bound, bound, param.shape))


def orthogonal_(param: Tensor, gain: float = 1.0) -> Tensor:
    """Fill ``param`` with gain * a (semi-)orthogonal matrix, in place (Saxe et al., 2013).

    The first axis gives the rows, the remaining axes are flattened into columns; rows are
    orthonormal when rows <= columns, columns otherwise. Computed as PyTorch does: the Q of
    the QR decomposition of a standard normal matrix, with signs fixed by diag(R) so the
    result is uniformly distributed. ``param`` needs at least 2 dimensions. Returns ``param``.
    """
    _check_tensor(param, "orthogonal_")
    if param.ndim < 2:
        raise ValueError(f"orthogonal_: param needs at least 2 dimensions, got shape {param.shape}")
    rows = param.shape[0]
    cols = param.size // rows
    flat = numpy.random.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = numpy.linalg.qr(flat)
    q *= numpy.sign(numpy.diag(r))
    if rows < cols:
        q = q.T
    return _assign(param, gain * q.reshape(param.shape))


__all__ = ["normal_", "uniform_", "zeros_", "xavier_uniform_", "orthogonal_", "fans"]
