"""How ``fit``, ``evaluate`` and ``predict`` read their data: arrays in nested structures, or batches.

The data of a model with several inputs or outputs is a *structure*: one array, a list of arrays
(one per input, in order) or a dict of arrays (by input or output name). Every array holds the
samples on its first axis, and all arrays of one call hold the same number of samples.

    data = ArrayData(x=[x_a, x_b], y={"out_a": y_a, "out_b": y_b}, sample_weight=None)
    for x_batch, y_batch, weights in data.batches(batch_size=32, order=numpy.arange(len(data))):
        ...

A Python iterable or generator of ``(x, y)`` or ``(x, y, sample_weight)`` batches is read by
``IterableData`` instead, which keeps one iterator across epochs when ``steps_per_epoch`` is given.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy

from .. import backend
from ..autograd import Tensor


# ------------------------------------------------------------------- structures
def is_array(value: Any) -> bool:
    """NumPy, CuPy or a Tensor: a leaf of a data structure (lists and dicts are containers)."""
    return isinstance(value, (numpy.ndarray, Tensor)) or backend.is_gpu_array(value)


def is_batch_iterable(data: Any) -> bool:
    """A generator, iterator or other iterable of batches, or a dataset object with ``__len__`` and
    ``__getitem__`` (batch i), like Keras's PyDataset. Arrays, lists, tuples, dicts, strings and
    anything NumPy can convert (``__array__``: pandas, torch tensors) are data, not batches."""
    if is_array(data) or isinstance(data, (list, tuple, dict, str, bytes)) or data is None:
        return False
    if hasattr(data, "__array__"):
        return False
    return (hasattr(data, "__iter__") or hasattr(data, "__next__")
            or (hasattr(data, "__getitem__") and hasattr(data, "__len__")))


def as_batchable(data: Any, argument: str) -> Any:
    """An array that supports ``data[index_array]`` and ``len``: NumPy (strings allowed) or CuPy."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_gpu_array(data):
        return data
    try:
        array = numpy.asarray(data)
    except ValueError:
        raise ValueError(f"{argument}: expected a rectangular array with the samples on the first axis; sequences "
                         "of different lengths need padding first (d2lrnn.data.pad_sequences)") from None
    if array.ndim == 0:
        raise ValueError(f"{argument}: expected an array with a batch axis first, got a scalar {data!r}")
    return array


def as_structure(data: Any, argument: str, single: bool = False) -> Any:
    """``data`` with every leaf made batchable: an array, a list of arrays or a dict of arrays.

    ``single=True`` (a model with one input, or one output): a list is one array (e.g. a list of
    strings or of labels) unless it holds exactly one array, which is then unwrapped.
    """
    if isinstance(data, dict):
        if single and len(data) == 1:
            return as_batchable(next(iter(data.values())), f"{argument}[{next(iter(data))!r}]")
        return {key: as_batchable(value, f"{argument}[{key!r}]") for key, value in data.items()}
    if isinstance(data, (list, tuple)) and not single and data and all(is_array(item) for item in data):
        return [as_batchable(item, f"{argument}[{i}]") for i, item in enumerate(data)]
    if isinstance(data, (list, tuple)) and single and len(data) == 1 and is_array(data[0]):
        return as_batchable(data[0], argument)
    return as_batchable(data, argument)


def leaves(data: Any, argument: str) -> list[tuple[str, Any]]:
    """(label, array) for every array of a structure; the labels name the argument: 'x', 'x[0]', "y['out']"."""
    if data is None:
        return []
    if isinstance(data, dict):
        return [(f"{argument}[{key!r}]", value) for key, value in data.items()]
    if isinstance(data, list):
        return [(f"{argument}[{i}]", value) for i, value in enumerate(data)]
    return [(argument, data)]


