"""``LSTMCell`` and ``LSTM``: long short-term memory, with Keras's packed gate layout.

Weights: kernel (D, 4U), recurrent_kernel (U, 4U), bias (4U,), each holding the gate blocks
in the order i (input), f (forget), g (candidate), o (output), like PyTorch and cuDNN.
One step, z = x_t W + h_{t-1} W_rec + b split into four blocks:

    i, f, o = sigma(z_i), sigma(z_f), sigma(z_o);  g = phi(z_g)
    c_t = f * c_{t-1} + i * g;   h_t = o * phi(c_t)       (the equations: nn.cell_equations)

The output is h_t and the states are [h_t, c_t] in that order. Parameters: 4 (U (D + U) + U).
"""
from __future__ import annotations

from typing import Any

import numpy

from .. import kernels
from ..autograd import Tensor
from ..nn.cell_equations import lstm_update
from .builtin_rnn import BuiltinRNN
from .builtin_rnn_cell import BuiltinRNNCell, constructor_arguments
from .dropout_rnn_cell import gate_blocks, gate_inputs


class LSTMCell(BuiltinRNNCell):
    """One LSTM step on a batch: inputs (B, D), states [h, c] (B, U) each -> (h_t, [h_t, c_t]).

    Args follow ``keras.layers.LSTMCell``: units, activation='tanh' (candidate and cell
    squashing), recurrent_activation='sigmoid' (gates), use_bias=True, the three initializers
    ('glorot_uniform', 'orthogonal', 'zeros'), unit_forget_bias=True (the forget block of the
    bias starts at exactly 1), regularizers and constraints, dropout and recurrent_dropout
    (variational masks; with recurrent_dropout > 0 one mask per gate, Keras's implementation 1),
    seed. The hidden Keras argument ``implementation`` (1 or 2) is accepted.
    """

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, implementation: int = 2, **kwargs: Any) -> None:
        super().__init__(**constructor_arguments(locals(), leaving_out=("unit_forget_bias", "implementation")))
        self.unit_forget_bias = bool(unit_forget_bias)
        self.set_implementation(implementation, gates=4)
        self.state_size = [self.units, self.units]

    def build(self, input_shape: tuple) -> None:
        forget_bias = self._forget_bias_initializer if self.unit_forget_bias else None
        self.add_cell_weights(input_shape[-1], gates=4, bias_initializer=forget_bias)

    def _forget_bias_initializer(self, shape: tuple, dtype: Any) -> numpy.ndarray:
        """[bias_initializer(U), ones(U), bias_initializer(2U)]: the forget block is set to 1, not shifted."""
        U = self.units
        return numpy.concatenate([self.bias_initializer((U,), dtype), numpy.ones((U,), dtype),
                                  self.bias_initializer((2 * U,), dtype)])

    def call(self, inputs: Tensor, states: list, training: bool = False) -> tuple:
        """inputs (B, D), states [h_{t-1}, c_{t-1}] -> (h_t, [h_t, c_t])."""
        h_prev, c_prev = states
        x = gate_inputs(inputs, self.get_dropout_mask, self.input_dropout_applies(training))
        h = gate_inputs(h_prev, self.get_recurrent_dropout_mask, self.recurrent_dropout_applies(training))
        i, f, g, o = gate_blocks([(x, self.kernel), (h, self.recurrent_kernel)], self.bias, 4)
        h, c = lstm_update(i, f, g, o, c_prev, self.activation, self.recurrent_activation)
        return h, [h, c]

    def cell_arguments(self) -> dict:
        return {**super().cell_arguments(), "unit_forget_bias": self.unit_forget_bias}

    def fused_sequence(self, x: Tensor, states: list, **options: Any) -> tuple:
        h0, c0 = states
        outputs, h, c = kernels.lstm_sequence(x, h0, c0, self.kernel, self.recurrent_kernel, self.bias, **options)
        return outputs, [h, c]

    def fused_bidirectional(self, x: Tensor, states: list, backward: "LSTMCell", backward_states: list,
                            **options: Any) -> tuple:
        outputs, forward_final, backward_final = kernels.lstm_bidirectional(
            x, (*states, self.kernel, self.recurrent_kernel, self.bias),
            (*backward_states, backward.kernel, backward.recurrent_kernel, backward.bias), **options)
        return outputs, list(forward_final), list(backward_final)


class LSTM(BuiltinRNN):
    """Long Short-Term Memory over a whole sequence: ``RNN(LSTMCell(...))`` in one layer.

    Input (batch, time, features) -> (batch, units), or (batch, time, units) with
    ``return_sequences=True``; ``return_state=True`` adds the final h and c: (output, h, c).
    Arguments and defaults are Keras 3's (see LSTMCell and RNN); ``use_fused`` replaces
    ``use_cudnn`` (which is accepted too).
    """

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, use_fused: bool | None = None, **kwargs: Any) -> None:
        super().__init__(LSTMCell, constructor_arguments(locals()))

