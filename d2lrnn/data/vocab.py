"""``Vocab``: the book's two-way map between tokens and integer indices."""
from __future__ import annotations

import collections
from typing import Any, Hashable, Sequence

import numpy

UNKNOWN_TOKEN = "<unk>"


class Vocab:
    """Vocabulary for text, as in Dive into Deep Learning 1.0.

    Args:
        tokens: a list of tokens, or a list of lists of tokens (lines), which is flattened.
        min_freq: tokens seen fewer times are left out (they map to ``<unk>``).
        reserved_tokens: tokens always in the vocabulary, e.g. ``['<pad>', '<bos>', '<eos>']``.

    Attributes:
        token_freqs: ``(token, count)`` pairs, most frequent first; equal counts keep the order in
            which the tokens were first seen.
        idx_to_token: ``'<unk>'``, the reserved tokens and every token with count >= ``min_freq``,
            sorted (so indices are deterministic, but they are not frequency ranks).
        token_to_idx: the inverse dict.

    For the Time Machine characters the order is ' ' (0), '<unk>' (1), 'a' (2) ... 'z' (27):
    ``unk`` is not 0, unlike in the book's older versions.

    Unlike the book, ``to_tokens`` also accepts index lists of length 0 and 1 (d2l-en PRs
    #2696/#2710/#2715: the book's version fails when a prediction stops after one token).
    """

    def __init__(self, tokens: Sequence[Hashable] = (), min_freq: int = 0,
                 reserved_tokens: Sequence[Hashable] = ()) -> None:
        if isinstance(min_freq, bool) or not isinstance(min_freq, (int, numpy.integer)):
            raise TypeError(f"min_freq: expected an int, got {type(min_freq).__name__} {min_freq!r}")
        if min_freq < 0:
            raise ValueError(f"min_freq: expected an int >= 0, got {min_freq}")
        if not hasattr(tokens, "__len__"):
            raise TypeError(f"tokens: expected a list of tokens (or of lists of tokens), got "
                            f"{type(tokens).__name__} {tokens!r}")
        if isinstance(reserved_tokens, str):
            raise TypeError(f"reserved_tokens: expected a list of tokens, got the string {reserved_tokens!r}")
        if len(tokens) > 0 and isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        counter = collections.Counter(tokens)
        self.token_freqs: list[tuple[Hashable, int]] = sorted(counter.items(), key=lambda pair: pair[1],
                                                              reverse=True)
        kept = [token for token, freq in self.token_freqs if freq >= min_freq]
        self.idx_to_token: list[Hashable] = sorted(set([UNKNOWN_TOKEN, *reserved_tokens, *kept]))
        self.token_to_idx: dict[Hashable, int] = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens: Any) -> int | list:
        """The index of a token (``unk`` when unknown); a list or tuple is mapped element-wise."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self[token] for token in tokens]

    def to_tokens(self, indices: Any) -> Hashable | list:
        """The token of an index; a list, tuple, array or Tensor of indices gives a (nested) list.

        Shapes: a scalar -> one token; shape (n,) -> a list of n tokens; shape (n, m) -> n lists.
        """
        if hasattr(indices, "numpy") and callable(indices.numpy):  # a Tensor, possibly on a GPU
            indices = indices.numpy()
        if numpy.ndim(indices) == 0:
            if isinstance(indices, bool) or not isinstance(indices, (int, numpy.integer)) and not (
                    isinstance(indices, numpy.ndarray) and indices.dtype.kind in "iu"):
                raise TypeError(f"to_tokens: indices must be integers, got {indices!r}")
            if not 0 <= int(indices) < len(self.idx_to_token):
                raise IndexError(f"to_tokens: indices must lie in [0, {len(self.idx_to_token)}) (the vocabulary "
                                 f"size), got {int(indices)}")
            return self.idx_to_token[int(indices)]
        return [self.to_tokens(index) for index in indices]

    @property
    def unk(self) -> int:
        """The index of the unknown token ``'<unk>'``."""
        return self.token_to_idx[UNKNOWN_TOKEN]
