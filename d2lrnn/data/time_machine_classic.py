"""The Time Machine through the book's classic (pre-1.0) API: lines, tokens, corpus, iterators.

Kept for notebooks written against d2l 0.17 (``d2l.load_data_time_machine`` and friends).
Two differences from d2l 0.17, both deliberate:
- the one ``Vocab`` of this library is used, so indices are sorted tokens (' ' = 0, '<unk>' = 1,
  'a' = 2, ...) where 0.17 put '<unk>' at 0 and the rest by frequency; sizes are the same;
- ``tokenize`` raises on an unknown token type instead of printing an error and returning None.
"""
from __future__ import annotations

from typing import Iterator

from ..autograd import Tensor
from .download import download
from .sequence_iterators import seq_data_iter_random, seq_data_iter_sequential
from .time_machine import NON_LETTERS
from .vocab import Vocab

TOKEN_TYPES = ("word", "char")


def read_time_machine() -> list[str]:
    """The novel as a list of lines: non-letters -> one space, stripped, lowercased."""
    with open(download("time_machine"), encoding="utf-8") as f:
        lines = f.readlines()
    return [NON_LETTERS.sub(" ", line).strip().lower() for line in lines]


def tokenize(lines: list[str], token: str = "word") -> list[list[str]]:
    """Split each line into word tokens (``token='word'``) or character tokens (``'char'``)."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"token: expected one of {TOKEN_TYPES}, got {token!r}")


def load_corpus_time_machine(max_tokens: int = -1) -> tuple[list[int], Vocab]:
    """The character corpus of the novel and its vocabulary, line by line.

    Returns ``(corpus, vocab)``: 170,580 indices and 28 tokens. That is fewer than the 1.0
    ``TimeMachine``'s 173,428 because stripping each line drops the spaces that stood for line
    breaks. With ``max_tokens > 0`` only the first ``max_tokens`` indices are kept.
    """
    tokens = tokenize(read_time_machine(), "char")
    vocab = Vocab(tokens)
    corpus = [vocab[token] for line in tokens for token in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


class SeqDataLoader:
    """Iterable over ``(X, Y)`` batches of the Time Machine corpus; a new pass draws a new offset.

    Args:
        batch_size: rows per batch.
        num_steps: time steps per row.
        use_random_iter: random sampling (state reset per batch) instead of sequential
            partitioning (state carried across batches).
        max_tokens: corpus length to use (classic training uses the first 10,000 characters).
    """

    def __init__(self, batch_size: int, num_steps: int, use_random_iter: bool, max_tokens: int) -> None:
        self.data_iter_fn = seq_data_iter_random if use_random_iter else seq_data_iter_sequential
        self.corpus, self.vocab = load_corpus_time_machine(max_tokens)
        self.batch_size, self.num_steps = batch_size, num_steps

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps)


def load_data_time_machine(batch_size: int, num_steps: int, use_random_iter: bool = False,
                           max_tokens: int = 10000) -> tuple[SeqDataLoader, Vocab]:
    """``(data_iter, vocab)`` for the classic language-model chapters.

    Each pass over ``data_iter`` yields integer Tensors X, Y of shape (batch_size, num_steps).
    """
    data_iter = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab
