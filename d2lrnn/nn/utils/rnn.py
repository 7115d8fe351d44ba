"""Variable-length batches the PyTorch way: padding and packing (``torch.nn.utils.rnn``).

A *packed* batch stores only the real time steps. Sort the sequences by length, longest
first; then ``data`` holds, time step after time step, the rows of the sequences still
running at that step, and ``batch_sizes[t]`` says how many there are:

    lengths 3, 2, 1      a1 b1 c1 | a2 b2 | a3      data (6, features)
                         batch_sizes = [3, 2, 1]

``sorted_indices`` maps the sorted order back to the caller's batch (None when the batch
was already sorted, ``enforce_sorted=True``), ``unsorted_indices`` is its inverse.

    pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right')
    pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True)
    pack_sequence(sequences, enforce_sorted=True)
    pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None)
    unpad_sequence(padded_sequences, lengths, batch_first=False), unpack_sequence(packed_sequences)

Every conversion is one gather (integer indexing) of the engine, so gradients flow back
through padding and packing alike. ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` accept a
``PackedSequence`` and return one.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy

from ... import backend
from ...autograd import Tensor, as_tensor, concat, full


class PackedSequence(NamedTuple):
    """A packed batch: ``data`` (sum of lengths, *), ``batch_sizes`` (max length,) int64, and the
    permutations ``sorted_indices`` / ``unsorted_indices`` (None when the batch came sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, device: str) -> "PackedSequence":
        """The same batch with ``data`` on ``device`` (the index tensors stay on the CPU)."""
        return self._replace(data=self.data.to(device))


