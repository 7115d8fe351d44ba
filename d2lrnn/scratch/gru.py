"""``GRUScratch``: the gated recurrent unit, written with matrix products, sigmoid and tanh.

    Z_t = sigma(X_t W_xz + H_{t-1} W_hz + b_z)               update gate
    R_t = sigma(X_t W_xr + H_{t-1} W_hr + b_r)               reset gate
    H~_t = tanh(X_t W_xh + (R_t * H_{t-1}) W_hh + b_h)       candidate (reset before the matmul)
    H_t = Z_t * H_{t-1} + (1 - Z_t) * H~_t

The book resets H_{t-1} before multiplying by W_hh; PyTorch's nn.GRU (and Keras'
default reset_after=True) resets the product instead, so the two differ slightly.
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor, randn, zeros
from ..autograd.functional import matmul, sigmoid, tanh
from ..nn import Parameter
from ..training import Module
from .rnn import check_sizes, initial_state, time_steps


class GRUScratch(Module):
    """The GRU implemented from scratch, with the book's parameter names.

    Three triples (W_x*, W_h*, b_*) for the update gate (z), reset gate (r) and candidate
    (h): W_x* (num_inputs, num_hiddens) and W_h* (num_hiddens, num_hiddens) drawn as
    N(0, 1) * sigma, b_* (num_hiddens,) zero.
    """

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        check_sizes("GRUScratch", num_inputs=num_inputs, num_hiddens=num_hiddens)
        self.save_hyperparameters()
        self.W_xz, self.W_hz, self.b_z = self._triple()  # update gate
        self.W_xr, self.W_hr, self.b_r = self._triple()  # reset gate
        self.W_xh, self.W_hh, self.b_h = self._triple()  # candidate hidden state

    def _triple(self) -> tuple[Parameter, Parameter, Parameter]:
        return (Parameter(randn(self.num_inputs, self.num_hiddens) * self.sigma),
                Parameter(randn(self.num_hiddens, self.num_hiddens) * self.sigma),
                Parameter(zeros(self.num_hiddens)))

    def forward(self, inputs: Any, H: Tensor | None = None) -> tuple[list[Tensor], Tensor]:
        """Run over the time steps.

        Args:
            inputs: (num_steps, batch_size, num_inputs) Tensor or list of (batch_size, num_inputs).
            H: the state (batch_size, num_hiddens), or None for zeros.

        Returns:
            (outputs, H): a list of num_steps Tensors (batch_size, num_hiddens), and the last H.
        """
        steps = time_steps(inputs, self.num_inputs, "GRUScratch")
        if isinstance(H, tuple) and len(H) == 1:  # the book's state before d2l PR #2330
            (H,) = H
        H = initial_state(H, steps[0], self.num_hiddens, "GRUScratch")
        outputs = []
        for X in steps:
            Z = sigmoid(matmul(X, self.W_xz) + matmul(H, self.W_hz) + self.b_z)
            R = sigmoid(matmul(X, self.W_xr) + matmul(H, self.W_hr) + self.b_r)
            H_tilde = tanh(matmul(X, self.W_xh) + matmul(R * H, self.W_hh) + self.b_h)
            H = Z * H + (1 - Z) * H_tilde
            outputs.append(H)
        return outputs, H
