"""Weight penalties added to the training loss, as in ``keras.regularizers`` (Keras 3).

A regularizer is a callable ``weight Tensor -> scalar Tensor``. A layer built with, say,
``Dense(8, kernel_regularizer=L2(0.01))`` reports ``0.01 * sum(kernel ** 2)`` in ``layer.losses``
and ``Sequential.fit`` adds it to the loss it minimises.

Keras 3 facts worth knowing (and kept here):

- L2 has no 1/2 factor: ``L2(l2)(w) = l2 * sum(w ** 2)``.
- ``l1``, ``l2`` and ``l1_l2`` are the classes under another name, so ``l1_l2()`` means
  ``L1L2(l1=0.0, l2=0.0)``: **no penalty at all**. Keras 2's ``l1_l2()`` defaulted to 0.01 / 0.01.
- The string ``"l1l2"`` gives that zero penalty too, and ``"l1_l2"`` is rejected.
"""
from __future__ import annotations

import math
from typing import Any

from .autograd import Tensor, as_tensor
from .configurable import Configurable


def _validate_factor(value: Any, name: str) -> float:
    """A penalty factor must be a finite number >= 0 (bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float, got {name}={value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base class: ``regularizer(weight) -> scalar Tensor`` (zero here); subclasses add a penalty."""

    def __call__(self, weight: Any) -> Tensor:
        weight = as_tensor(weight)
        return Tensor._wrap(weight._xp.zeros((), dtype=weight.dtype), False)

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w ** 2)``. Both factors default to 0.0 (no penalty), as in Keras 3."""

    CONFIG = ("l1", "l2")

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, weight: Any) -> Tensor:
        """The penalty of ``weight`` (any shape) as a differentiable scalar Tensor of its dtype."""
        weight = as_tensor(weight)
        penalty = super().__call__(weight)
        if self.l1:
            penalty = penalty + self.l1 * weight.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * (weight * weight).sum()
        return penalty


class L1(L1L2):
    """``l1 * sum(|w|)``, default ``l1=0.01``."""

    CONFIG = ("l1",)

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=0.01 if l1 is None else l1)


class L2(L1L2):
    """``l2 * sum(w ** 2)``, default ``l2=0.01`` (no 1/2 factor)."""

    CONFIG = ("l2",)

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=0.01 if l2 is None else l2)


# Keras 3 exposes the classes under lower-case names too; these are aliases, not functions.
l1 = L1
l2 = L2
l1_l2 = L1L2

_BY_NAME = {"L1": L1, "l1": L1, "L2": L2, "l2": L2, "L1L2": L1L2, "l1l2": L1L2, "Regularizer": Regularizer,
            "regularizer": Regularizer}


def serialize(regularizer: Regularizer | None) -> dict | None:
    """``{'class_name': 'L2', 'config': {'l2': 0.01}}`` for a regularizer, None for None."""
    if regularizer is None:
        return None
    if not isinstance(regularizer, Regularizer):
        raise TypeError(f"serialize: expected a Regularizer instance, got {type(regularizer).__name__}")
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config: dict) -> Regularizer:
    """The inverse of ``serialize``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    cls = _BY_NAME.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Could not interpret regularizer identifier: {config['class_name']!r}; "
                         f"expected one of {sorted(_BY_NAME)}")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Any:
    """A regularizer from a name ('l1', 'L2', 'l1l2'), a ``serialize`` dict, an instance, a class,
    a callable ``weight -> scalar``, or None (no penalty).

    ``'l1_l2'`` is rejected, as in Keras 3: say ``L1L2(l1=..., l2=...)`` explicitly.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}; expected one of "
                             f"{sorted(_BY_NAME)}, a dict from serialize(), a Regularizer or None")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r} (of type "
                     f"{type(identifier).__name__}); expected a name, a dict, a Regularizer, a callable or None")


__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize", "deserialize"]
