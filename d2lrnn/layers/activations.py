"""Activation functions looked up by name, as Keras's ``activation="tanh"`` arguments.

Each activation is a plain function Tensor -> Tensor written with Tensor operations, so
autograd differentiates it without extra code. ``get`` turns a name, ``None`` or a
callable into such a function; ``serialize`` turns it back into a name for ``get_config``.
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd import Tensor, softmax as _softmax

Activation = Callable[[Tensor], Tensor]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def linear(x: Tensor) -> Tensor:
    """Identity: f(x) = x (what ``activation=None`` means)."""
    return x


def tanh(x: Tensor) -> Tensor:
    """f(x) = tanh(x), in (-1, 1)."""
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    """f(x) = 1 / (1 + exp(-x)), the exact logistic function."""
    return x.sigmoid()


def relu(x: Tensor) -> Tensor:
    """f(x) = max(x, 0)."""
    return x.relu()


def hard_sigmoid(x: Tensor) -> Tensor:
    """Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1).

    Keras 2 used clip(0.2 x + 0.5, 0, 1); models trained with the old form will not match.
    """
    return (x / 6.0 + 0.5).clip(0.0, 1.0)


def elu(x: Tensor) -> Tensor:
    """f(x) = x for x > 0, exp(x) - 1 otherwise."""
    # exp of the clipped value: the branch not taken must not overflow to inf (0 * inf = nan in backward).
    return x.relu() + (x.clip(None, 0.0).exp() - 1.0)


def selu(x: Tensor) -> Tensor:
    """Self-normalising ELU: scale * elu(x, alpha) with Keras's constants."""
    negative_part = SELU_ALPHA * (x.clip(None, 0.0).exp() - 1.0)
    return SELU_SCALE * (x.relu() + negative_part)


def softplus(x: Tensor) -> Tensor:
    """f(x) = log(1 + exp(x)), computed as relu(x) + log(1 + exp(-|x|)) so it never overflows."""
    return x.relu() + ((-x.abs()).exp() + 1.0).log()


def softsign(x: Tensor) -> Tensor:
    """f(x) = x / (1 + |x|)."""
    return x / (x.abs() + 1.0)


def swish(x: Tensor) -> Tensor:
    """f(x) = x * sigmoid(x) (also called SiLU)."""
    return x * x.sigmoid()


def exponential(x: Tensor) -> Tensor:
    """f(x) = exp(x)."""
    return x.exp()


def softmax(x: Tensor) -> Tensor:
    """Softmax over the last axis: exp(x_i) / sum_j exp(x_j)."""
    return _softmax(x, axis=-1)


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "hard_sigmoid": hard_sigmoid,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "swish": swish,
    "silu": swish,
    "exponential": exponential,
    "softmax": softmax,
}


def get(identifier: Any) -> Activation:
    """The activation function for a name, ``None`` (identity) or a callable (returned as is)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return ACTIVATIONS[identifier]
        except KeyError:
            raise ValueError(
                f"activation: unknown activation {identifier!r}; expected one of "
                f"{sorted(ACTIVATIONS)}, None, or a callable Tensor -> Tensor"
            ) from None
    if callable(identifier):
        return identifier
    raise TypeError(f"activation: expected a name, None or a callable, got {identifier!r} "
                    f"of type {type(identifier).__name__}")


def serialize(activation: Activation) -> Any:
    """The name under which ``get`` finds ``activation`` (the function itself if it has none)."""
    for name, fn in ACTIVATIONS.items():
        if fn is activation and name != "silu":
            return name
    return activation
