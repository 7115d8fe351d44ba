"""``Dropout``: inverted dropout while training, the identity in evaluation mode."""
from __future__ import annotations

from ..autograd import Tensor
from ..autograd.functional import dropout
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the survivors by 1 / (1 - p).

    Active only in training mode (``module.train()``, the default); after
    ``module.eval()`` it returns its input unchanged. The scaling keeps the expected
    value of every element the same in both modes. Any shape in, the same shape out.
    """

    def __init__(self, p: float = 0.5) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1), got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
