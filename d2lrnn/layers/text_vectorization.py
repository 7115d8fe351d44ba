"""``TextVectorization``: raw sentences -> integer token ids, as Keras's preprocessing layer does.

Pipeline for each string: standardize (lower case, strip ASCII punctuation) -> split (on
whitespace) -> look each token up in the vocabulary -> pad or truncate at the end.

The vocabulary (``adapt(sentences)``) follows Keras exactly:

- index 0 is ``''`` (padding, and the mask of ``Embedding(mask_zero=True)``), index 1 is
  ``'[UNK]'`` (every token not in the vocabulary);
- then tokens by decreasing count; **ties go to the token that sorts last** (Keras sorts
  (count, token) pairs in ascending order and reverses the list), comparing UTF-8 bytes;
- ``max_tokens`` counts the two reserved entries, so at most ``max_tokens - 2`` learned tokens.

Keras's doc example: adapting on ``["foo bar", "bar baz", "baz bada boom"]`` gives
``['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']``, and ``"foo qux bar"`` with
``output_sequence_length=4`` becomes ``[4, 1, 3, 0]``.
"""
from __future__ import annotations

import collections
import re
import string
from typing import Any, Callable, Iterable, Sequence

import numpy

from ..autograd import Tensor
from ..checks import is_int_at_least
from .keras_tensor import KerasTensor
from .layer import Layer

PADDING_TOKEN = ""
OOV_TOKEN = "[UNK]"
STANDARDIZE_MODES = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT_MODES = (None, "whitespace", "character")
OUTPUT_MODES = ("int", "multi_hot", "count")

_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
# TensorFlow splits on ASCII whitespace only; Python's str.split() would also split on
# characters such as U+0085 (NEL), which occur in the sentiment data set.
_ASCII_WHITESPACE = re.compile("[ \t\n\r\f\v]+")


def standardize_text(text: str, mode: str | Callable[[str], str] | None) -> str:
    """``text`` lower-cased and/or without ASCII punctuation (apostrophes too: "don't" -> "dont")."""
    if callable(mode):
        return mode(text)
    if mode in ("lower", "lower_and_strip_punctuation"):
        text = text.lower()
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub("", text)
    return text


def split_text(text: str, mode: str | Callable[[str], list] | None) -> list[str]:
    """Tokens of ``text``: whitespace-separated words, single characters, or the whole string."""
    if callable(mode):
        return list(mode(text))
    if mode == "whitespace":
        return [token for token in _ASCII_WHITESPACE.split(text) if token]
    if mode == "character":
        return list(text)
    return [text]


def vocabulary_from_counts(counts: collections.Counter, max_tokens: int | None) -> list[str]:
    """``['', '[UNK]', most frequent tokens...]`` with Keras's tie rule, at most ``max_tokens`` long."""
    learned = [t for t in counts if t not in (PADDING_TOKEN, OOV_TOKEN)]
    learned.sort(key=lambda t: (counts[t], t.encode("utf-8")), reverse=True)
    if max_tokens is not None:
        learned = learned[: max_tokens - 2]
    return [PADDING_TOKEN, OOV_TOKEN] + learned


