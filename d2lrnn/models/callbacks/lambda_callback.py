"""``LambdaCallback``: a callback made of plain functions."""
from __future__ import annotations

from typing import Any, Callable

from .callback import Callback

Hook = Callable[..., Any] | None


class LambdaCallback(Callback):
    """Each given function replaces the hook of its name, with the hook's arguments:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)``,
    ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``.
    Other keyword arguments become attributes (Keras passes e.g. ``on_test_end`` this way).

        LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin: Hook = None, on_epoch_end: Hook = None, on_train_begin: Hook = None,
                 on_train_end: Hook = None, on_train_batch_begin: Hook = None, on_train_batch_end: Hook = None,
                 **kwargs: Any) -> None:
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, function in hooks.items():
            if function is not None:
                if not callable(function):
                    raise TypeError(f"{name}: expected a function, got {function!r}")
                setattr(self, name, function)


__all__ = ["LambdaCallback"]
