"""The update equations of the three recurrent cells, written once.

The generic Keras-style cells, the PyTorch-style ``nn`` cells and the reference loops in
the tests call these functions. (The book's scratch classes write the same equations out
inline, line for line as the book prints them: they are the code students read, and the
tests tie them to these functions' numbers.) Every
argument is a Tensor of shape (batch, hidden) holding *pre-activations* where the name
ends in ``_pre``; the callers compute those with their own weight layout (separate
matrices per gate in the book, packed gates in Keras and PyTorch).

Activations are passed in (Keras lets users choose them); the book's defaults are
``tanh`` for the candidate and ``sigmoid`` for gates.
"""
from __future__ import annotations

from typing import Callable

from ..autograd import Tensor

Activation = Callable[[Tensor], Tensor]


def _tanh(x: Tensor) -> Tensor:
    return x.tanh()


def _sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def rnn_update(pre: Tensor, activation: Activation = _tanh) -> Tensor:
    """Elman RNN: H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h), given the summed pre-activation."""
    return activation(pre)


def lstm_update(i_pre: Tensor, f_pre: Tensor, g_pre: Tensor, o_pre: Tensor, c_prev: Tensor,
                activation: Activation = _tanh,
                recurrent_activation: Activation = _sigmoid) -> tuple[Tensor, Tensor]:
    """LSTM: I, F, O = sigma(.), C~ = tanh(.), C_t = F * C_{t-1} + I * C~, H_t = O * tanh(C_t).

    Returns (H_t, C_t), both (batch, hidden).
    """
    i = recurrent_activation(i_pre)
    f = recurrent_activation(f_pre)
    o = recurrent_activation(o_pre)
    c = f * c_prev + i * activation(g_pre)
    return o * activation(c), c


def gru_gates(z_pre: Tensor, r_pre: Tensor,
              recurrent_activation: Activation = _sigmoid) -> tuple[Tensor, Tensor]:
    """GRU gates: Z_t = sigma(.) (update), R_t = sigma(.) (reset). Returns (Z_t, R_t)."""
    return recurrent_activation(z_pre), recurrent_activation(r_pre)


def gru_blend(z: Tensor, h_prev: Tensor, h_candidate: Tensor) -> Tensor:
    """GRU output: H_t = Z_t * H_{t-1} + (1 - Z_t) * H~_t.

    Where the reset gate R_t enters the candidate H~_t differs between conventions, so the
    caller builds H~_t: the book (and Keras ``reset_after=False``) computes
    tanh(X W_xh + (R * H_{t-1}) W_hh + b), PyTorch (and Keras ``reset_after=True``)
    tanh(X W_xh + b_x + R * (H_{t-1} W_hh + b_hh)).
    """
    return z * h_prev + (1 - z) * h_candidate
