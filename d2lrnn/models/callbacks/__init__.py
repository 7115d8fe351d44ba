"""Callbacks for ``fit``: ``Callback`` (the base class), ``History`` (what ``fit`` returns) and the
usual Keras 3 callbacks. ``from d2lrnn.models import callbacks`` then ``callbacks.EarlyStopping(...)``."""
from .callback import Callback, CallbackList, History

__all__ = ["Callback", "CallbackList", "History"]