def _int_array(values: Any, name: str, function: str) -> numpy.ndarray:
    """A 1-D int64 NumPy array of ``values`` (a list, array or Tensor of integers)."""
    if isinstance(values, Tensor):
        values = values.numpy()
    array = numpy.asarray(backend.to_numpy(values) if hasattr(values, "dtype") else values)
    if array.ndim != 1:
        raise ValueError(f"{function}: {name} must be a 1-D sequence of integers, got shape {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"{function}: {name} must hold integers, got dtype {array.dtype}")
    return array.astype(numpy.int64)


def _batch_sizes(lengths: numpy.ndarray) -> numpy.ndarray:
    """Sorted (non-increasing) lengths -> how many sequences are still running at each step."""
    return (lengths[None, :] > numpy.arange(int(lengths[0]))[:, None]).sum(axis=1).astype(numpy.int64)


def _packed_positions(batch_sizes: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(time index, sorted batch index) of every row of a packed ``data``, in packed order."""
    steps = numpy.repeat(numpy.arange(len(batch_sizes)), batch_sizes)
    columns = numpy.concatenate([numpy.arange(n) for n in batch_sizes]) if len(batch_sizes) else steps
    return steps, columns


def _index(array: numpy.ndarray, like: Tensor) -> Any:
    """An index array on ``like``'s device."""
    return backend.to_device(array, like.device) if like.device != "cpu" else array


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose sequence b has ``lengths[b]`` steps.

    ``lengths`` (B,) must be integers in [1, T]; with ``enforce_sorted=True`` they must also
    be non-increasing (PyTorch's rule), otherwise the batch is sorted here and the
    permutation kept in ``sorted_indices``. Returns a ``PackedSequence``.
    """
    name = "pack_padded_sequence"
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"{name}: input must have shape ({'batch, time' if batch_first else 'time, batch'}, *), "
                         f"got shape {x.shape}")
    T, B = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    values = _int_array(lengths, "lengths", name)
    if values.shape != (B,):
        raise ValueError(f"{name}: lengths must have one entry per sequence, expected {B} (the batch size), "
                         f"got {values.shape[0]}")
    if B and values.min() <= 0:
        raise ValueError(f"{name}: every length must be at least 1 (an empty sequence cannot be packed), "
                         f"got lengths {values.tolist()}")
    if B and values.max() > T:
        raise ValueError(f"{name}: lengths must not exceed the {T} time steps of the input, got a length of "
                         f"{int(values.max())} in {values.tolist()}")
    if enforce_sorted:
        if (numpy.diff(values) > 0).any():
            raise ValueError(f"{name}: lengths must be sorted in decreasing order when enforce_sorted=True, got "
                             f"{values.tolist()}; pass enforce_sorted=False to have the batch sorted for you")
        order, sorted_indices, unsorted_indices = numpy.arange(B), None, None
    else:
        order = numpy.argsort(-values, kind="stable")
        sorted_indices = Tensor(order, dtype=numpy.int64)
        unsorted_indices = Tensor(numpy.argsort(order), dtype=numpy.int64)
    batch_sizes = _batch_sizes(values[order])
    steps, columns = _packed_positions(batch_sizes)
    rows = order[columns]
    data = x[_index(rows, x), _index(steps, x)] if batch_first else x[_index(steps, x), _index(rows, x)]
    return PackedSequence(data, Tensor(batch_sizes, dtype=numpy.int64), sorted_indices, unsorted_indices)


def _check_packed(sequence: Any, function: str) -> tuple[Tensor, numpy.ndarray]:
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{function}: sequence must be a PackedSequence (from pack_padded_sequence or "
                        f"pack_sequence), got {type(sequence).__name__}")
    batch_sizes = _int_array(sequence.batch_sizes, "batch_sizes", function)
    if not isinstance(sequence.data, Tensor) or sequence.data.ndim < 1 or \
            sequence.data.shape[0] != int(batch_sizes.sum()):
        shape = sequence.data.shape if isinstance(sequence.data, Tensor) else type(sequence.data).__name__
        raise ValueError(f"{function}: data must be a Tensor with sum(batch_sizes) = {int(batch_sizes.sum())} rows, "
                         f"got {shape}")
    return sequence.data, batch_sizes


def padded_sorted(sequence: PackedSequence, padding_value: float = 0.0,
                  total_length: int | None = None) -> tuple[Tensor, numpy.ndarray]:
    """The packed batch as a time-major padded Tensor (T, B, *) in *sorted* order, and its lengths (B,).

    ``nn.RNN`` runs on this form: the fused kernels take right-padded batches with lengths.
    """
    data, batch_sizes = _check_packed(sequence, "pad_packed_sequence")
    T, B = len(batch_sizes), int(batch_sizes[0]) if len(batch_sizes) else 0
    T_out = T if total_length is None else total_length
    steps, columns = _packed_positions(batch_sizes)
    table = numpy.full((T_out, B), data.shape[0], dtype=numpy.int64)  # row N is the padding row
    table[steps, columns] = numpy.arange(data.shape[0])
    padding = full((1,) + data.shape[1:], padding_value, dtype=data.dtype, device=data.device)
    lengths = (table < data.shape[0]).sum(axis=0)
    return concat([data, padding], axis=0)[_index(table, data)], lengths


def packed_rows(sequence: PackedSequence, like: Tensor) -> tuple[Any, Any]:
    """(time index, sorted batch index) arrays, on ``like``'s device, of the rows of ``sequence.data``.

    ``padded[steps, columns]`` packs a sorted, time-major padded batch ``padded``.
    """
    steps, columns = _packed_positions(_int_array(sequence.batch_sizes, "batch_sizes", "PackedSequence"))
    return _index(steps, like), _index(columns, like)


def batch_permutation(indices: Tensor | None, like: Tensor) -> Any:
    """``sorted_indices`` or ``unsorted_indices`` as an index array on ``like``'s device (None stays None)."""
    return None if indices is None else _index(_int_array(indices, "indices", "PackedSequence"), like)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: returns (padded, lengths) in the caller's original batch order.

    padded is (T, B, *) (or (B, T, *) with ``batch_first``) with T the longest length or
    ``total_length`` when given (it must be at least that); lengths is an int64 Tensor (B,).
    """
    name = "pad_packed_sequence"
    _, batch_sizes = _check_packed(sequence, name)
    if total_length is not None:
        if isinstance(total_length, bool) or not isinstance(total_length, (int, numpy.integer)):
            raise TypeError(f"{name}: total_length must be an int or None, got {total_length!r}")
        if total_length < len(batch_sizes):
            raise ValueError(f"{name}: total_length must be at least the length of the longest sequence, "
                             f"{len(batch_sizes)}, got total_length={total_length}")
    padded, lengths = padded_sorted(sequence, padding_value, total_length)
    if sequence.unsorted_indices is not None:
        order = _int_array(sequence.unsorted_indices, "unsorted_indices", name)
        padded, lengths = padded[:, _index(order, padded)], lengths[order]
    if batch_first:
        padded = padded.swapaxes(0, 1)
    return padded, Tensor(lengths, dtype=numpy.int64)


def pad_sequence(sequences: Sequence[Any], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into one padded Tensor (T, B, *) (or (B, T, *)), T = max L_i.

    ``padding_side='left'`` puts the padding before each sequence instead of after it.
    """
    name = "pad_sequence"
    if padding_side not in ("right", "left"):
        raise ValueError(f"{name}: padding_side must be 'right' or 'left', got {padding_side!r}")
    if isinstance(sequences, Tensor) or not isinstance(sequences, Sequence) or not sequences:
        raise TypeError(f"{name}: sequences must be a non-empty list of Tensors, got "
                        f"{type(sequences).__name__}{' (empty)' if isinstance(sequences, Sequence) else ''}")
    tensors = [as_tensor(s) for s in sequences]
    trailing = tensors[0].shape[1:]
    for i, t in enumerate(tensors):
        if t.ndim < 1 or t.shape[1:] != trailing:
            raise ValueError(f"{name}: every sequence must have shape (length, *{trailing}) like sequences[0], "
                             f"but sequences[{i}] has shape {t.shape}")
        if t.dtype != tensors[0].dtype:
            raise TypeError(f"{name}: every sequence must have dtype {tensors[0].dtype}, sequences[{i}] has {t.dtype}")
    lengths = numpy.array([t.shape[0] for t in tensors])
    T, B, N = int(lengths.max()), len(tensors), int(lengths.sum())
    starts = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]])
    table = numpy.full((T, B), N, dtype=numpy.int64)  # row N is the padding row
    for b, (start, length) in enumerate(zip(starts, lengths)):
        first = 0 if padding_side == "right" else T - length
        table[first:first + length, b] = numpy.arange(start, start + length)
    first = tensors[0]
    padding = full((1,) + trailing, padding_value, dtype=first.dtype, device=first.device)
    padded = concat(tensors + [padding], axis=0)[_index(table, first)]
    return padded.swapaxes(0, 1) if batch_first else padded


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """Undo ``pad_sequence``: padded (T, B, *) (or (B, T, *)) and lengths (B,) -> B tensors (lengths[b], *)."""
    values = _int_array(lengths, "lengths", "unpad_sequence")
    x = padded_sequences.swapaxes(0, 1) if batch_first else padded_sequences
    if values.shape != (x.shape[1],) or (values.size and (values.min() < 0 or values.max() > x.shape[0])):
        raise ValueError(f"unpad_sequence: lengths must hold {x.shape[1]} values in [0, {x.shape[0]}], got "
                         f"{values.tolist()}")
    return [x[:int(n), b] for b, n in enumerate(values)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo ``pack_sequence``: a PackedSequence -> the list of its sequences (length_b, *), in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences)
    return unpad_sequence(padded, lengths)


def pack_sequence(sequences: Sequence[Any], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) directly: ``pack_padded_sequence(pad_sequence(...), lengths)``."""
    padded = pad_sequence(sequences)
    lengths = [s.shape[0] if hasattr(s, "shape") else len(s) for s in sequences]
    return pack_padded_sequence(padded, lengths, enforce_sorted=enforce_sorted)


__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "unpad_sequence", "unpack_sequence"]
