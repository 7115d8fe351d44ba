"""``LSTMScratch``: long short-term memory, written with matrix products, sigmoid and tanh.

    I_t = sigma(X_t W_xi + H_{t-1} W_hi + b_i)        input gate
    F_t = sigma(X_t W_xf + H_{t-1} W_hf + b_f)        forget gate
    O_t = sigma(X_t W_xo + H_{t-1} W_ho + b_o)        output gate
    C~_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)        input node
    C_t = F_t * C_{t-1} + I_t * C~_t,   H_t = O_t * tanh(C_t)
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor, randn, zeros
from ..autograd.functional import matmul, sigmoid, tanh
from ..nn import Parameter
from ..training import Module
from .rnn import check_sizes, initial_state, time_steps


class LSTMScratch(Module):
    """The LSTM implemented from scratch, with the book's parameter names.

    Four triples (W_x*, W_h*, b_*) for the input gate (i), forget gate (f), output gate (o)
    and input node (c): W_x* (num_inputs, num_hiddens) and W_h* (num_hiddens, num_hiddens)
    drawn as N(0, 1) * sigma, b_* (num_hiddens,) zero.
    """

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        check_sizes("LSTMScratch", num_inputs=num_inputs, num_hiddens=num_hiddens)
        self.save_hyperparameters()
        self.W_xi, self.W_hi, self.b_i = self._triple()  # input gate
        self.W_xf, self.W_hf, self.b_f = self._triple()  # forget gate
        self.W_xo, self.W_ho, self.b_o = self._triple()  # output gate
        self.W_xc, self.W_hc, self.b_c = self._triple()  # input node

    def _triple(self) -> tuple[Parameter, Parameter, Parameter]:
        return (Parameter(randn(self.num_inputs, self.num_hiddens) * self.sigma),
                Parameter(randn(self.num_hiddens, self.num_hiddens) * self.sigma),
                Parameter(zeros(self.num_hiddens)))

    def forward(self, inputs: Any, H_C: tuple[Tensor, Tensor] | None = None
                ) -> tuple[list[Tensor], tuple[Tensor, Tensor]]:
        """Run over the time steps.

        Args:
            inputs: (num_steps, batch_size, num_inputs) Tensor or list of (batch_size, num_inputs).
            H_C: the pair (H, C), each (batch_size, num_hiddens), or None for zeros.

        Returns:
            (outputs, (H, C)): a list of num_steps H_t of shape (batch_size, num_hiddens),
            and the last hidden and cell states.
        """
        steps = time_steps(inputs, self.num_inputs, "LSTMScratch")
        if H_C is None:
            H_C = (None, None)
        elif not isinstance(H_C, (tuple, list)) or len(H_C) != 2:
            raise ValueError(f"LSTMScratch: the state must be the pair (H, C), got {type(H_C).__name__}")
        H = initial_state(H_C[0], steps[0], self.num_hiddens, "LSTMScratch")
        C = initial_state(H_C[1], steps[0], self.num_hiddens, "LSTMScratch")
        outputs = []
        for X in steps:
            I = sigmoid(matmul(X, self.W_xi) + matmul(H, self.W_hi) + self.b_i)
            F = sigmoid(matmul(X, self.W_xf) + matmul(H, self.W_hf) + self.b_f)
            O = sigmoid(matmul(X, self.W_xo) + matmul(H, self.W_ho) + self.b_o)
            C_tilde = tanh(matmul(X, self.W_xc) + matmul(H, self.W_hc) + self.b_c)
            C = F * C + I * C_tilde
            H = O * tanh(C)
            outputs.append(H)
        return outputs, (H, C)
