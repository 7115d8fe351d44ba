"""The fast path: fused whole-sequence RNN, LSTM and GRU with hand-written BPTT.

Each kernel is one engine Function over the whole time-major sequence: all input projections
in one matmul before the loop, one recurrent matmul per step with the gates packed, and the
weight gradients accumulated in one matmul after the loop. They run on NumPy, and on CuPy
with the element-wise gate math fused into CuPy kernels.

- ``rnn_sequence(x, h0, W_x, W_h, b, *, lengths, reverse, zero_masked_outputs, activation)``
- ``lstm_sequence(x, h0, c0, W_x, W_h, b, *, lengths, reverse, zero_masked_outputs)``
- ``gru_sequence(x, h0, W_x, W_h, b_x, b_h, *, lengths, reverse, zero_masked_outputs)``
- ``rnn_bidirectional``, ``lstm_bidirectional``, ``gru_bidirectional``: both directions of a
  bidirectional layer in one time loop (stacked states, one batched matmul per step).
- ``layouts``: PyTorch-layout weights -> kernel layout, differentiably.
"""
from . import layouts
from .gru import gru_bidirectional, gru_sequence
from .lstm import lstm_bidirectional, lstm_sequence
from .rnn import rnn_bidirectional, rnn_sequence

__all__ = ["rnn_sequence", "lstm_sequence", "gru_sequence", "rnn_bidirectional", "lstm_bidirectional",
           "gru_bidirectional", "layouts"]
