"""Reading and setting an optimizer's learning rate, whatever it calls it.

The optimizers of ``d2lrnn.nn`` call it ``lr`` (PyTorch's name); Keras's call it ``learning_rate``.
"""
from __future__ import annotations

from typing import Any


def get_learning_rate(optimizer: Any, caller: str) -> float:
    """The learning rate of ``optimizer`` (its ``learning_rate`` or ``lr``) as a float."""
    for attribute in ("learning_rate", "lr"):
        if hasattr(optimizer, attribute):
            return float(getattr(optimizer, attribute))
    raise ValueError(f"{caller}: the model's optimizer {optimizer!r} has no learning rate ('learning_rate' or "
                     "'lr'); compile the model and start fit first")


def set_learning_rate(optimizer: Any, value: float) -> None:
    """Set the learning rate of ``optimizer`` under the name it uses."""
    setattr(optimizer, "learning_rate" if hasattr(optimizer, "learning_rate") else "lr", float(value))


__all__ = ["get_learning_rate", "set_learning_rate"]
