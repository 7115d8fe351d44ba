"""d2lrnn: recurrent neural networks on an autograd engine written from scratch.

``import d2lrnn as d2l`` gives the engine (``d2l.tensor``, ``d2l.Tensor``, ``d2l.no_grad``, ...)
and the book's classes at top level, so notebook code reads like Dive into Deep Learning.
"""
from . import backend
from .autograd import functional  # d2lrnn.functional: the engine's composites (softmax, cross_entropy, ...)
from .autograd import (DEFAULT_DTYPE, Function, Tensor, arange, as_tensor, clip, concat, enable_grad, full,
                       gradcheck, is_grad_enabled, maximum, no_grad, normal, ones, ones_like, rand, randn,
                       randn_like, split, stack, tensor, where, zeros, zeros_like)
from .backend import default_device, is_gpu_available, seed, set_default_device
from .data import TimeMachine, Vocab
from .scratch import (GRU, LSTM, RNN, RNNLM, BiGRU, BiRNNScratch, GRUScratch, LSTMScratch, RNNLMScratch, RNNScratch,
                      StackedRNNScratch)
from .training import Classifier, DataModule, HyperParameters, Module, ProgressBoard, Trainer

from . import data, layers, models, nn, regularizers, viz  # noqa: E402  (the sub-packages by name)

__version__ = "0.1.0"
