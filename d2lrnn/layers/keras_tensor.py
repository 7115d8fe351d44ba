"""``KerasTensor``: a symbolic tensor, the placeholder that flows through a functional model's graph.

``layers.Input((None,), dtype='int32')`` returns one; calling a layer on KerasTensors returns new
KerasTensors and records the call (a ``Node``) instead of computing anything. A KerasTensor knows
its shape (``None`` where the size is unknown, the batch axis first), its dtype, whether a mask
travels with it, and where it came from: ``_keras_history = (layer, node_index, tensor_index)``.
``models.Model(inputs, outputs)`` follows these histories back from the outputs to the inputs.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy

from .naming import unique_name


class KerasHistory(NamedTuple):
    """Where a KerasTensor was made: output ``tensor_index`` of call ``node_index`` of ``layer``."""

    layer: Any
    node_index: int
    tensor_index: int


class KerasTensor:
    """A symbolic tensor: shape, dtype and provenance, no values.

    Attributes:
        shape: tuple with the batch axis first; None marks a size not known before the data.
        dtype: numpy dtype name ('float32', 'int32', 'bool', ...).
        name: 'keras_tensor', 'keras_tensor_1', ... unless given (Input(name=...) names its tensor);
            ``layers.clear_session()`` restarts the count, as Keras's does.
        mask_ndim: the number of leading axes a mask covers (2 for a (batch, time) mask), or None
            when no mask travels with this tensor.
    """

    def __init__(self, shape: tuple, dtype: Any = "float32", name: str | None = None,
                 history: KerasHistory | None = None, mask_ndim: int | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(dtype)
        self.name = name if name is not None else unique_name("keras_tensor")
        self._keras_history = history
        self.mask_ndim = mask_ndim

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def has_mask(self) -> bool:
        """Whether a mask travels with this tensor (Keras: ``x._keras_mask is not None``)."""
        return self.mask_ndim is not None

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # Operators record a TensorOperation layer (tensor_operation.py builds on the layers, hence the
    # imports inside the methods). The binary ones (+ - * / **) are set from a table below the class.
    __array_ufunc__ = None  # numpy_scalar * x reaches __rmul__

    def _binary(self, op: str, other: Any, reverse: bool = False) -> "KerasTensor":
        from .tensor_operation import apply_binary
        return apply_binary(op, self, other, reverse)

    def __neg__(self) -> "KerasTensor":
        from .tensor_operation import TensorOperation
        return TensorOperation("negative")(self)

    def __getitem__(self, key: Any) -> "KerasTensor":
        from .tensor_operation import TensorOperation, serialize_key
        return TensorOperation("get_item", key=serialize_key(key))(self)

    def __len__(self) -> int:
        raise TypeError("A KerasTensor has no length: it is a placeholder without data. Its shape is "
                        f"{self.shape}; the batch size is only known when the model runs.")

    def __iter__(self) -> Any:
        raise TypeError(f"A KerasTensor cannot be unpacked or iterated (shape {self.shape}). A layer with several "
                        "outputs (e.g. return_state=True) returns a list of KerasTensors; unpack that list.")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"KerasTensor '{self.name}' is symbolic: it has no values to turn into an array. Feed data "
                        "to the model built from it, e.g. model.predict(x) or model(x).")


def _operator(op: str, reverse: bool = False) -> Any:
    """A KerasTensor operator method: ``x <op> other`` (or ``other <op> x`` when ``reverse``)."""
    def operator(self: KerasTensor, other: Any) -> KerasTensor:
        return self._binary(op, other, reverse)
    operator.__doc__ = f"Records TensorOperation({op!r}) on {'(other, self)' if reverse else '(self, other)'}."
    return operator


# Python operator -> the TensorOperation it records; each also gets its reflected form (__radd__, ...)
# except ``**``, as before.
_BINARY_OPERATORS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "pow": "power"}
for _name, _op in _BINARY_OPERATORS.items():
    setattr(KerasTensor, f"__{_name}__", _operator(_op))
    if _name != "pow":
        setattr(KerasTensor, f"__r{_name}__", _operator(_op, reverse=True))
del _name, _op


def is_keras_tensor(value: Any) -> bool:
    """Whether ``value`` is a symbolic KerasTensor."""
    return isinstance(value, KerasTensor)


def dtype_name(dtype: Any) -> str:
    if dtype in ("string", str):
        return "string"
    try:
        return numpy.dtype(dtype or "float32").name
    except TypeError:
        raise TypeError(f"dtype: expected a numpy dtype name such as 'float32' or 'int32', got {dtype!r}") from None


def flatten_structure(structure: Any) -> list:
    """Leaves of nested lists, tuples and dicts (dict values in key order as given), depth first."""
    leaves, stack = [], [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            leaves.append(item)
    return leaves


def map_structure(fn: Any, structure: Any) -> Any:
    """The same nesting of lists, tuples and dicts with ``fn`` applied to every leaf."""
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(map_structure(fn, value) for value in structure)
    if isinstance(structure, list):
        return [map_structure(fn, value) for value in structure]
    return fn(structure)


def any_keras_tensor(*structures: Any) -> bool:
    """Whether a KerasTensor hides anywhere in ``structures``."""
    return any(isinstance(leaf, KerasTensor) for s in structures for leaf in flatten_structure(s))


__all__ = ["KerasTensor", "KerasHistory", "is_keras_tensor", "any_keras_tensor", "flatten_structure",
           "map_structure", "dtype_name"]
