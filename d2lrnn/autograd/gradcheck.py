"""Compare analytic gradients with central finite differences, in float64."""
from __future__ import annotations

from typing import Any, Callable

import numpy

from .. import backend
from .tensor import Tensor


def numerical_grad(fn: Callable[..., Tensor], inputs: list, index: int, eps: float) -> numpy.ndarray:
    """d sum(fn(*inputs)) / d inputs[index] by central differences (inputs as float64 arrays)."""
    x = inputs[index]
    grad = numpy.zeros(x.shape)
    flat = x.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = float(_as_tensor_out(fn(*[Tensor(a, dtype=a.dtype) for a in inputs])).numpy().sum())
        flat[i] = saved - eps
        minus = float(_as_tensor_out(fn(*[Tensor(a, dtype=a.dtype) for a in inputs])).numpy().sum())
        flat[i] = saved
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad


def _as_tensor_out(out: Any) -> Tensor:
    if isinstance(out, (tuple, list)):
        total = None
        for o in out:
            if isinstance(o, Tensor):
                total = o.sum() if total is None else total + o.sum()
        return total
    return out.sum()


def gradcheck(fn: Callable[..., Tensor], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-4, raise_exception: bool = True) -> bool:
    """Check backward of ``fn`` against finite differences, in float64.

    ``fn`` takes Tensors and returns a Tensor (or tuple of Tensors, whose sums are added);
    the scalar checked is the sum of its outputs. Every floating-point input is checked.
    Returns True, or raises ``AssertionError`` naming the input and the worst element.
    """
    arrays = [numpy.array(backend.to_numpy(x.data if isinstance(x, Tensor) else x), dtype=numpy.float64)
              for x in inputs]
    leaves = [Tensor(a.copy(), requires_grad=True, dtype=numpy.float64) for a in arrays]
    _as_tensor_out(fn(*leaves)).backward()
    for k, leaf in enumerate(leaves):
        analytic = leaf.grad if leaf.grad is not None else numpy.zeros(leaf.shape)
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
