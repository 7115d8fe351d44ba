"""Argument checks shared by every layer of the library.

Each check raises a ValueError naming the argument, what was expected and what was given,
and returns the value as a plain Python int.
"""
from __future__ import annotations

import numbers
from typing import Any


def _check_int_at_least(value: Any, argument: str, smallest: int, expected: str) -> int:
    # numbers.Integral covers Python and NumPy integers; bool is an Integral too but never a size.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < smallest:
        raise ValueError(f"{argument}: expected {expected}, got {value!r}")
    return int(value)


def check_positive_int(value: Any, argument: str) -> int:
    """Return ``value`` as an int if it is an integer >= 1 (a size, a count), else raise a ValueError."""
    return _check_int_at_least(value, argument, 1, "a positive int")


def check_non_negative_int(value: Any, argument: str) -> int:
    """Return ``value`` as an int if it is an integer >= 0, else raise a ValueError."""
    return _check_int_at_least(value, argument, 0, "a non-negative int")
