"""``BiRNNScratch``: a bidirectional RNN, two recurrent layers reading in opposite directions.

    ->H_t = tanh(X_t W_xh^(f) + ->H_{t-1} W_hh^(f) + b_h^(f))     reads x_1 ... x_T
    <-H_t = tanh(X_t W_xh^(b) + <-H_{t+1} W_hh^(b) + b_h^(b))     reads x_T ... x_1
    H_t = [->H_t, <-H_t]                                          (batch, h_f + h_b)

The backward layer's outputs come out in reversed time order and are put back in
forward order before the concatenation, so H_t pairs the two states of the same step
(the book once concatenated step t with step T - t: d2l-en issue #2306).
"""
from __future__ import annotations

import inspect

from typing import Any, Callable

from ..autograd.functional import cat
from ..training import Module
from .rnn import RNNScratch, check_sizes, time_steps


class BiRNNScratch(Module):
    """A forward and a backward recurrent layer with separate parameters.

    Args:
        num_inputs: features per time step.
        num_hiddens: hidden units per direction: an int for both, or a pair
            ``(forward, backward)`` for different sizes. After construction
            ``self.num_hiddens`` is the output size, forward + backward.
        sigma: standard deviation of the initial weights.
        rnn: the class of both layers, called as ``rnn(num_inputs, hiddens, sigma)``:
            ``RNNScratch`` (the book), ``LSTMScratch`` or ``GRUScratch``.
    """

    def __init__(self, num_inputs: int, num_hiddens: Any, sigma: float = 0.01,
                 rnn: Callable[..., Module] = RNNScratch) -> None:
        super().__init__()
        self.save_hyperparameters()
        if isinstance(num_hiddens, (tuple, list)):
            if len(num_hiddens) != 2:
                raise ValueError(f"BiRNNScratch: num_hiddens must be an int or a pair (forward, backward), "
                                 f"got {num_hiddens!r}")
            f_hiddens, b_hiddens = num_hiddens
        else:
            f_hiddens = b_hiddens = num_hiddens
        check_sizes("BiRNNScratch", num_inputs=num_inputs, f_hiddens=f_hiddens, b_hiddens=b_hiddens)
        if isinstance(rnn, type) and "sigma" not in inspect.signature(rnn).parameters:
            raise TypeError(f"rnn: expected a scratch class called as rnn(num_inputs, num_hiddens, sigma), such as "
                            f"RNNScratch or GRUScratch; {rnn.__name__} takes no sigma")
        self.f_rnn = rnn(num_inputs, f_hiddens, sigma)
        self.b_rnn = rnn(num_inputs, b_hiddens, sigma)
        self.num_hiddens = self.f_rnn.num_hiddens + self.b_rnn.num_hiddens  # the output dimension

    def forward(self, inputs: Any, Hs: tuple | None = None) -> tuple[list, tuple]:
        """Run both directions and join their outputs step by step.

        Args:
            inputs: (num_steps, batch_size, num_inputs) Tensor or list of (batch_size, num_inputs).
            Hs: the pair (f_H, b_H) of the two layers' states, or None for zeros.

        Returns:
            (outputs, (f_H, b_H)): a list of num_steps Tensors (batch_size, h_f + h_b) with
            outputs[t] = [->H_t, <-H_t], and both final states (b_H is the state after
            reading x_1).
        """
        steps = time_steps(inputs, self.num_inputs, "BiRNNScratch")
        if Hs is None:
            Hs = (None, None)
        elif not isinstance(Hs, (tuple, list)) or len(Hs) != 2:
            raise ValueError(f"BiRNNScratch: Hs must be the pair (f_H, b_H), got {type(Hs).__name__}")
        f_H, b_H = Hs
        f_outputs, f_H = self.f_rnn(steps, f_H)
        b_outputs, b_H = self.b_rnn(list(reversed(steps)), b_H)
        outputs = [cat((f, b), -1) for f, b in zip(f_outputs, reversed(b_outputs))]
        return outputs, (f_H, b_H)
