"""Compare analytic gradients with central finite differences, in float64.

The check runs on the device of the Tensor inputs (the first one's), so that a function
whose constants live on the GPU is checked there.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy

from .. import backend
from .tensor import Tensor


def numerical_grad(fn: Callable[..., Tensor], inputs: list, index: int, eps: float) -> numpy.ndarray:
    """d weighted_sum(fn(*inputs)) / d inputs[index] by central differences (inputs as float64 arrays).

    The weighted sum is the scalar ``gradcheck`` checks (see ``_weighted_sum``).
    """
    x = inputs[index]
    grad = numpy.zeros(x.shape)  # filled one float at a time, on the host
    # Index x itself: a reshape(-1) of a non-contiguous array is a copy, and nudging it would not move x.
    for i in numpy.ndindex(x.shape):
        saved = x[i].copy()  # CuPy's x[i] is a view of x, NumPy's a copy
        x[i] = saved + eps
        plus = float(_weighted_sum(fn(*[Tensor(a, dtype=a.dtype) for a in inputs])).numpy())
        x[i] = saved - eps
        minus = float(_weighted_sum(fn(*[Tensor(a, dtype=a.dtype) for a in inputs])).numpy())
        x[i] = saved
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _weighted_sum(out: Any) -> Tensor:
    """sum_k (o_k * w_k).sum() over the outputs o_k, with fixed random float64 weights w_k.

    A plain sum would send all-ones gradients into every op, and a backward that puts a
    gradient in the wrong place (pieces swapped, a permutation not inverted) would pass.
    The weights come from ``numpy.random.default_rng(0)`` drawn output by output, so every
    call with outputs of the same shapes sees the same weights.
    """
    outputs = out if isinstance(out, (tuple, list)) else (out,)
    rng = numpy.random.default_rng(0)
    total = None
    for o in outputs:
        if isinstance(o, Tensor):
            weights = Tensor(rng.standard_normal(o.shape), device=o.device)
            term = (o * weights).sum()
            total = term if total is None else total + term
    return total


def gradcheck(fn: Callable[..., Tensor], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-4, raise_exception: bool = True) -> bool:
    """Check backward of ``fn`` against finite differences, in float64.

    ``fn`` takes Tensors and returns a Tensor (or a tuple of Tensors). The scalar checked
    is sum_k (o_k * w_k).sum() over its outputs o_k, with fixed random weights w_k (the
    same in the analytic and the numerical pass), so every element of every output gets
    its own gradient. Every floating-point input is checked; integer and boolean inputs
    (an index array, a mask) are passed to ``fn`` as constants.
    Returns True, or raises ``AssertionError`` naming the input and the worst element.
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be a function of the inputs, got {type(fn).__name__} {fn!r}")
    device = next((x.device for x in inputs if isinstance(x, Tensor)), "cpu")
    xp = backend.array_module_for(device)
    arrays = [backend.to_device(x.data if isinstance(x, Tensor) else numpy.asarray(x), device) for x in inputs]
    checked = [a.dtype.kind == "f" for a in arrays]
    # Floating-point inputs become float64 leaves; integer and boolean ones (indices, masks) stay constants.
    arrays = [xp.array(a, dtype=numpy.float64) if f else a for a, f in zip(arrays, checked)]
    leaves = [Tensor(a.copy(), requires_grad=f, dtype=a.dtype) for a, f in zip(arrays, checked)]
    _weighted_sum(fn(*leaves)).backward()
    for k, leaf in enumerate(leaves):
        if not checked[k]:
            continue
        analytic = backend.to_numpy(leaf.grad) if leaf.grad is not None else numpy.zeros(leaf.shape)
        numeric = numerical_grad(fn, arrays, k, eps)
        err = numpy.abs(analytic - numeric)
        bound = atol + rtol * numpy.abs(numeric)
        if (err > bound).any():
            worst = numpy.unravel_index(numpy.argmax(err - bound), err.shape)
            message = (f"gradcheck: input {k} (shape {leaf.shape}) differs at index {tuple(map(int, worst))}: "
                       f"analytic {analytic[worst]:.8g}, numerical {numeric[worst]:.8g}, "
                       f"max abs error {err.max():.3g}")
            if raise_exception:
                raise AssertionError(message)
            return False
    return True
