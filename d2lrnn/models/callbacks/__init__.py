"""Callbacks for ``fit``: ``Callback`` (the base class), ``History`` (what ``fit`` returns) and the
usual Keras 3 callbacks. ``from d2lrnn.models import callbacks`` then ``callbacks.EarlyStopping(...)``."""
from .callback import Callback, CallbackList, History
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .monitor import MonitorCallback
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "MonitorCallback", "EarlyStopping", "ModelCheckpoint",
           "ReduceLROnPlateau", "TerminateOnNaN", "CSVLogger", "LambdaCallback", "LearningRateScheduler"]
