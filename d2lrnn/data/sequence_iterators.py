"""Minibatches for truncated backpropagation through time (the book's classic API).

Both iterators cut one long corpus of token indices into ``(X, Y)`` batches of shape
(batch_size, num_steps), where ``Y`` is ``X`` shifted one token ahead:

- ``seq_data_iter_random``: every subsequence starts at a random place in the corpus, so
  consecutive batches are unrelated and the hidden state must be reset between them;
- ``seq_data_iter_sequential``: row i of a batch continues row i of the previous batch, so the
  hidden state can be carried across batches (detached, for truncated BPTT).

Both start at a random offset in [0, num_steps - 1], drawn from ``numpy.random`` (seed it with
``d2lrnn.seed``), so each epoch sees differently aligned subsequences.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy

from .. import backend
from ..autograd import Tensor
from ..checks import check_positive_int


def seq_data_iter_random(corpus: Sequence[int], batch_size: int, num_steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Random sampling: non-overlapping subsequences in a random order.

    After dropping a random offset, the corpus is cut into ``(len - 1) // num_steps`` pieces of
    ``num_steps`` tokens; ``batch_size`` of them, picked without replacement, form each batch.
    Leftover pieces that do not fill a batch are dropped.

    Shapes: corpus (L,) -> batches X, Y of shape (batch_size, num_steps), integer Tensors.
    """
    corpus = _as_corpus(corpus, batch_size, num_steps)
    return _random_batches(corpus, batch_size, num_steps)


def _random_batches(corpus: numpy.ndarray, batch_size: int, num_steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    corpus = corpus[numpy.random.randint(0, num_steps):]
    num_subseqs = (len(corpus) - 1) // num_steps  # -1: the last X token still needs its Y
    starts = numpy.arange(0, num_subseqs * num_steps, num_steps)
    numpy.random.shuffle(starts)
    steps = numpy.arange(num_steps)
    device = backend.default_device()
    for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
        positions = starts[i:i + batch_size, None] + steps  # (batch_size, num_steps)
        yield Tensor(corpus[positions], device=device), Tensor(corpus[positions + 1], device=device)


def seq_data_iter_sequential(corpus: Sequence[int], batch_size: int,
                             num_steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Sequential partitioning: ``batch_size`` parallel streams read ``num_steps`` tokens at a time.

    After dropping a random offset, the corpus is split into ``batch_size`` equal streams (one per
    row); batch k holds columns ``[k * num_steps, (k + 1) * num_steps)`` of every stream, so row i
    of batch k + 1 continues row i of batch k.

    The book draws the offset from [0, num_steps], both ends included, which is one value too
    many (d2l-zh PR #1337); here it is drawn from [0, num_steps - 1].

    Shapes: corpus (L,) -> batches X, Y of shape (batch_size, num_steps), integer Tensors.
    """
    corpus = _as_corpus(corpus, batch_size, num_steps)
    return _sequential_batches(corpus, batch_size, num_steps)


def _sequential_batches(corpus: numpy.ndarray, batch_size: int,
                        num_steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    offset = numpy.random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    streams_x = corpus[offset:offset + num_tokens].reshape(batch_size, -1)
    streams_y = corpus[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = streams_x.shape[1] // num_steps
    device = backend.default_device()
    for start in range(0, num_batches * num_steps, num_steps):
        yield (Tensor(streams_x[:, start:start + num_steps], device=device),
               Tensor(streams_y[:, start:start + num_steps], device=device))


def _as_corpus(corpus: Sequence[int], batch_size: int, num_steps: int) -> numpy.ndarray:
    """Check the arguments and return the corpus as a 1-D int64 array."""
    check_positive_int(batch_size, "batch_size")
    check_positive_int(num_steps, "num_steps")
    array = backend.to_numpy(corpus.data if isinstance(corpus, Tensor) else corpus)
    if array.ndim != 1 or (array.size > 0 and array.dtype.kind not in "iu"):
        raise ValueError(f"corpus: expected a flat sequence of integer token indices, got an array of "
                         f"shape {array.shape} and dtype {array.dtype}")
    return array.astype(numpy.int64, copy=False)
