"""The book's small helpers: ``add_to_class``, ``check_len``, ``check_shape`` and ``Timer``."""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy


def add_to_class(Class: type) -> Callable[[Callable], None]:
    """Decorator: attach the decorated function to ``Class`` under its own name.

    The book spreads one class over several notebook cells this way:

        @d2l.add_to_class(RNNScratch)
        def forward(self, inputs, state=None): ...

    Instances that already exist get the method too. As in the book, the decorator
    returns None, so the module-level name is not kept.
    """
    if not isinstance(Class, type):
        raise TypeError(f"add_to_class: Class must be a class, got {type(Class).__name__}")

    def wrapper(obj: Callable) -> None:
        setattr(Class, obj.__name__, obj)

    return wrapper


def check_len(a: Any, n: int) -> None:
    """Raise a ValueError unless ``len(a) == n``."""
    if len(a) != n:
        raise ValueError(f"check_len: list's length {len(a)} != expected length {n}")


def check_shape(a: Any, shape: tuple) -> None:
    """Raise a ValueError unless ``a.shape == shape`` (a Tensor, an array or a torch tensor)."""
    actual = tuple(a.shape)
    if actual != tuple(shape):
        raise ValueError(f"check_shape: tensor's shape {actual} != expected shape {tuple(shape)}")


class Timer:
    """Record several running times: ``start()``, ``stop()`` (returns the last), ``avg``, ``sum``, ``cumsum``.

    The clock starts when the timer is created.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start the clock."""
        self.tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the clock, record the time since ``start`` and return it (seconds)."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self) -> float:
        """The average recorded time."""
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        """The total recorded time."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """The running totals of the recorded times."""
        return numpy.array(self.times).cumsum().tolist()


__all__ = ["add_to_class", "check_len", "check_shape", "Timer"]
