"""``RNNScratch``: the book's recurrent layer, written with matrix products and tanh only.

    H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)

Inputs are time-major: a (num_steps, batch_size, num_inputs) Tensor, or a list of
num_steps Tensors of shape (batch_size, num_inputs).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor, randn, zeros
from ..autograd.functional import matmul, tanh
from ..checks import is_int_at_least
from ..nn import Parameter
from ..training import Module


def time_steps(inputs: Any, num_inputs: int, name: str) -> list[Tensor]:
    """The inputs as a list of (batch_size, num_inputs) Tensors, one per time step.

    Accepts a (num_steps, batch_size, num_inputs) Tensor or a list of (batch_size,
    num_inputs) Tensors; raises a ValueError naming ``name`` for any other shape.
    """
    if isinstance(inputs, Tensor):
        if inputs.ndim != 3:
            raise ValueError(f"{name}: inputs must have shape (num_steps, batch_size, {num_inputs}), "
                             f"got shape {inputs.shape}")
        steps = [inputs[t] for t in range(inputs.shape[0])]
    elif isinstance(inputs, Sequence) and not isinstance(inputs, str):
        steps = list(inputs)
    else:
        raise TypeError(f"{name}: inputs must be a Tensor of shape (num_steps, batch_size, {num_inputs}) or a "
                        f"list of (batch_size, {num_inputs}) Tensors, got {type(inputs).__name__}")
    if not steps:
        raise ValueError(f"{name}: inputs must hold at least one time step, got none")
    for t, X in enumerate(steps):
        if not isinstance(X, Tensor) or X.ndim != 2 or X.shape[1] != num_inputs:
            shape = X.shape if isinstance(X, Tensor) else type(X).__name__
            raise ValueError(f"{name}: time step {t} must be a Tensor of shape (batch_size, {num_inputs}), got {shape}")
        if X.shape[0] != steps[0].shape[0]:
            raise ValueError(f"{name}: every time step must have the same batch size; step 0 has "
                             f"{steps[0].shape[0]}, step {t} has {X.shape[0]}")
    return steps


def initial_state(state: Any, like: Tensor, num_hiddens: int, name: str) -> Tensor:
    """``state`` checked to be (batch_size, num_hiddens), or zeros of that shape when it is None.

    ``like`` (the first input step) gives the batch size, dtype and device.
    """
    batch_size = like.shape[0]
    if state is None:
        return zeros((batch_size, num_hiddens), dtype=like.dtype, device=like.device)
    if not isinstance(state, Tensor) or state.shape != (batch_size, num_hiddens):
        shape = state.shape if isinstance(state, Tensor) else type(state).__name__
        raise ValueError(f"{name}: the state must be a Tensor of shape ({batch_size}, {num_hiddens}) "
                         f"(batch_size, num_hiddens), got {shape}")
    return state


def check_sizes(name: str, **sizes: int) -> None:
    """Raise a ValueError unless every given size is a positive int."""
    for arg, value in sizes.items():
        if not is_int_at_least(value, 1):
            raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")


class RNNScratch(Module):
    """The RNN model implemented from scratch.

    Parameters: ``W_xh`` (num_inputs, num_hiddens), ``W_hh`` (num_hiddens, num_hiddens),
    both N(0, 1) * sigma, and ``b_h`` (num_hiddens,) starting at zero.
    """

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        check_sizes("RNNScratch", num_inputs=num_inputs, num_hiddens=num_hiddens)
        self.save_hyperparameters()
        self.W_xh = Parameter(randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = Parameter(randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = Parameter(zeros(num_hiddens))

    def forward(self, inputs: Any, state: Tensor | None = None) -> tuple[list[Tensor], Tensor]:
        """Run over the time steps.

        Args:
            inputs: (num_steps, batch_size, num_inputs) Tensor or list of (batch_size, num_inputs).
            state: H of shape (batch_size, num_hiddens), or None for zeros. The book's
                1-tuple ``(H,)`` is accepted too.

        Returns:
            (outputs, H): a list of num_steps Tensors (batch_size, num_hiddens), and the last H.
        """
        steps = time_steps(inputs, self.num_inputs, "RNNScratch")
        if isinstance(state, tuple) and len(state) == 1:
            (state,) = state
        H = initial_state(state, steps[0], self.num_hiddens, "RNNScratch")
        outputs = []
        for X in steps:
            H = tanh(matmul(X, self.W_xh) + matmul(H, self.W_hh) + self.b_h)
            outputs.append(H)
        return outputs, H