class TextVectorization(Layer):
    """Turns a batch of strings into token ids (or multi-hot/count vectors).

    Args:
        max_tokens: size limit of the vocabulary, counting '' and '[UNK]' (None: no limit).
        standardize: 'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation',
            None, or a callable str -> str.
        split: 'whitespace' (default), 'character', None (the whole string is one token),
            or a callable str -> list of str.
        output_mode: 'int' (ids, shape (B, T)), 'multi_hot' or 'count' (shape (B, vocabulary size)).
        output_sequence_length: in 'int' mode, pad with 0 or truncate at the end to this length;
            None pads to the longest sentence of the batch.
        vocabulary: a list of tokens to use instead of ``adapt`` (with or without the leading
            '' and '[UNK]').

    Call: a list (or 1-D array) of B strings -> an int64 Tensor.
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable[[str], str] | None = "lower_and_strip_punctuation",
                 split: str | Callable[[str], list] | None = "whitespace", output_mode: str = "int",
                 output_sequence_length: int | None = None, vocabulary: Sequence[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                       or max_tokens < 3):
            raise ValueError(f"max_tokens: expected None or an integer >= 3 (two entries are reserved for "
                             f"'' and '[UNK]'), got {max_tokens!r}")
        if not callable(standardize) and standardize not in STANDARDIZE_MODES:
            raise ValueError(f"standardize: expected one of {STANDARDIZE_MODES} or a callable, got {standardize!r}")
        if not callable(split) and split not in SPLIT_MODES:
            raise ValueError(f"split: expected one of {SPLIT_MODES} or a callable, got {split!r}")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode: expected one of {OUTPUT_MODES}, got {output_mode!r}")
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError("output_sequence_length: only meaningful with output_mode='int', got "
                                 f"output_mode={output_mode!r}")
            if not is_int_at_least(output_sequence_length, 1):
                raise ValueError(f"output_sequence_length: expected None or a positive integer, got "
                                 f"{output_sequence_length!r}")
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self._vocabulary = [PADDING_TOKEN, OOV_TOKEN]
        self._index: dict[str, int] = {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
        self.built = True  # no weights: the vocabulary is all there is

    # ------------------------------------------------------------ vocabulary
    def tokenize(self, text: str) -> list[str]:
        """The tokens of one string after standardization and splitting."""
        if not isinstance(text, str):
            raise TypeError(f"TextVectorization: expected strings, got {text!r} (of type {type(text).__name__})")
        return split_text(standardize_text(text, self.standardize), self.split)

    def adapt(self, data: Iterable[str]) -> None:
        """Learn the vocabulary from an iterable of strings (replacing any previous one)."""
        counts: collections.Counter = collections.Counter()
        for text in _strings(data, "adapt"):
            counts.update(self.tokenize(text))
        self._set_full_vocabulary(vocabulary_from_counts(counts, self.max_tokens))

    def set_vocabulary(self, vocabulary: Sequence[str]) -> None:
        """Use ``vocabulary`` (tokens, optionally preceded by '' and '[UNK]') as the lookup table."""
        tokens = list(vocabulary)
        if tokens[:2] == [PADDING_TOKEN, OOV_TOKEN]:
            tokens = tokens[2:]
        reserved = [t for t in tokens if t in (PADDING_TOKEN, OOV_TOKEN)]
        if reserved:
            raise ValueError(f"vocabulary: '' and '[UNK]' may only appear as its first two entries, found "
                             f"{reserved} among the tokens")
        duplicates = sorted(t for t, n in collections.Counter(tokens).items() if n > 1)
        if duplicates:
            raise ValueError(f"vocabulary: tokens must be unique, repeated: {duplicates[:10]}")
        full = [PADDING_TOKEN, OOV_TOKEN] + tokens
        if self.max_tokens is not None and len(full) > self.max_tokens:
            raise ValueError(f"vocabulary: {len(full)} entries (with '' and '[UNK]') exceed max_tokens="
                             f"{self.max_tokens}")
        self._set_full_vocabulary(full)

    def _set_full_vocabulary(self, vocabulary: list[str]) -> None:
        self._vocabulary = vocabulary
        # '' looks up to 0 (padding); '[UNK]' and unknown tokens fall back to 1.
        self._index = {token: i for i, token in enumerate(vocabulary) if token != OOV_TOKEN}

    def get_vocabulary(self) -> list[str]:
        """Every token, index order: ['', '[UNK]', most frequent, ...]."""
        return list(self._vocabulary)

    def vocabulary_size(self) -> int:
        """Number of entries including '' and '[UNK]': the ``input_dim`` of the next Embedding."""
        return len(self._vocabulary)

    # ------------------------------------------------------------------ call
    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Tensor:
        # Strings cannot become Tensors, so this layer skips the base class's conversion (a call on
        # an Input(dtype='string') is recorded by the base class, which then calls this one).
        if isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)

    def call(self, inputs: Any) -> Tensor:
        """B strings -> int64 Tensor (B, T) of ids ('int') or (B, vocabulary size) ('multi_hot'/'count')."""
        texts = _strings(inputs, "inputs")
        ids = [[self._index.get(token, 1) for token in self.tokenize(text)] for text in texts]
        if self.output_mode == "int":
            length = self.output_sequence_length or max((len(row) for row in ids), default=0)
            out = numpy.zeros((len(ids), length), dtype=numpy.int64)
            for i, row in enumerate(ids):
                row = row[:length]
                out[i, : len(row)] = row
        else:
            out = numpy.zeros((len(ids), self.vocabulary_size()), dtype=numpy.int64)
            for i, row in enumerate(ids):
                numpy.add.at(out[i], row, 1)
            if self.output_mode == "multi_hot":
                out = numpy.minimum(out, 1)
        return Tensor(out)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self.vocabulary_size())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, standardize=self.standardize, split=self.split,
                      output_mode=self.output_mode, output_sequence_length=self.output_sequence_length,
                      vocabulary=self.get_vocabulary() if len(self._vocabulary) > 2 else None)
        return config


def _strings(data: Any, argument: str) -> list[str]:
    """A list of Python strings from a list, tuple or array of strings (also a (B, 1) array)."""
    if isinstance(data, str):
        raise TypeError(f"{argument}: expected a list of strings, got a single string; wrap it in a list")
    if data is None or not hasattr(data, "__iter__"):
        raise TypeError(f"{argument}: data must be a list or array of strings, got {type(data).__name__} {data!r}")
    if isinstance(data, numpy.ndarray):
        if data.ndim == 2 and data.shape[1] == 1:
            data = data[:, 0]
        if data.ndim != 1:
            raise ValueError(f"{argument}: expected a 1-D array of strings, got shape {data.shape}")
        data = data.tolist()
    texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in data]
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"{argument}: expected strings, got {t!r} (of type {type(t).__name__})")
    return texts


__all__ = ["TextVectorization", "standardize_text", "split_text", "vocabulary_from_counts"]
