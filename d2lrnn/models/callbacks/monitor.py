"""``MonitorCallback``: the shared rule of callbacks that watch one logged value (Keras 3's).

``monitor`` names a key of the epoch logs ('val_loss', 'accuracy', 'val_out_a_accuracy', ...).
``mode='min'`` wants it lower, ``'max'`` higher; ``'auto'`` decides from the name: losses go down,
accuracies go up, the error metrics (mse, mae, cross-entropies) go down, anything else must be told.
A value improves on the best so far when it beats it by more than ``min_delta``.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any, Callable

from .callback import Callback

# Directions of the metrics compile knows by name (Keras's metric objects carry the same ones).
_GOING_UP = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")
_GOING_DOWN = ("loss", "mse", "mae", "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
               "categorical_crossentropy", "sparse_categorical_crossentropy")


class MonitorCallback(Callback):
    """Base of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau.

    Args:
        monitor: the logged value to watch.
        mode: 'auto', 'min' or 'max' (an unknown mode warns and falls back to 'auto', as in Keras).
        baseline: the initial best value (None: the first value seen).
        min_delta: the smallest change that counts as an improvement (its sign is ignored).
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"monitor: expected the name of a logged value such as 'val_loss', got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], Any] | None = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            direction = _direction(self.monitor.removeprefix("val_"), getattr(self.model, "output_names", []))
            if direction is None:
                raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor}, but it cannot "
                                 "tell whether that metric should be maximized or minimized. Pass mode='max' in "
                                 "order to monitor based on the highest metric value, or pass mode='min' in order "
                                 "to use the lowest value.")
            self.monitor_op = operator.gt if direction == "up" else operator.lt
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value: float, reference_value: float | None) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _direction(name: str, output_names: list[str]) -> str | None:
    """'up', 'down' or None (unknown) for a metric name, with or without an output-name prefix."""
    candidates = [name] + [name[len(out) + 1:] for out in output_names if name.startswith(f"{out}_")]
    for candidate in candidates:
        if candidate in _GOING_UP:
            return "up"
        if candidate in _GOING_DOWN:
            return "down"
    return None


__all__ = ["MonitorCallback"]
