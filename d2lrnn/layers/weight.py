"""``Weight``: a Parameter created by ``Layer.add_weight``, and what a weight carries with it.

Its dtype (``float_dtype_name``), its regularizer (serialized with ``serialize_regularizer``)
and its constraint (checked by ``get_constraint``). A layer's constructor names these options
per weight, Keras's way (``kernel_initializer``, ``bias_regularizer``, ...): ``set_weight_options``
reads them and ``weight_options_config`` writes them back into a config.
"""
from __future__ import annotations

from typing import Any

import numpy

from .. import regularizers
from ..nn import Parameter
from . import initializers


class Weight(Parameter):
    """A Parameter created by ``Layer.add_weight``, carrying what Keras attaches to a variable.

    Attributes:
        path: 'lstm/lstm_cell/kernel'-style name (layer names, then the weight's name).
        regularizer: callable weight -> scalar Tensor, or None (read by ``Layer.losses``).
        constraint: callable applied to the value after each optimizer step, or None.
        trainable: whether an optimizer updates it (the same flag as ``requires_grad``).
    """

    __slots__ = ("path", "regularizer", "constraint")

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad = bool(value)

    def __repr__(self) -> str:
        return f"<Weight path={self.path} shape={self.shape} dtype={self.dtype}>"


class OwnWeights:
    """The weights a layer created, in creation order. Not a list attribute, so Module's scan
    names parameters after the attributes that hold them ('cell.kernel'), not a list index."""

    def __init__(self) -> None:
        self.trainable: list[Weight] = []
        self.non_trainable: list[Weight] = []


def float_dtype_name(dtype: Any) -> str:
    """'float32' for None; the NumPy name of a float16/32/64 dtype; a ValueError otherwise."""
    name = numpy.dtype(dtype or "float32").name
    if name not in ("float16", "float32", "float64"):
        raise ValueError(f"dtype: expected 'float32', 'float64' or 'float16', got {dtype!r}")
    return name


def serialize_regularizer(regularizer: Any) -> Any:
    """{'class_name': ..., 'config': ...} for a Regularizer (None, or a custom callable, as is)."""
    if isinstance(regularizer, regularizers.Regularizer):
        return regularizers.serialize(regularizer)
    return regularizer


def get_constraint(identifier: Any, argument: str = "constraint") -> Any:
    """A constraint is None or a callable Tensor -> Tensor applied after each optimizer step."""
    if identifier is None or callable(identifier):
        return identifier
    raise TypeError(f"{argument}: expected None or a callable Tensor -> Tensor, got {identifier!r}")


def set_weight_options(layer: Any, weights: tuple, arguments: dict) -> None:
    """For each weight name w in ``weights`` ('kernel', 'bias', ...), set ``layer.<w>_initializer``,
    ``<w>_regularizer`` and ``<w>_constraint`` from the same keys of ``arguments`` (a constructor's
    ``locals()``), as objects: names and configs become initializers and regularizers."""
    for w in weights:
        setattr(layer, f"{w}_initializer", initializers.get(arguments[f"{w}_initializer"]))
    for w in weights:
        setattr(layer, f"{w}_regularizer", regularizers.get(arguments[f"{w}_regularizer"]))
    for w in weights:
        setattr(layer, f"{w}_constraint", get_constraint(arguments[f"{w}_constraint"], f"{w}_constraint"))


def weight_options_config(layer: Any, weights: tuple) -> dict:
    """The reverse of ``set_weight_options``: the initializers, then regularizers, then constraints
    of ``weights``, serialized as Keras's configs give them."""
    config = {f"{w}_initializer": initializers.serialize(getattr(layer, f"{w}_initializer")) for w in weights}
    config.update({f"{w}_regularizer": serialize_regularizer(getattr(layer, f"{w}_regularizer")) for w in weights})
    config.update({f"{w}_constraint": getattr(layer, f"{w}_constraint") for w in weights})
    return config
