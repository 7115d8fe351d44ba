"""Gradient clipping: by the global norm (the book's ``clip_gradients``) or element by element.

PyTorch's names ``clip_grad_norm_`` and ``clip_grad_value_`` (also in ``nn.utils``); the older
name ``clip_grad_norm`` is kept as an alias.
"""
from __future__ import annotations

import math
from typing import Iterable

from ..autograd import Tensor


def _with_grad(params: Iterable[Tensor] | Tensor) -> list[Tensor]:
    if isinstance(params, Tensor):  # PyTorch accepts a single tensor too
        params = [params]
    return [p for p in params if p.grad is not None]


def _check_positive(value: float, name: str, function: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{function}: {name} must be a positive number, got {value!r}")


def clip_grad_norm_(params: Iterable[Tensor] | Tensor, max_norm: float) -> float:
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``.

    The global norm treats the gradients of all ``params`` as one long vector:
    ||g|| = sqrt(sum over params of sum(grad^2)). If ||g|| > max_norm, every gradient is
    multiplied by max_norm / ||g||; otherwise nothing changes. In one line:
    g <- min(1, max_norm / ||g||) g. The direction of the step is kept, its length bounded,
    which tames exploding gradients in RNNs. Parameters without a gradient are skipped.

    Each clipped gradient is a new array: the old one may be shared with another tensor,
    so it is never scaled in place.

    Returns the norm before clipping, as a Python float (PyTorch returns a 0-d tensor).
    """
    _check_positive(max_norm, "max_norm", "clip_grad_norm_")
    with_grad = _with_grad(params)
    total_norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in with_grad))
    if total_norm > max_norm:
        scale = max_norm / total_norm
        for p in with_grad:
            p.grad = p.grad * scale
    return total_norm


def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Limit every gradient element to [-clip_value, clip_value] (new arrays, never in place)."""
    _check_positive(clip_value, "clip_value", "clip_grad_value_")
    for p in _with_grad(params):
        p.grad = p.grad.clip(-clip_value, clip_value)


clip_grad_norm = clip_grad_norm_  # the name d2lrnn used first

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"]
