"""``TensorLoader``: minibatches over a few equally long arrays (the book's DataLoader)."""
from __future__ import annotations

import math
from typing import Any, Iterator, Sequence

import numpy

from .. import backend
from ..autograd import Tensor
from ..checks import check_positive_int


class TensorLoader:
    """Iterate over aligned arrays in minibatches of ``batch_size`` rows.

    Like ``torch.utils.data.DataLoader(TensorDataset(*arrays), batch_size, shuffle=shuffle)``:
    every pass yields ``len(self)`` tuples with one Tensor per array, the last batch possibly
    smaller (nothing is dropped). With ``shuffle`` each pass draws a fresh order from
    ``numpy.random``, so ``d2lrnn.seed`` makes it reproducible. Batches are put on
    ``d2lrnn.default_device()``.

    Args:
        arrays: NumPy/CuPy arrays or Tensors, all with the same first dimension n.
        batch_size: rows per batch, a positive int.
        shuffle: visit the rows in a new random order on every pass.

    Shapes: an array of shape (n, *rest) gives batches of shape (batch_size, *rest).
    """

    def __init__(self, arrays: Sequence[Any], batch_size: int, shuffle: bool = False) -> None:
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if len(arrays) == 0:
            raise ValueError("arrays: expected at least one array, got none")
        self.arrays = [a.data if isinstance(a, Tensor) else backend.get_array_module(a).asarray(a) for a in arrays]
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"arrays: expected the same number of rows in every array, got {lengths}")
        self.num_rows = lengths[0]
        self.shuffle = shuffle

    def __len__(self) -> int:
        """The number of batches per pass."""
        return math.ceil(self.num_rows / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = numpy.random.permutation(self.num_rows) if self.shuffle else numpy.arange(self.num_rows)
        device = backend.default_device()
        for start in range(0, self.num_rows, self.batch_size):
            rows = order[start:start + self.batch_size]
            yield tuple(Tensor(a[backend.get_array_module(a).asarray(rows)], device=device) for a in self.arrays)
