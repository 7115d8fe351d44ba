"""``pad_sequences``: make variable-length sequences one rectangular array (Keras semantics)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy

MODES = ("pre", "post")


def pad_sequences(sequences: Sequence[Sequence[Any]], maxlen: int | None = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre", value: Any = 0.0) -> numpy.ndarray:
    """Pad (and cut) every sequence to ``maxlen`` items, as ``keras.utils.pad_sequences``.

    Args:
        sequences: n sequences (lists or arrays) of possibly different lengths; their items may
            themselves be arrays of one common shape.
        maxlen: the common length; None means the longest sequence.
        dtype: dtype of the result. The default 'int32' truncates float data (0.5 -> 0), as Keras.
        padding: 'pre' fills on the left (Keras's default), 'post' on the right. Right padding is
            what the fused RNN kernels and cuDNN-style masks expect.
        truncating: 'pre' drops items from the front (keeps the last ``maxlen``), 'post' from the end.
        value: the fill value.

    Returns:
        A NumPy array of shape (n, maxlen, *item_shape). An empty sequence becomes all ``value``.

    Example: ``pad_sequences([[1], [2, 3], [4, 5, 6, 7]], maxlen=3)`` is
    ``[[0, 0, 1], [0, 2, 3], [5, 6, 7]]``.
    """
    if padding not in MODES:
        raise ValueError(f'Padding type "{padding}" not understood: padding must be one of {MODES}')
    if truncating not in MODES:
        raise ValueError(f'Truncating type "{truncating}" not understood: truncating must be one of {MODES}')
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"sequences: expected a list of sequences, got {type(sequences).__name__}")
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, (int, numpy.integer))
                               or maxlen < 0):
        raise ValueError(f"maxlen: expected None or an int >= 0, got {maxlen!r}")
    if isinstance(value, str) and numpy.dtype(dtype).kind not in "OUS":
        raise ValueError(f"value: a string fill value needs dtype=object (or a string dtype), got dtype={dtype!r}")

    lengths, item_shape = [], None
    for position, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {sequence!r} "
                             f"at position {position}")
        lengths.append(len(sequence))
        if item_shape is None and len(sequence) > 0:
            item_shape = numpy.asarray(sequence).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)

    padded = numpy.full((len(sequences), maxlen, *item_shape), value, dtype=dtype)
    if maxlen == 0:
        return padded
    for position, sequence in enumerate(sequences):
        if len(sequence) == 0:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = numpy.asarray(kept, dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(f"sequences: item shape {kept.shape[1:]} of the sequence at position {position} "
                             f"differs from {item_shape}, the item shape of the first non-empty sequence")
        if padding == "post":
            padded[position, :len(kept)] = kept
        else:
            padded[position, maxlen - len(kept):] = kept
    return padded
