"""The autograd engine: Tensor, the Function rule, primitive ops, composites, gradcheck."""
from . import tensor_methods  # noqa: F401  (puts the op-running methods on Tensor before anything runs)
from .anomaly import detect_anomaly, is_anomaly_enabled
from .creation import (arange, as_numpy, as_tensor, converted_weight, full, normal, ones, ones_like, rand, randn,
                       randn_like, tensor, zeros, zeros_like)
from .function import Function, enable_grad, is_grad_enabled, no_grad, unbroadcast
from .functional import (argmax, cat, clip, concat, cross_entropy, dropout, exp, log, log_softmax, logsumexp,
                         matmul, maximum, mse, one_hot, relu, reshape, sigmoid, softmax, split, sqrt, stack, sum,
                         tanh, where)
from .gradcheck import gradcheck, numerical_grad
from .tensor import DEFAULT_DTYPE, Tensor

__all__ = [
    "Tensor", "Function", "tensor", "zeros", "ones", "full", "randn", "normal", "rand", "arange",
    "zeros_like", "ones_like", "randn_like", "as_tensor", "as_numpy", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled",
    "unbroadcast", "gradcheck", "numerical_grad", "concat", "stack", "split", "where", "maximum", "clip",
    "softmax", "log_softmax", "logsumexp", "cross_entropy", "mse", "one_hot", "dropout", "DEFAULT_DTYPE",
    "cat", "matmul", "tanh", "sigmoid", "relu", "exp", "log", "sqrt", "reshape", "argmax",  # not sum: a star import must not hide the builtin
]