def take(data: Any, index: Any) -> Any:
    """The samples ``index`` (a slice or an index array) of every array of a structure."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    if isinstance(data, list):
        return [value[index] for value in data]
    return data[index]


def count_samples(method: str, **structures: Any) -> int:
    """The common number of samples of all arrays of the given structures (by argument name).

    Raises a ValueError naming the arguments when they differ, or when there are no samples.
    """
    sizes = [(label, len(array)) for argument, data in structures.items() for label, array in leaves(data, argument)]
    if not sizes:
        raise ValueError(f"{method}: x holds no arrays")
    if len({size for _, size in sizes}) > 1:
        listed = ", ".join(f"{label}: {size}" for label, size in sizes)
        raise ValueError(f"{method}: {' and '.join(structures)} must hold the same number of samples, got {listed}")
    if sizes[0][1] == 0:
        raise ValueError(f"{method}: {sizes[0][0]} holds no samples (an empty data set)")
    return sizes[0][1]


def per_output(data: Any, output_names: Sequence[str], argument: str) -> list[Any]:
    """Targets (or sample weights) as one entry per output, in ``output_names`` order (None = not given).

    A single array serves a single output (for sample weights: every output); a list must give one
    entry per output, a dict may leave outputs out.
    """
    names = list(output_names)
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        unknown = [key for key in data if key not in names]
        if unknown:
            raise ValueError(f"{argument}: unknown output names {unknown}; the model's outputs are {names}")
        return [data.get(name) for name in names]
    if isinstance(data, list):
        if len(data) != len(names):
            raise ValueError(f"{argument}: expected one entry per output {names} ({len(names)}), got a list of "
                             f"{len(data)}")
        return list(data)
    if len(names) > 1 and argument != "sample_weight":
        raise ValueError(f"{argument}: the model has {len(names)} outputs {names}; give a list or a dict of arrays, "
                         "one per output")
    return [data] * len(names)


def class_weights_to_sample_weights(y: Any, class_weight: dict) -> numpy.ndarray:
    """One weight per sample from its class (Keras's rule): the argmax of one-hot targets, else the
    rounded label; classes missing from ``class_weight`` weigh 1. Shape (N,)."""
    labels = backend.to_numpy(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = numpy.round(labels).astype(int).reshape(len(labels), -1)[:, 0]
    return numpy.array([float(class_weight.get(int(label), 1.0)) for label in labels], dtype=numpy.float32)


# --------------------------------------------------------------------- arrays
class ArrayData:
    """(x, y, sample_weight) held as arrays, served in batches of samples.

    Args:
        x: the inputs (a structure, see the module docstring).
        y: the targets, one entry per output (None entries allowed), or None for predict.
        sample_weight: one (N,) array (or None) per output.
        method: 'fit', 'evaluate' or 'predict', for the error messages.
    """

    def __init__(self, x: Any, y: list | None, sample_weight: list | None, method: str) -> None:
        self.x, self.y, self.sample_weight = x, y, sample_weight
        named = {"x": x}
        if y is not None:
            named["y"] = [t for t in y if t is not None] or None
        if sample_weight is not None and any(w is not None for w in sample_weight):
            named["sample_weight"] = [w for w in sample_weight if w is not None]
        self.num_samples = count_samples(method, **named)

    def __len__(self) -> int:
        return self.num_samples

    def split(self, validation_split: float) -> tuple["ArrayData", "ArrayData"]:
        """(train, validation): the validation part is the **last** fraction of the samples (Keras's rule)."""
        split_at = int(numpy.floor(self.num_samples * (1.0 - validation_split)))
        if split_at in (0, self.num_samples):
            raise ValueError(f"validation_split: {self.num_samples} samples are too few to split with "
                             f"validation_split={validation_split}")
        return self.subset(slice(None, split_at)), self.subset(slice(split_at, None))

    def subset(self, index: Any) -> "ArrayData":
        part = ArrayData.__new__(ArrayData)
        part.x = take(self.x, index)
        part.y = None if self.y is None else [take(t, index) for t in self.y]
        part.sample_weight = None if self.sample_weight is None else [take(w, index) for w in self.sample_weight]
        part.num_samples = len(leaves(part.x, "x")[0][1])
        return part

    def steps(self, batch_size: int) -> int:
        return -(-self.num_samples // batch_size)

    def batches(self, batch_size: int, shuffle: bool = False) -> Iterator[tuple[Any, Any, Any]]:
        """(x, y, sample_weight) per batch of ``batch_size`` samples (the last may be smaller)."""
        order = numpy.random.permutation(self.num_samples) if shuffle else None
        for start in range(0, self.num_samples, batch_size):
            index = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            yield (take(self.x, index),
                   None if self.y is None else [take(t, index) for t in self.y],
                   None if self.sample_weight is None else [take(w, index) for w in self.sample_weight])


# ------------------------------------------------------------------ iterables
class IterableData:
    """Batches read from a Python iterable or generator of ``(x, y)`` / ``(x, y, sample_weight)``
    tuples (``x`` alone for predict).

    ``class_weight`` turns each batch's targets into sample weights (one output only).
    With ``steps`` each epoch reads that many batches from one iterator that lives across epochs
    (a re-iterable object such as a list-like dataset is restarted when it runs out); without it,
    each epoch reads until the iterable is exhausted. A generator that runs dry ends training with
    a warning, as in Keras.
    """

    def __init__(self, data: Any, steps: int | None, output_names: Sequence[str], single_input: bool,
                 method: str, with_targets: bool = True, class_weight: dict | None = None) -> None:
        self.data, self.steps, self.method, self.with_targets = data, steps, method, with_targets
        self.class_weight = class_weight
        self.output_names, self.single_input = list(output_names), single_input
        self._iterator: Iterator | None = None
        self.exhausted = False

    def _restartable(self) -> bool:
        if not hasattr(self.data, "__iter__"):
            return hasattr(self.data, "__getitem__")
        return iter(self.data) is not self.data

    def _new_iterator(self) -> Iterator:
        if hasattr(self.data, "__iter__") or hasattr(self.data, "__next__"):
            return iter(self.data)
        return (self.data[i] for i in range(len(self.data)))  # a dataset of len() batches

    def batches(self) -> Iterator[tuple[Any, Any, Any]]:
        """The next epoch's batches as (x, y per output, sample weight per output)."""
        if self.steps is None or self._iterator is None:
            self._iterator = self._new_iterator()
        seen, restarted = 0, False
        while self.steps is None or seen < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if self.steps is not None and self._restartable() and not restarted:
                    self._iterator, restarted = self._new_iterator(), True  # once: an empty one stays empty
                    continue
                if not seen:
                    self.exhausted = True
                return
            seen, restarted = seen + 1, False
            yield self._unpack(batch)

    def _unpack(self, batch: Any) -> tuple[Any, Any, Any]:
        if not self.with_targets:
            x = batch[0] if isinstance(batch, tuple) and len(batch) in (1, 2, 3) else batch
            return as_structure(x, "x", self.single_input), None, None
        if not isinstance(batch, tuple) or len(batch) not in (2, 3):
            raise ValueError(f"{self.method}: each batch of the iterable x must be a tuple (x, y) or "
                             f"(x, y, sample_weight), got {type(batch).__name__}")
        x = as_structure(batch[0], "x", self.single_input)
        single_output = len(self.output_names) == 1
        y = [None if t is None else as_structure(t, "y", True)
             for t in per_output(unwrap_single(batch[1], single_output), self.output_names, "y")]
        weights = None
        if len(batch) == 3 and batch[2] is not None:
            weights = [None if w is None else as_batchable(w, "sample_weight")
                       for w in per_output(unwrap_single(batch[2], single_output), self.output_names, "sample_weight")]
        if self.class_weight is not None:
            if weights is not None:
                raise ValueError("class_weight: give class_weight or sample weights in the batches, not both")
            weights = [class_weights_to_sample_weights(y[0], self.class_weight)]
        count_samples(self.method, x=x, y=[t for t in y if t is not None] or None,
                      sample_weight=[w for w in weights or [] if w is not None] or None)
        return x, y, weights


def unwrap_single(data: Any, single_output: bool) -> Any:
    """A one-output model's targets (or weights) given as a list: one array ([y] is unwrapped, a list of
    labels becomes an array); several outputs' data is returned as is."""
    if single_output and isinstance(data, (list, tuple)) and not (len(data) == 1 and is_array(data[0])):
        return numpy.asarray(data)
    if single_output and isinstance(data, (list, tuple)):
        return data[0]
    return data


__all__ = ["ArrayData", "IterableData", "as_batchable", "as_structure", "class_weights_to_sample_weights",
           "count_samples", "is_array", "is_batch_iterable", "leaves", "per_output", "take", "unwrap_single"]
