"""Gradient clipping: by the global norm (the book's ``clip_gradients``) or element by element.

PyTorch's names ``clip_grad_norm_`` and ``clip_grad_value_`` (also in ``nn.utils``); the older
name ``clip_grad_norm`` is kept as an alias.
"""
from __future__ import annotations

import math
from typing import Iterable

from ..autograd import Tensor
from ..checks import check_number


def _with_grad(params: Iterable[Tensor] | Tensor) -> list[Tensor]:
    if isinstance(params, Tensor):  # PyTorch accepts a single tensor too
        params = [params]
    return [p for p in params if p.grad is not None]


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
    max_norm = check_number(max_norm, "clip_grad_norm_: max_norm", 0.0, low_open=True)
    with_grad = _with_grad(params)
    total_norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in with_grad))
    if total_norm > max_norm:
        scale = max_norm / total_norm
        for p in with_grad:
            p.grad = p.grad * scale
    return total_norm


def clip_grad_value_(params: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Limit every gradient element to [-clip_value, clip_value] (new arrays, never in place)."""
    check_number(clip_value, "clip_grad_value_: clip_value", 0.0, low_open=True)
    for p in _with_grad(params):
        p.grad = p.grad.clip(-clip_value, clip_value)


clip_grad_norm = clip_grad_norm_  # the name d2lrnn used first

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"]
