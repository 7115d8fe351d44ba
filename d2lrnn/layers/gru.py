"""``GRUCell`` and ``GRU``: gated recurrent units, with Keras's gate order z, r, h.

Weights: kernel (D, 3U), recurrent_kernel (U, 3U) with blocks z (update), r (reset),
h (candidate). PyTorch orders them r, z, n: convert with care.

reset_after=True (default; cuDNN/PyTorch form): bias (2, 3U), row 0 = b_x, row 1 = b_h;
    a = x_t W + b_x,  m = h_{t-1} W_rec + b_h
    z, r = sigma(a_z + m_z), sigma(a_r + m_r);  h~ = phi(a_h + r * m_h)
reset_after=False (the original GRU, as in the d2l book): bias (3U,);
    a = x_t W + b;  z, r as above without b_h;  h~ = phi(a_h + (r * h_{t-1}) W_rec_h)
Both: h_t = z * h_{t-1} + (1 - z) * h~   (z weighs the OLD state).
Parameters: 3 U (D + U) + 6U (reset_after) or 3 (U (D + U) + U).
"""
from __future__ import annotations

from typing import Any

from .. import kernels
from ..autograd import Tensor
from ..nn.cell_equations import gru_blend, gru_gates
from .builtin_rnn import BuiltinRNN
from .builtin_rnn_cell import BuiltinRNNCell, constructor_arguments
from .dropout_rnn_cell import gate_blocks, gate_inputs, per_gate


class GRUCell(BuiltinRNNCell):
    """One GRU step on a batch: inputs (B, D), states [h] (B, U) -> (h_t, [h_t]).

    Args follow ``keras.layers.GRUCell``: units, activation='tanh', recurrent_activation=
    'sigmoid', use_bias=True, the three initializers, regularizers and constraints, dropout,
    recurrent_dropout (one mask per gate when > 0), seed, reset_after=True.
    """

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 seed: int | None = None, implementation: int = 2, **kwargs: Any) -> None:
        super().__init__(**constructor_arguments(locals(), leaving_out=("reset_after", "implementation")))
        self.reset_after = bool(reset_after)
        self.set_implementation(implementation, gates=3)
        self.state_size = self.units

    def build(self, input_shape: tuple) -> None:
        bias_shape = (2, 3 * self.units) if self.reset_after else None  # rows b_x, b_h
        self.add_cell_weights(input_shape[-1], gates=3, bias_shape=bias_shape)

    def call(self, inputs: Tensor, states: Any, training: bool = False) -> tuple:
        """inputs (B, D), states [h_{t-1}] (or a bare h_{t-1}) -> (h_t, [h_t])."""
        single = isinstance(states, Tensor)
        h_prev = states if single else states[0]
        x = gate_inputs(inputs, self.get_dropout_mask, self.input_dropout_applies(training))
        h = gate_inputs(h_prev, self.get_recurrent_dropout_mask, self.recurrent_dropout_applies(training))
        input_bias, recurrent_bias = self._biases()
        a_z, a_r, a_h = gate_blocks([(x, self.kernel)], input_bias, 3)
        if self.reset_after:  # r scales the candidate's recurrent product, bias included
            m_z, m_r, m_h = gate_blocks([(h, self.recurrent_kernel)], recurrent_bias, 3)
            z, r = gru_gates(a_z + m_z, a_r + m_r, self.recurrent_activation)
            candidate = self.activation(a_h + r * m_h)
        else:  # the book's GRU: r scales h_{t-1} before its product with the candidate's block
            h_z, h_r, h_h = per_gate(h, 3)
            kernel_z, kernel_r, kernel_h = self.recurrent_kernel.split(3, axis=1)
            z, r = gru_gates(a_z + h_z @ kernel_z, a_r + h_r @ kernel_r, self.recurrent_activation)
            candidate = self.activation(a_h + (r * h_h) @ kernel_h)
        h_new = gru_blend(z, h_prev, candidate)
        return h_new, (h_new if single else [h_new])

    def _biases(self) -> tuple:
        """(input bias, recurrent bias): rows b_x, b_h with reset_after; (bias, None) otherwise."""
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def cell_arguments(self) -> dict:
        return {**super().cell_arguments(), "reset_after": self.reset_after}

    def fused_sequence(self, x: Tensor, states: list, **options: Any) -> tuple:
        input_bias, recurrent_bias = self._biases()
        outputs, h = kernels.gru_sequence(x, states[0], self.kernel, self.recurrent_kernel, input_bias,
                                          recurrent_bias, **options)
        return outputs, [h]

    def fused_bidirectional(self, x: Tensor, states: list, backward: "GRUCell", backward_states: list,
                            **options: Any) -> tuple:
        outputs, h_f, h_b = kernels.gru_bidirectional(
            x, (states[0], self.kernel, self.recurrent_kernel, *self._biases()),
            (backward_states[0], backward.kernel, backward.recurrent_kernel, *backward._biases()), **options)
        return outputs, [h_f], [h_b]

    def fused_unavailable_reason(self) -> str | None:
        reason = super().fused_unavailable_reason()
        if reason is None and not self.reset_after:
            return "reset_after=False (the kernel applies the reset gate after the recurrent matmul)"
        return reason


class GRU(BuiltinRNN):
    """Gated Recurrent Unit over a whole sequence: ``RNN(GRUCell(...))`` in one layer.

    Input (batch, time, features) -> (batch, units), or (batch, time, units) with
    ``return_sequences=True``; ``return_state=True`` adds the final h: (output, h).
    Arguments and defaults are Keras 3's (see GRUCell and RNN); ``use_fused`` replaces
    ``use_cudnn`` (which is accepted too).
    """

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, reset_after: bool = True,
                 use_fused: bool | None = None, **kwargs: Any) -> None:
        super().__init__(GRUCell, constructor_arguments(locals()))

