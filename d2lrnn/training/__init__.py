"""The book's training machinery: ``Module`` hooks, ``Classifier``, ``Trainer``, ``ProgressBoard``.

``DataModule`` lives in ``d2lrnn.data`` and is re-exported here, as the book keeps the
three base classes (Module, DataModule, Trainer) side by side.
"""
from ..data import DataModule
from .classifier import Classifier
from .module import HyperParameters, Module
from .progress_board import ProgressBoard
from .trainer import Trainer
from .utils import Timer, add_to_class, check_len, check_shape

__all__ = ["HyperParameters", "Module", "Classifier", "Trainer", "DataModule", "ProgressBoard", "add_to_class",
           "check_len", "check_shape", "Timer"]
