"""``ModelCheckpoint``: save the model (or its weights) during training, every epoch or when it improves."""
from __future__ import annotations

import os
import warnings
from typing import Any

from .monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save after every epoch (or every ``save_freq`` batches) to ``filepath``.

    ``filepath`` may hold ``str.format`` fields filled from the epoch (1-based) and the logs:
    ``'ckpt/model_{epoch:02d}_{val_loss:.3f}.keras'``. The folders are created as needed.

    Args:
        filepath: where to save; ``model.save`` writes one zip file there, ``save_weights`` one
            ``.npz`` archive (the path is used as given, whatever its extension).
        monitor: the logged value that decides ``save_best_only``.
        verbose: 1 prints what is saved.
        save_best_only: save only when ``monitor`` improves on the best value so far (a missing
            value warns and saves).
        save_weights_only: ``model.save_weights(filepath)`` instead of ``model.save(filepath)``.
        mode: 'auto', 'min' or 'max' (see ``MonitorCallback``).
        save_freq: 'epoch', or an int: save after that many batches.
        initial_value_threshold: the best value to beat at first.
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: str | int = "epoch", initial_value_threshold: float | None = None) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"save_freq: expected 'epoch' or a positive int, got {save_freq!r}")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        best_text = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_text} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_text}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"filepath: ModelCheckpoint needs a file path, but {filepath!r} is an existing "
                                    "directory")
        if not self._should_save_model(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'filepath: failed to format the callback filepath "{self.filepath}": no logged value '
                           f"{error}; the logs hold {sorted(logs)}") from None


__all__ = ["ModelCheckpoint"]
