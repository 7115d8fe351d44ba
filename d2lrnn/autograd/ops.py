"""Every primitive operation, forward and backward side by side.

Each class is one op. ``forward`` and ``backward`` take and return raw arrays and use
``self.xp`` (NumPy or CuPy), never ``numpy`` directly. The docstring states the
derivative; ``Function.apply`` handles broadcasting, devices and the graph.
Backward is written as if no broadcasting happened.
"""
from __future__ import annotations

import itertools
from typing import Any

from .. import backend
from .function import Function


def _normalize_axis(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim if ndim else 0 for a in axes)


def _expand_reduced(grad: Any, shape: tuple, axis: Any, keepdims: bool) -> Any:
    """Put back the axes a reduction removed, so ``grad`` broadcasts against ``shape``."""
    if keepdims or not shape:
        return grad
    for a in sorted(_normalize_axis(axis, len(shape))):
        grad = grad.reshape(grad.shape[:a] + (1,) + grad.shape[a:])
    return grad


# ------------------------------------------------------------- element-wise binary
class Add(Function):
    """d(a + b) = da + db"""

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """d(a - b) = da - db"""

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad


class Mul(Function):
    """d(a * b) = b da + a db"""

    def forward(self, a, b):
        self.save(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved
        return grad * b, grad * a


class Div(Function):
    """d(a / b) = da / b - a / b^2 db"""

    def forward(self, a, b):
        self.save(a, b)
        return a / b

    def backward(self, grad):
        a, b = self.saved
        grad_a = grad / b
        return grad_a, -grad_a * a / b


class Maximum(Function):
    """d max(a, b) = [a >= b] da + [a < b] db  (ties go to a)"""

    def forward(self, a, b):
        self.save(a >= b)
        return self.xp.maximum(a, b)

    def backward(self, grad):
        (a_wins,) = self.saved
        return grad * a_wins, grad * ~a_wins


class Where(Function):
    """d where(c, a, b) = [c] da + [not c] db  (the condition has no gradient)"""

    def forward(self, condition, a, b):
        self.save(condition)
        return self.xp.where(condition, a, b)

    def backward(self, grad):
        (condition,) = self.saved
        zero = grad.dtype.type(0)
        return None, self.xp.where(condition, grad, zero), self.xp.where(condition, zero, grad)


# -------------------------------------------------------------- element-wise unary
class Neg(Function):
    """d(-a) = -da"""

    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad


class Pow(Function):
    """d(a^p) = p a^(p-1) da  (p a constant)"""

    def forward(self, a, exponent):
        self.save(a, exponent)
        return a**exponent

    def backward(self, grad):
        a, p = self.saved
        if p == 0:  # a^0 is constant; p a^(p-1) would give 0 * inf = nan at a = 0
            return self.xp.zeros_like(grad)
        return grad * (p * a ** (p - 1))


class Exp(Function):
    """d exp(a) = exp(a) da"""

    def forward(self, a):
        y = self.xp.exp(a)
        self.save(y)
        return y

    def backward(self, grad):
        (y,) = self.saved
        return grad * y


class Log(Function):
    """d log(a) = da / a"""

    def forward(self, a):
        self.save(a)
        return self.xp.log(a)

    def backward(self, grad):
        (a,) = self.saved
        return grad / a


class Tanh(Function):
    """d tanh(a) = (1 - tanh(a)^2) da"""

    def forward(self, a):
        y = self.xp.tanh(a)
        self.save(y)
        return y

    def backward(self, grad):
        (y,) = self.saved
        return grad * (1 - y * y)


class Sigmoid(Function):
    """d sigmoid(a) = sigmoid(a) (1 - sigmoid(a)) da"""

    def forward(self, a):
        # tanh form: stable for large |a| and one transcendental call.
        y = self.xp.tanh(a * 0.5)
        y += 1
        y *= 0.5
        self.save(y)
        return y

    def backward(self, grad):
        (y,) = self.saved
        return grad * (y * (1 - y))


class ReLU(Function):
    """d relu(a) = [a > 0] da"""

    def forward(self, a):
        y = self.xp.maximum(a, 0)
        self.save(y)
        return y

    def backward(self, grad):
        (y,) = self.saved
        return grad * (y > 0)


class Abs(Function):
    """d |a| = sign(a) da  (0 at a = 0)"""

    def forward(self, a):
        self.save(a)
        return self.xp.abs(a)

    def backward(self, grad):
        (a,) = self.saved
        return grad * self.xp.sign(a)


class Clip(Function):
    """d clip(a, lo, hi) = [lo <= a <= hi] da"""

    def forward(self, a, low, high):
        self.save(a, low, high)
        return self.xp.clip(a, low, high)

    def backward(self, grad):
        a, low, high = self.saved
        inside = self.xp.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return grad * inside


class AsType(Function):
    """d cast(a) = cast_back(da)"""

    def forward(self, a, dtype):
        self.save(a.dtype)
        return a.astype(dtype)

    def backward(self, grad):
        (dtype,) = self.saved
        return grad.astype(dtype)


class ToDevice(Function):
    """d to_device(a) = to_device(grad) back on a's device"""

    def forward(self, a, device):
        self.save(backend.device_of(a))
        return backend.to_device(a, device)

    def backward(self, grad):
        (source,) = self.saved
        return backend.to_device(grad, source)


class DropoutMask(Function):
    """d (a * m / (1 - p)) = m / (1 - p) da, with m ~ Bernoulli(1 - p) drawn in forward"""

    def forward(self, a, p):
        keep = self.xp.random.random_sample(a.shape) >= p
        scale = keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - p))
        self.save(scale)
        return a * scale

    def backward(self, grad):
        (scale,) = self.saved
        return grad * scale


