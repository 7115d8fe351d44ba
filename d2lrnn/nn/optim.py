"""Optimizers: SGD (with momentum and weight decay), Adam and RMSprop, with PyTorch's formulas.

Usage, as in PyTorch:

    optimizer = SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

``step`` skips parameters whose ``.grad`` is None. It gives every parameter a new array
rather than writing into the old one, so arrays shared with anything else (a PyTorch tensor
whose weights were loaded, a detached copy) never change behind their owner's back. The
optimizer's own state (momentum, moving averages) is updated in place. All arithmetic uses
the parameter's arrays, so the same code runs on NumPy (CPU) and CuPy (GPU).
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from .. import backend
from ..autograd import Tensor
from ..checks import check_number


class Optimizer:
    """Holds the parameters to update; subclasses define ``_update(index, param, grad)``."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: params is empty; pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: params[{i}] must be a Parameter or Tensor, "
                                f"got {type(p).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{type(self).__name__}: params holds the same parameter more than once; "
                             "it would be updated twice per step")
        self.lr = _check_number(lr, "lr", type(self).__name__, low=0.0)
        self.state: dict[int, dict[str, Any]] = {}  # parameter index -> its arrays and step count

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (set them to None, as PyTorch does by default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, once."""
        for index, p in enumerate(self.params):
            if p.grad is not None:
                if p.grad.shape != p.shape:
                    raise ValueError(f"{type(self).__name__}.step: params[{index}].grad has shape "
                                     f"{tuple(p.grad.shape)}, expected the parameter's shape {p.shape}")
                p.data = self._update(index, p.data, p.grad)

    def _update(self, index: int, param: Any, grad: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _check_number(value: Any, name: str, owner: str, low: float = 0.0, high: float | None = None,
                  high_open: bool = False) -> float:
    """``value`` as a float if it is finite and low <= value (< or <=) high, else a ValueError naming ``name``."""
    return check_number(value, f"{owner}: {name}", low, high, high_open=high_open)


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's ``torch.optim.SGD`` (dampening 0, no Nesterov).

        g = grad + weight_decay * param
        buf = g                          (first step)
        buf = momentum * buf + g         (later steps; only when momentum > 0)
        param = param - lr * buf         (or - lr * g without momentum)

    Defaults: momentum 0, weight_decay 0: plain SGD, param -= lr * grad, as the book uses.
    """

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", "SGD")
        self.weight_decay = _check_number(weight_decay, "weight_decay", "SGD")

    def _update(self, index: int, param: Any, grad: Any) -> Any:
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if self.momentum:
            state = self.state.get(index)
            if state is None:
                self.state[index] = {"momentum_buffer": grad.copy()}
            else:
                buf = state["momentum_buffer"]
                buf *= self.momentum
                buf += grad
                grad = buf
        return param - self.lr * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's ``torch.optim.Adam`` (no weight decay, no AMSGrad).

        t = t + 1
        m = beta1 * m + (1 - beta1) * grad          (m, v start at 0)
        v = beta2 * v + (1 - beta2) * grad^2
        param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8 (Keras uses eps 1e-7).
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_number(betas[0], "betas[0]", "Adam", high=1.0, high_open=True),
                      _check_number(betas[1], "betas[1]", "Adam", high=1.0, high_open=True))
        self.eps = _check_number(eps, "eps", "Adam")

    def _update(self, index: int, param: Any, grad: Any) -> Any:
        beta1, beta2 = self.betas
        xp = backend.get_array_module(param)
        state = self.state.get(index)
        if state is None:
            state = self.state[index] = {"step": 0, "exp_avg": xp.zeros_like(param),
                                         "exp_avg_sq": xp.zeros_like(param)}
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denominator = xp.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        return param - (self.lr / (1 - beta1**t)) * m / denominator


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012), PyTorch's ``torch.optim.RMSprop`` (not centered).

        v = alpha * v + (1 - alpha) * grad^2                 (v starts at 0)
        param = param - lr * grad / (sqrt(v) + eps)
      with momentum > 0:
        buf = momentum * buf + grad / (sqrt(v) + eps)        (buf starts at 0)
        param = param - lr * buf

    Defaults as PyTorch: lr 1e-2, alpha 0.99, eps 1e-8, momentum 0.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = _check_number(alpha, "alpha", "RMSprop", high=1.0)
        self.eps = _check_number(eps, "eps", "RMSprop")
        self.momentum = _check_number(momentum, "momentum", "RMSprop")

    def _update(self, index: int, param: Any, grad: Any) -> Any:
        xp = backend.get_array_module(param)
        state = self.state.get(index)
        if state is None:
            state = self.state[index] = {"square_avg": xp.zeros_like(param)}
            if self.momentum:
                state["momentum_buffer"] = xp.zeros_like(param)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * grad * grad
        scaled = grad / (xp.sqrt(v) + self.eps)
        if not self.momentum:
            return param - self.lr * scaled
        buf = state["momentum_buffer"]
        buf *= self.momentum
        buf += scaled
        return param - self.lr * buf


__all__ = ["Optimizer", "SGD", "Adam", "RMSprop"]
