"""PyTorch's ``torch.nn.functional`` names (``F.one_hot``, ``F.softmax``, ...), defined in the engine.

The book imports ``from torch.nn import functional as F``; with d2lrnn that line reads
``from d2lrnn.nn import functional as F``.
"""
from ..autograd.functional import (cross_entropy, dropout, log_softmax, mse, one_hot, relu, sigmoid, softmax,
                                   tanh)

mse_loss = mse  # PyTorch's name

__all__ = ["one_hot", "softmax", "log_softmax", "cross_entropy", "mse_loss", "dropout", "relu", "sigmoid", "tanh"]
