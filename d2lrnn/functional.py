"""``d2lrnn.functional``: the engine's functions, under a short name.

Besides the composites (softmax, cross_entropy, ...) this holds PyTorch's function forms of
the Tensor methods the book's RNN chapters call (``matmul``, ``tanh``, ``sigmoid``, ``cat``,
...), so that ``torch.tanh(x)`` becomes ``d2l.tanh(x)``. They are defined once, in
``d2lrnn.autograd.functional``; ``d2lrnn`` and ``d2lrnn.nn.functional`` re-export them.
"""
from .autograd.functional import (argmax, cat, clip, concat, cross_entropy, dropout, exp, log, log_softmax,
                                  logsumexp, matmul, maximum, mse, one_hot, relu, reshape, sigmoid, softmax, split,
                                  sqrt, stack, sum, tanh, where)

__all__ = ["softmax", "log_softmax", "logsumexp", "cross_entropy", "mse", "one_hot", "dropout", "concat", "cat",
           "stack", "split", "where", "maximum", "clip", "matmul", "tanh", "sigmoid", "relu", "exp", "log", "sqrt",
           "reshape", "argmax"]  # sum is importable by name, but a star import must not hide the builtin
