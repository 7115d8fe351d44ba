"""Keras-style models: ``Sequential`` with compile / fit / evaluate / predict / summary.

``from d2lrnn import models`` then ``models.Sequential([...])``. The losses and metrics that
``compile`` accepts by name live in ``models.losses`` and ``models.metrics``.
"""
from . import callbacks, losses, metrics
from .callbacks import Callback, History
from .functional import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "History", "Callback", "callbacks", "losses", "metrics"]