# ----------------------------------------------------------------- linear algebra
class MatMul(Function):
    """d(a @ b) = grad @ b^T for a, a^T @ grad for b  (batched over leading axes)"""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(
                f"matmul: inner dimensions differ: a has shape {a.shape}, b has shape {b.shape} "
                f"(a's last axis must equal b's {'second-to-last' if b.ndim > 1 else 'only'} axis)"
            )
        self.save(a, b)
        return a @ b

    def backward(self, grad):
        a, b = self.saved
        swap = self.xp.swapaxes
        if a.ndim == 1 and b.ndim == 1:  # inner product
            return grad * b, grad * a
        if a.ndim == 1:  # (k,) @ (..., k, n): a acts as a row vector
            g = grad[..., None, :]
            return (g @ swap(b, -1, -2))[..., 0, :], a[:, None] @ g
        if b.ndim == 1:  # (..., m, k) @ (k,): b acts as a column vector
            g = grad[..., None]
            return g @ b[None, :], (swap(a, -1, -2) @ g)[..., 0]
        if a.ndim == 2 and b.ndim == 2:  # .T is cheaper to call than swapaxes
            return grad @ b.T, a.T @ grad
        return grad @ swap(b, -1, -2), swap(a, -1, -2) @ grad


# --------------------------------------------------------------------- reductions
class Sum(Function):
    """d sum(a) = broadcast(grad) over the summed axes"""

    def forward(self, a, axis, keepdims):
        self.save(a.shape, axis, keepdims)
        return self.xp.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, grad):
        shape, axis, keepdims = self.saved
        return self.xp.broadcast_to(_expand_reduced(grad, shape, axis, keepdims), shape)


class Mean(Function):
    """d mean(a) = broadcast(grad) / n over the n averaged elements"""

    def forward(self, a, axis, keepdims):
        self.save(a.shape, axis, keepdims)
        return self.xp.asarray(a.mean(axis=axis, keepdims=keepdims))

    def backward(self, grad):
        shape, axis, keepdims = self.saved
        count = 1
        for ax in _normalize_axis(axis, len(shape)):
            count *= shape[ax]
        grad = _expand_reduced(grad, shape, axis, keepdims) / grad.dtype.type(max(count, 1))
        return self.xp.broadcast_to(grad, shape)


class Max(Function):
    """d max(a) = [a == max] / (number of ties) * grad  (ties share the gradient)"""

    def forward(self, a, axis, keepdims):
        y = a.max(axis=axis, keepdims=True)
        self.save(a, y, axis, keepdims)
        if keepdims:
            return y
        reduced = _normalize_axis(axis, a.ndim)
        return y.reshape(tuple(n for i, n in enumerate(a.shape) if i not in reduced))

    def backward(self, grad):
        a, y, axis, keepdims = self.saved
        hits = (a == y).astype(grad.dtype)
        hits /= hits.sum(axis=axis, keepdims=True)
        return hits * _expand_reduced(grad, a.shape, axis, keepdims)


