"""``Callback``: an object ``fit`` notifies as training goes; ``History``, which ``fit`` returns.

A callback overrides any of the hooks below; ``logs`` is a dict such as
``{'loss': 0.52, 'accuracy': 0.75, 'val_loss': 0.61, 'val_accuracy': 0.7}``.
Setting ``model.stop_training = True`` from a hook ends ``fit`` after the current batch or epoch.
The hooks and their order are Keras 3's: ``on_train_begin``, then per epoch ``on_epoch_begin``,
``on_train_batch_begin``/``on_train_batch_end`` per batch (whose defaults call ``on_batch_begin``/
``on_batch_end``), the validation's ``on_test_*`` hooks, ``on_epoch_end``; finally ``on_train_end``.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence


class Callback:
    """Base class: every hook does nothing. ``self.model`` and ``self.params`` are set by ``fit``.

    The hooks are ``HOOKS``: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
    ``on_train_batch_begin(batch, logs)``, ... (those with 'epoch' or 'batch' in their name take
    that index first); ``logs`` defaults to None.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    # The other hooks (see HOOKS below the class) do nothing here; these two call on_batch_*, as in Keras.
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs=logs)


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


# Every hook, in the order of a fit; the on_batch_* ones are reached through on_train_batch_*.
HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


def _hook_method(owner: type, hook: str, run: Callable[..., None], doc: str) -> Any:
    """A method ``hook(self, [epoch or batch,] logs=None)`` of ``owner`` that calls ``run(self, hook, ..., logs)``."""
    if "epoch" in hook or "batch" in hook:
        def method(self: Any, index: int, logs: dict | None = None) -> None:
            run(self, hook, index, logs)
    else:
        def method(self: Any, logs: dict | None = None) -> None:
            run(self, hook, logs)
    method.__name__, method.__qualname__, method.__doc__ = hook, f"{owner.__name__}.{hook}", doc
    return method


def _do_nothing(*arguments: Any) -> None:
    pass


for _hook in HOOKS:
    if _hook not in vars(Callback):
        setattr(Callback, _hook, _hook_method(Callback, _hook, _do_nothing, "Does nothing; override it."))
    if not _hook.startswith("on_batch_"):
        setattr(CallbackList, _hook, _hook_method(CallbackList, _hook, CallbackList._call,
                                                  f"Calls ``{_hook}`` on each callback in turn."))
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
