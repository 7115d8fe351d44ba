"""Argument checks shared by every layer of the library.

Each check raises a ValueError naming the argument, what was expected and what was given,
and returns the value as a plain Python int.
"""
from __future__ import annotations

import numbers
from typing import Any


def is_int_at_least(value: Any, smallest: int) -> bool:
    """Whether ``value`` is an integer >= ``smallest``: a Python or NumPy integer, never a bool."""
    # numbers.Integral covers Python and NumPy integers; bool is an Integral too but never a size.
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and value >= smallest


def _check_int_at_least(value: Any, argument: str, smallest: int, expected: str) -> int:
    if not is_int_at_least(value, smallest):
        raise ValueError(f"{argument}: expected {expected}, got {value!r}")
    return int(value)


def check_positive_int(value: Any, argument: str, expected: str = "a positive int") -> int:
    """Return ``value`` as an int if it is an integer >= 1 (a size, a count), else raise a ValueError
    '<argument>: expected <expected>, got <value>' (Keras-style layers say 'a positive integer')."""
    return _check_int_at_least(value, argument, 1, expected)


def check_non_negative_int(value: Any, argument: str) -> int:
    """Return ``value`` as an int if it is an integer >= 0, else raise a ValueError."""
    return _check_int_at_least(value, argument, 0, "a non-negative int")
