"""Loss modules (PyTorch's ``nn.CrossEntropyLoss`` and ``nn.MSELoss``) and the functions behind them.

    loss = CrossEntropyLoss()(logits, targets)     # same as cross_entropy(logits, targets)
    loss = MSELoss()(prediction, target)           # same as mse(prediction, target)

``reduction`` is 'mean' (default), 'sum' or 'none' (one loss per example).
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..autograd.functional import check_reduction, cross_entropy, mse
from .module import Module


class _ReducedLoss(Module):
    """A loss module: ``loss_function(prediction, target, reduction)`` with the reduction fixed at construction."""

    loss_function: Any = None  # a staticmethod in each subclass

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = check_reduction(reduction, type(self).__name__)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return self.loss_function(prediction, target, self.reduction)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class CrossEntropyLoss(_ReducedLoss):
    """Cross-entropy of integer class targets under unnormalized logits.

    logits (..., C) and integer targets (...) in [0, C); the class axis is the *last* one
    (PyTorch puts it at axis 1 for inputs with more than two axes). Computed as
    -log_softmax(logits)[target] through the stable fused log-softmax, so large logits
    neither overflow nor lose precision.
    """

    loss_function = staticmethod(cross_entropy)


class MSELoss(_ReducedLoss):
    """Mean squared error (prediction - target)^2, averaged (or summed) over all elements."""

    loss_function = staticmethod(mse)


__all__ = ["CrossEntropyLoss", "MSELoss", "cross_entropy", "mse"]
