"""``Embedding``: a lookup table from token indices to learned vectors (PyTorch's ``nn.Embedding``)."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor, zeros
from ..checks import check_positive_int
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` (num_embeddings, embedding_dim) is the vector of token ``i``.

    Indices of shape S give vectors of shape S + (embedding_dim,). Looking up a row is the
    same as multiplying a one-hot vector by ``weight``, without building the one-hot
    matrix; the gradient adds up into the rows that were looked up (repeats included).
    ``weight`` starts from N(0, 1), PyTorch's default.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.weight = init.normal_(Parameter(zeros(num_embeddings, embedding_dim)), sigma=1.0)

    def forward(self, indices: Any) -> Tensor:
        """Integer indices of shape S (a Tensor, array or list) -> vectors of shape S + (embedding_dim,)."""
        data = indices.data if isinstance(indices, Tensor) else indices
        xp = backend.get_array_module(self.weight.data)
        data = xp.asarray(data)
        if data.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {data.dtype}")
        if data.size:
            low, high = int(data.min()), int(data.max())
            if low < 0 or high >= self.num_embeddings:
                bad = high if high >= self.num_embeddings else low
                raise ValueError(f"Embedding: index {bad} is out of range for num_embeddings="
                                 f"{self.num_embeddings}; indices must lie in [0, {self.num_embeddings})")
        return self.weight[data]

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"
