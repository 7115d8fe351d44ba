"""d2lrnn: recurrent neural networks on an autograd engine written from scratch.

``import d2lrnn as d2l`` gives the engine (``d2l.tensor``, ``d2l.Tensor``, ``d2l.no_grad``, ...)
and the book's classes at top level, so notebook code reads like Dive into Deep Learning.
"""
from numpy import float32, float64, int32, int64  # the dtype names of the book: d2l.float32, d2l.int64

from . import backend, functional
from .autograd import (DEFAULT_DTYPE, Function, Tensor, arange, as_tensor, clip, concat, enable_grad, full,
                       gradcheck, is_grad_enabled, maximum, no_grad, normal, ones, ones_like, rand, randn,
                       randn_like, split, stack, tensor, where, zeros, zeros_like)
# PyTorch's function forms (torch.tanh -> d2l.tanh), defined once in the engine's functional module
from .functional import (argmax, cat, exp, log, log_softmax, matmul, one_hot, relu, reshape, sigmoid, softmax, sqrt,
                         sum, tanh)
from .backend import default_device, is_gpu_available, num_gpus, seed, set_default_device, try_gpu
from .data import TimeMachine, Vocab
from .scratch import (GRU, LSTM, RNN, RNNLM, BiGRU, BiRNNScratch, GRUScratch, LSTMScratch, RNNLMScratch, RNNScratch,
                      StackedRNNScratch)
from .training import (Classifier, DataModule, HyperParameters, Module, ProgressBoard, Timer, Trainer, add_to_class,
                       check_len, check_shape)

from . import data, layers, models, nn, regularizers, viz  # noqa: E402  (the sub-packages by name)

__version__ = "0.1.0"
