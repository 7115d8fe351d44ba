"""``LearningRateScheduler``: set the learning rate at the start of each epoch from a function."""
from __future__ import annotations

from typing import Any, Callable

import numpy

from .callback import Callback
from .learning_rate import get_learning_rate, set_learning_rate


class LearningRateScheduler(Callback):
    """Before each epoch, set the learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``).

    ``epoch`` is 0-based; ``lr`` is the current rate. The schedule must return a float. Each
    epoch's logs gain ``learning_rate``.

    Args:
        schedule: the function.
        verbose: 1 prints each new rate.
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule: expected a function (epoch, lr) -> lr, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        try:  # Keras's rule: a schedule that does not take the rate gets the epoch only
            learning_rate = self.schedule(epoch, get_learning_rate(optimizer, "LearningRateScheduler"))
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, numpy.float32, numpy.float64)):
            raise ValueError(f"schedule: the output of the schedule function should be a float, got {learning_rate!r}")
        set_learning_rate(optimizer, learning_rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self.model.optimizer, "LearningRateScheduler")


__all__ = ["LearningRateScheduler"]
