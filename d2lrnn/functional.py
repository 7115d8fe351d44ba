"""``d2lrnn.functional``: the composite functions of the engine, under a short name."""
from .autograd.functional import (clip, concat, cross_entropy, dropout, log_softmax, logsumexp, maximum, mse,
                                  one_hot, softmax, split, stack, where)

__all__ = ["softmax", "log_softmax", "logsumexp", "cross_entropy", "mse", "one_hot", "dropout", "concat",
           "stack", "split", "where", "maximum", "clip"]
