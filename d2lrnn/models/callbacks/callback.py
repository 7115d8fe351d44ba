"""``Callback``: an object ``fit`` notifies as training goes; ``History``, which ``fit`` returns.

A callback overrides any of the hooks below; ``logs`` is a dict such as
``{'loss': 0.52, 'accuracy': 0.75, 'val_loss': 0.61, 'val_accuracy': 0.7}``.
Setting ``model.stop_training = True`` from a hook ends ``fit`` after the current batch or epoch.
The hooks and their order are Keras 3's: ``on_train_begin``, then per epoch ``on_epoch_begin``,
``on_train_batch_begin``/``on_train_batch_end`` per batch (whose defaults call ``on_batch_begin``/
``on_batch_end``), the validation's ``on_test_*`` hooks, ``on_epoch_end``; finally ``on_train_end``.
"""
from __future__ import annotations

from typing import Any, Sequence


class Callback:
    """Base class: every hook does nothing. ``self.model`` and ``self.params`` are set by ``fit``."""

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

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        pass

    def on_test_end(self, logs: dict | None = None) -> None:
        pass

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_predict_begin(self, logs: dict | None = None) -> None:
        pass

    def on_predict_end(self, logs: dict | None = None) -> None:
        pass

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        pass

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        pass


class CallbackList:
    """Several callbacks called as one: ``callbacks.on_epoch_end(epoch, logs)`` calls each in turn.

    Args:
        callbacks: the ``Callback`` objects, in the order they are notified.
        model: given to each callback's ``set_model``.
        params: given to each callback's ``set_params`` (``verbose``, ``epochs``, ``steps``).
    """

    def __init__(self, callbacks: Sequence[Callback], model: Any = None, params: dict | None = None) -> None:
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks: expected Callback objects (e.g. models.callbacks.EarlyStopping()), "
                                f"got {c!r} (of type {type(c).__name__})")
            c.set_model(model)
            c.set_params(dict(params or {}))

    def _call(self, hook: str, *args: Any) -> None:
        # The last argument is the logs: callbacks always get a dict, as in Keras.
        args = args[:-1] + ({} if args[-1] is None else args[-1],)
        for c in self.callbacks:
            getattr(c, hook)(*args)


def _notify_all(hook: str) -> Any:
    """A ``CallbackList`` method that calls ``hook`` on each callback, with Callback's signature."""
    if "epoch" in hook or "batch" in hook:
        def notify(self: CallbackList, index: int, logs: dict | None = None) -> None:
            self._call(hook, index, logs)
    else:
        def notify(self: CallbackList, logs: dict | None = None) -> None:
            self._call(hook, logs)
    notify.__name__ = hook
    notify.__qualname__ = f"CallbackList.{hook}"
    notify.__doc__ = f"Calls ``{hook}`` on each callback in turn."
    return notify


# Every hook fit/evaluate/predict notify (on_batch_* are reached through on_train_batch_*).
_FORWARDED_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
                    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
                    "on_predict_batch_begin", "on_predict_batch_end")
for _hook in _FORWARDED_HOOKS:
    setattr(CallbackList, _hook, _notify_all(_hook))
del _hook


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


__all__ = ["Callback", "CallbackList", "History"]
