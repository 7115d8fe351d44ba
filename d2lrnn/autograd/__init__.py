"""The autograd engine: Tensor, the Function rule, primitive ops, composites, gradcheck."""
from . import tensor_methods  # noqa: F401  (puts the op-running methods on Tensor before anything runs)
from .creation import (arange, as_numpy, as_tensor, full, normal, ones, ones_like, rand, randn, randn_like, tensor,
                       zeros, zeros_like)
from .function import Function, enable_grad, is_grad_enabled, no_grad, unbroadcast
from .functional import (clip, concat, cross_entropy, dropout, log_softmax, logsumexp, maximum, mse, one_hot,
                         softmax, split, stack, where)
from .gradcheck import gradcheck, numerical_grad
from .tensor import DEFAULT_DTYPE, Tensor

__all__ = [
    "Tensor", "Function", "tensor", "zeros", "ones", "full", "randn", "normal", "rand", "arange",
    "zeros_like", "ones_like", "randn_like", "as_tensor", "as_numpy", "no_grad", "enable_grad", "is_grad_enabled",
    "unbroadcast", "gradcheck", "numerical_grad", "concat", "stack", "split", "where", "maximum", "clip",
    "softmax", "log_softmax", "logsumexp", "cross_entropy", "mse", "one_hot", "dropout", "DEFAULT_DTYPE",
]
