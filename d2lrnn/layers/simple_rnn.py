"""``SimpleRNNCell`` and ``SimpleRNN``: the Elman RNN, h_t = phi(x_t W + b + h_{t-1} W_rec).

Weights (Keras layout, ``get_weights`` order): kernel (D, U), recurrent_kernel (U, U),
bias (U,). Parameters: U (D + U) + U.
"""
from __future__ import annotations

from typing import Any

from .. import kernels
from ..autograd import Tensor
from ..nn.cell_equations import rnn_update
from . import activations
from .builtin_rnn import BuiltinRNN
from .builtin_rnn_cell import BuiltinRNNCell, constructor_arguments


class SimpleRNNCell(BuiltinRNNCell):
    """One step of the Elman RNN on a batch: inputs (B, D), states [h (B, U)] -> (h_t, [h_t]).

    Args follow ``keras.layers.SimpleRNNCell``: units, activation='tanh', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', kernel/recurrent/bias regularizers and constraints,
    dropout=0.0 (on x_t), recurrent_dropout=0.0 (on h_{t-1}), seed=None (for the masks).
    """

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**constructor_arguments(locals()))
        self.state_size = self.units

    def build(self, input_shape: tuple) -> None:
        self.add_cell_weights(input_shape[-1], gates=1)

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        """inputs (B, D), states [h_{t-1}] (or a bare h_{t-1}) -> (h_t, [h_t])."""
        single = isinstance(states, Tensor)
        h_prev = states if single else states[0]
        if self.input_dropout_applies(training):
            inputs = inputs * self.get_dropout_mask(inputs)
        recurrent_input = h_prev
        if self.recurrent_dropout_applies(training):
            recurrent_input = h_prev * self.get_recurrent_dropout_mask(h_prev)
        pre = inputs @ self.kernel
        if self.bias is not None:
            pre = pre + self.bias
        h = rnn_update(pre + recurrent_input @ self.recurrent_kernel, self.activation)
        return h, (h if single else [h])

    def input_dropout_applies(self, training: bool) -> bool:
        """Unlike LSTM and GRU, a rate of 1 drops everything."""
        return bool(training) and self.dropout > 0

    def recurrent_dropout_applies(self, training: bool) -> bool:
        return bool(training) and self.recurrent_dropout > 0

    def fused_sequence(self, x: Tensor, states: list, **options: Any) -> tuple:
        outputs, h = kernels.rnn_sequence(x, states[0], self.kernel, self.recurrent_kernel, self.bias,
                                          activation=activations.serialize(self.activation), **options)
        return outputs, [h]

    def fused_bidirectional(self, x: Tensor, states: list, backward: "SimpleRNNCell", backward_states: list,
                            **options: Any) -> tuple:
        outputs, h_f, h_b = kernels.rnn_bidirectional(
            x, (states[0], self.kernel, self.recurrent_kernel, self.bias),
            (backward_states[0], backward.kernel, backward.recurrent_kernel, backward.bias),
            activation=activations.serialize(self.activation), **options)
        return outputs, [h_f], [h_b]

    def fused_unavailable_reason(self) -> str | None:
        if self.activation not in (activations.tanh, activations.relu):
            return (f"activation={activations.serialize(self.activation)!r} "
                    "(the kernels compute tanh, or relu for SimpleRNN)")
        return None


class SimpleRNN(BuiltinRNN):
    """A fully connected RNN over a whole sequence: ``RNN(SimpleRNNCell(...))`` in one layer.

    Input (batch, time, features) -> (batch, units), or (batch, time, units) with
    ``return_sequences=True``; ``return_state=True`` adds the final h. The arguments are
    Keras's (see SimpleRNNCell and RNN), plus ``use_fused`` (see ``RNN``). As in Keras,
    ``activity_regularizer`` is accepted; unlike Keras 3 (which drops it silently) it is applied.
    """

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, seed: int | None = None,
                 use_fused: bool | None = None, **kwargs: Any) -> None:
        super().__init__(SimpleRNNCell, constructor_arguments(locals()))