# -------------------------------------------------------------------------- shape
class Reshape(Function):
    """d reshape(a) = reshape(grad) back to a's shape"""

    def forward(self, a, shape):
        self.save(a.shape)
        return a.reshape(shape)

    def backward(self, grad):
        (shape,) = self.saved
        return grad.reshape(shape)


def inverse_permutation(order: Any) -> tuple[int, ...]:
    """The order that undoes ``order`` (negative entries count from the end): (2, 0, 1) -> (1, 2, 0)."""
    inverse = [0] * len(order)
    for new, old in enumerate(order):
        inverse[old % len(order)] = new
    return tuple(inverse)


class Transpose(Function):
    """d transpose(a, axes) = transpose(grad, inverse(axes))"""

    def forward(self, a, axes):
        self.save(axes)
        return self.xp.transpose(a, axes)

    def backward(self, grad):
        (axes,) = self.saved
        if axes is None:
            return self.xp.transpose(grad)
        return self.xp.transpose(grad, inverse_permutation(axes))


class GetItem(Function):
    """d a[index] = scatter-add of grad into zeros of a's shape at index"""

    def forward(self, a, index):
        self.save(a.shape, a.dtype, index)
        return self.xp.asarray(a[index])  # a full index gives a NumPy scalar: keep an array

    def backward(self, grad):
        shape, dtype, index = self.saved
        out = self.xp.zeros(shape, dtype=dtype)
        if _is_basic_index(index):
            out[index] = grad  # basic slicing never repeats an element
        else:
            self.xp.add.at(out, index, grad)  # integer indices may repeat: add, don't assign
        return out


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


def _split_points(sizes: list) -> list:
    """Where pieces of the given sizes meet along an axis: [2, 3, 4] -> [2, 5] (the form xp.split takes)."""
    return list(itertools.accumulate(sizes[:-1]))


class Concat(Function):
    """d concat(a_1..a_n) = the matching slices of grad, one per input"""

    def forward(self, *arrays, axis):
        self.save([a.shape[axis] for a in arrays], axis)
        return self.xp.concatenate(arrays, axis=axis)

    def backward(self, grad):
        sizes, axis = self.saved
        return tuple(self.xp.split(grad, _split_points(sizes), axis=axis))


class Stack(Function):
    """d stack(a_1..a_n) = grad taken apart along the new axis"""

    def forward(self, *arrays, axis):
        self.save(axis, len(arrays))
        return self.xp.stack(arrays, axis=axis)

    def backward(self, grad):
        axis, n = self.saved
        return tuple(self.xp.squeeze(g, axis=axis) for g in self.xp.split(grad, n, axis=axis))


class Split(Function):
    """d split(a) = concat(grad_1..grad_n) (zeros for pieces that got no gradient)"""

    def forward(self, a, sections, axis):
        self.save(axis)
        no_parts = sections < 1 if isinstance(sections, int) else len(sections) == 0
        if no_parts:
            raise ValueError(f"split: sections must be a positive number of parts or a non-empty list of sizes, "
                             f"got {sections!r}")
        if not isinstance(sections, int):
            sizes = list(sections)
            if sum(sizes) != a.shape[axis]:
                raise ValueError(f"split: sections {sizes} do not add up to axis {axis} of shape {a.shape}")
            sections = _split_points(sizes)
        elif a.shape[axis] % sections:
            raise ValueError(f"split: axis {axis} of shape {a.shape} does not divide into {sections} equal parts")
        return tuple(self.xp.split(a, sections, axis=axis))

    def backward(self, *grads):
        (axis,) = self.saved
        return self.xp.concatenate(grads, axis=axis)


class LogSoftmax(Function):
    """d log_softmax(a) = grad - softmax(a) * sum(grad)  along the axis"""

    def forward(self, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        y = shifted - self.xp.log(self.xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.save(y, axis)
        return y

    def backward(self, grad):
        y, axis = self.saved
        return grad - self.xp.exp(y) * grad.sum(axis=axis, keepdims=True)
