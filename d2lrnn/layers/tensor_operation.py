"""``TensorOperation``: Python operators on KerasTensors (``x + y``, ``2 * x``, ``-x``, ``x[:, -1]``).

Keras 3 records an operator applied to symbolic tensors as a node of the graph; here the operator
becomes a small layer with no weights, recorded like any other layer call. Its output carries no mask
(as Keras's operations). Constants must be numbers; indexing keys may hold ints, slices, None and
Ellipsis (they are saved in the config).
"""
from __future__ import annotations

import operator
from typing import Any

import numpy

from ..autograd import Tensor
from .keras_tensor import KerasTensor
from .layer import Layer
from .naming import unique_name

BINARY = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "divide": operator.truediv,
          "power": operator.pow}
UNARY = {"negative": operator.neg}


class TensorOperation(Layer):
    """One operator: ``op`` is 'add', 'subtract', 'multiply', 'divide', 'power', 'negative' or 'get_item'.

    Args:
        op: the operator's name.
        constant: the other operand when it is a number (None when both operands are tensors).
        reverse: the constant comes first (``2 - x``).
        key: the index of 'get_item', in ``serialize_key`` form.
    """

    def __init__(self, op: str, constant: Any = None, reverse: bool = False, key: Any = None, **kwargs: Any) -> None:
        if op not in BINARY and op not in UNARY and op != "get_item":
            raise ValueError(f"op: expected one of {sorted(BINARY) + sorted(UNARY) + ['get_item']}, got {op!r}")
        if kwargs.get("name") is None:
            kwargs["name"] = unique_name(op)
        super().__init__(**kwargs)
        self.op, self.constant, self.reverse, self.key = op, constant, bool(reverse), key

    def call(self, inputs: Any) -> Tensor:
        if self.op == "get_item":
            return inputs[deserialize_key(self.key)]
        if self.op in UNARY:
            return UNARY[self.op](inputs)
        if isinstance(inputs, (list, tuple)):
            return BINARY[self.op](inputs[0], inputs[1])
        a, b = (self.constant, inputs) if self.reverse else (inputs, self.constant)
        return BINARY[self.op](a, b)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "op": self.op, "constant": self.constant, "reverse": self.reverse,
                "key": self.key}


def serialize_key(key: Any) -> Any:
    """An indexing key as JSON-friendly data: slices become {'slice': [start, stop, step]}."""
    if isinstance(key, tuple):
        return {"tuple": [serialize_key(k) for k in key]}
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return {"ellipsis": True}
    if key is None or (isinstance(key, (int, numpy.integer)) and not isinstance(key, bool)):
        return None if key is None else int(key)
    raise TypeError(f"KerasTensor indexing: expected ints, slices, None or ..., got {key!r}; index with arrays "
                    "inside a Lambda layer")


def deserialize_key(data: Any) -> Any:
    """The inverse of ``serialize_key``."""
    if isinstance(data, dict):
        if "tuple" in data:
            return tuple(deserialize_key(k) for k in data["tuple"])
        if "slice" in data:
            return slice(*data["slice"])
        return Ellipsis
    return data


def _check_constant(value: Any) -> Any:
    if isinstance(value, (bool, int, float, numpy.integer, numpy.floating)):
        return value.item() if isinstance(value, numpy.generic) else value
    raise TypeError(f"KerasTensor arithmetic: the other operand must be a KerasTensor or a number, got "
                    f"{type(value).__name__}; wrap array constants in a Lambda layer")


def apply_binary(op: str, x: Any, other: Any, reverse: bool = False) -> Any:
    """``x <op> other`` (or ``other <op> x``) recorded in the graph."""
    if isinstance(other, KerasTensor):
        return TensorOperation(op)([other, x] if reverse else [x, other])
    return TensorOperation(op, constant=_check_constant(other), reverse=reverse)(x)


__all__ = ["TensorOperation", "apply_binary", "serialize_key", "deserialize_key"]
