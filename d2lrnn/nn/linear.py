"""``Linear``: the fully connected layer y = x W^T + b, laid out as PyTorch's ``nn.Linear``."""
from __future__ import annotations

import math
from typing import Any

from ..autograd import Tensor, zeros
from ..checks import check_positive_int
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b for inputs of shape (..., in_features), outputs (..., out_features).

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,), as in
    PyTorch, so ``load_state_dict`` accepts a PyTorch ``nn.Linear``'s weights. Both start
    from U(-k, k) with k = 1 / sqrt(in_features), PyTorch's default.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        bound = 1.0 / math.sqrt(in_features)
        self.weight = init.uniform_(Parameter(zeros(out_features, in_features)), -bound, bound)
        self.bias = init.uniform_(Parameter(zeros(out_features)), -bound, bound) if bias else None

    def forward(self, x: Any) -> Tensor:
        """(..., in_features) -> (..., out_features).

        A NumPy array or list is first converted to the weight's dtype and device; a Tensor
        must already have the weight's dtype (a ``TypeError`` otherwise).
        """
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype, device=self.weight.device)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: input must have shape (..., {self.in_features}) "
                             f"(in_features={self.in_features}), got shape {x.shape}")
        if x.dtype != self.weight.dtype:  # PyTorch raises too, instead of upcasting the output
            raise TypeError(f"Linear: input has dtype {x.dtype} but the parameters have dtype {self.weight.dtype}; "
                            f"convert it with x.astype('{self.weight.dtype}')")
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def __repr__(self) -> str:
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None})")


class LazyLinear(Linear):
    """A ``Linear`` whose ``in_features`` is read from its first input, as PyTorch's ``nn.LazyLinear``.

    Until the first call it has no parameters; the first call creates ``weight``
    (out_features, in_features) and ``bias`` with ``Linear``'s initialisation, on the
    input's device and in its dtype. Build the optimizer after that call (the book calls
    ``model.predict`` once before training, which does it).
    """

    def __init__(self, out_features: int, bias: bool = True) -> None:
        self.in_features = None
        self.out_features = check_positive_int(out_features, "out_features")
        self.use_bias = bool(bias)
        self.weight = None
        self.bias = None

    def forward(self, x: Any) -> Tensor:
        """(..., in_features) -> (..., out_features); the first call fixes in_features."""
        if self.weight is None:
            if not isinstance(x, Tensor):
                x = Tensor(x)
            if x.ndim == 0:
                raise ValueError("LazyLinear: input must have shape (..., in_features), got a 0-d tensor")
            self.in_features = x.shape[-1]
            bound = 1.0 / math.sqrt(self.in_features)
            self.weight = init.uniform_(Parameter(zeros(self.out_features, self.in_features, dtype=x.dtype,
                                                        device=x.device)), -bound, bound)
            if self.use_bias:
                self.bias = init.uniform_(Parameter(zeros(self.out_features, dtype=x.dtype, device=x.device)),
                                          -bound, bound)
        return super().forward(x)

    def __repr__(self) -> str:
        if self.weight is None:
            return f"LazyLinear(in_features=0, out_features={self.out_features}, bias={self.use_bias})"
        return super().__repr__()
