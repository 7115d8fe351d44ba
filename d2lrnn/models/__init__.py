"""Keras-style models: ``Sequential`` and ``Model`` (functional or subclassed), with compile / fit /
evaluate / predict / summary.

``from d2lrnn import models`` then ``models.Sequential([...])`` or ``models.Model(inputs, outputs)``. The losses and metrics that
``compile`` accepts by name live in ``models.losses`` and ``models.metrics``; the training
machinery every model shares is ``models.trainer.TrainableModel``; ``models.load_model(path)``
reads what ``model.save(path)`` wrote.
"""
from . import callbacks, losses, metrics, saving
from .callbacks import Callback, History
from .functional import Model
from .saving import load_model
from .sequential import Sequential
from .trainer import TrainableModel

__all__ = ["Model", "Sequential", "TrainableModel", "load_model", "History", "Callback", "callbacks", "losses",
           "metrics", "saving"]
