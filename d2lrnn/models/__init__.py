"""Keras-style models: ``Sequential`` with compile / fit / evaluate / predict / summary.

``from d2lrnn import models`` then ``models.Sequential([...])``. The losses and metrics that
``compile`` accepts by name live in ``models.losses`` and ``models.metrics``; the training
machinery every model shares is ``models.trainer.TrainableModel``.
"""
from . import callbacks, losses, metrics
from .callbacks import Callback, History
from .sequential import Sequential
from .trainer import TrainableModel

__all__ = ["Sequential", "TrainableModel", "History", "Callback", "callbacks", "losses", "metrics"]
