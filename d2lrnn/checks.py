"""Argument checks shared by every layer of the library.

Each check raises a ValueError naming the argument, what was expected and what was given,
and returns the value as a plain Python int.
"""
from __future__ import annotations

import math
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


def check_number(value: Any, argument: str, low: float | None = None, high: float | None = None, *,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number (Python or NumPy, never a bool) within
    [low, high] (open ends with ``low_open`` / ``high_open``), else raise a ValueError
    '<argument>: expected a finite number >= low ..., got <value>'."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high:g}")
        expected = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
        raise ValueError(f"{argument}: expected {expected}, got {value!r}")
    return float(value)


def check_choice(value: Any, argument: str, choices: tuple) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{argument}: expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value
