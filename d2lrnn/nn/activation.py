"""Activation and reshaping modules without parameters: ``Tanh``, ``ReLU``, ``Sigmoid``, ``Flatten``."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..autograd.functional import relu, sigmoid, tanh
from .module import Module


class Tanh(Module):
    """Element-wise tanh; any shape."""

    def forward(self, x: Any) -> Tensor:
        return tanh(x)


class ReLU(Module):
    """Element-wise max(x, 0); any shape."""

    def forward(self, x: Any) -> Tensor:
        return relu(x)


class Sigmoid(Module):
    """Element-wise 1 / (1 + exp(-x)); any shape."""

    def forward(self, x: Any) -> Tensor:
        return sigmoid(x)


class Flatten(Module):
    """Merge axes ``start_dim`` .. ``end_dim`` into one: (B, T, D) -> (B, T * D) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"Flatten: {name} must be an int, got {value!r}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        ndim = x.ndim
        start, end = self.start_dim % max(ndim, 1), self.end_dim % max(ndim, 1)
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim) or start > end:
            raise ValueError(f"Flatten: start_dim={self.start_dim}, end_dim={self.end_dim} do not name axes "
                             f"start <= end of an input with shape {x.shape}")
        merged = 1
        for n in x.shape[start:end + 1]:
            merged *= n
        return x.reshape(x.shape[:start] + (merged,) + x.shape[end + 1:])

    def __repr__(self) -> str:
        return f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})"


__all__ = ["Tanh", "ReLU", "Sigmoid", "Flatten"]
