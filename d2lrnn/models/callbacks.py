"""Callbacks: objects ``fit`` notifies as training goes, and ``History``, which ``fit`` returns.

A callback overrides any of the hooks below; ``logs`` is a dict such as
``{'loss': 0.52, 'accuracy': 0.75, 'val_loss': 0.61, 'val_accuracy': 0.7}``.
Setting ``model.stop_training = True`` from a hook ends ``fit`` after the current epoch.
"""
from __future__ import annotations

from typing import Any


class Callback:
    """Base class: every hook does nothing."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        pass

    def on_train_end(self, logs: dict | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        pass

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        pass


class History(Callback):
    """Records the logs of every epoch.

    Attributes:
        history: metric name -> list with one float per epoch (``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy``, ...).
        epoch: the epoch indices seen, ``[0, 1, ...]``.
        params: ``{'verbose': ..., 'epochs': ..., 'steps': ...}`` of the ``fit`` call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


__all__ = ["Callback", "History"]
