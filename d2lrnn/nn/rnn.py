"""Concise PyTorch-style recurrent layers: ``RNN``, ``LSTM`` and ``GRU``, on the fused kernels.

They take PyTorch's arguments and return what PyTorch returns:

    rnn = nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                  dropout=0.0, bidirectional=False)
    output, (h_n, c_n) = rnn(x, (h0, c0))      # GRU and RNN: output, h_n = rnn(x, h0)

with x (T, B, input_size) (B first if ``batch_first``; an unbatched (T, input_size) works
too), output (T, B, num_directions * H) and h_n, c_n (num_layers * num_directions, B, H).
Missing initial states are zeros.

x may also be a ``PackedSequence`` (``nn.utils.rnn``): a batch of sequences of different
lengths. The output is then packed the same way, and h_n, c_n hold each sequence's state
after its own last step (the backward direction starts at that last step), in the caller's
batch order. The packed batch runs on the same fused kernels, with their length mask.

The parameters have PyTorch's names, shapes, gate order and initialisation U(-1/sqrt(H),
1/sqrt(H)): ``weight_ih_l{k}`` (G*H, input of layer k), ``weight_hh_l{k}`` (G*H, H),
``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), and the same with ``_reverse`` for the backward
direction, G = 1, 4, 3. So ``load_state_dict(torch_model.state_dict())`` works.

Every layer runs one fused kernel (``d2lrnn.kernels``) on weights converted by
``d2lrnn.kernels.layouts``, so gradients arrive in the PyTorch-layout parameters. A
bidirectional layer runs both directions in one kernel call (``*_bidirectional``: one time
loop over stacked states); the backward direction's outputs stay at their time index, so the
output holds the two directions side by side along the feature axis, as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd import Tensor, functional, stack, zeros
from ..checks import check_positive_int
from ..kernels import (gru_bidirectional, gru_sequence, layouts, lstm_bidirectional, lstm_sequence,
                       rnn_bidirectional, rnn_sequence)
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence, batch_permutation, packed_rows, padded_sorted


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, argument checks and the layer/direction loop.

    Subclasses set ``gates`` (G) and ``state_count`` and define ``_run_kernel``.
    """

    gates = 1
    state_count = 1

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: str | None = None, dtype: Any = None) -> None:
        name = type(self).__name__
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1), got {dropout!r}")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size)
        G, H = self.gates, hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else H * self.num_directions
            for direction in range(self.num_directions):
                shapes = [(G * H, layer_input), (G * H, H)] + ([(G * H,), (G * H,)] if bias else [])
                for param_name, shape in zip(self._parameter_names(layer, direction), shapes):
                    param = Parameter(zeros(*shape, dtype=dtype or "float32", device=device))
                    setattr(self, param_name, init.uniform_(param, -bound, bound))

    def _parameter_names(self, layer: int, direction: int) -> list[str]:
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
        return names + [f"bias_ih{suffix}", f"bias_hh{suffix}"] if self.bias else names

    def _layer_weights(self, layer: int, direction: int) -> list:
        """weight_ih, weight_hh, bias_ih, bias_hh of one layer and direction (biases None without bias)."""
        weights = [getattr(self, name) for name in self._parameter_names(layer, direction)]
        return weights if self.bias else weights + [None, None]

    def _run_kernel(self, x: Tensor, states: list, weights: list, reverse: bool, lengths: Any = None) -> tuple:
        """Run one layer in one direction: returns (output (T, B, H), *final states (B, H)).

        ``lengths`` (B,) marks right-padded sequences: their states stop at their own last step.
        """
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _run_both(self, x: Tensor, forward: tuple, backward: tuple, lengths: Any = None) -> tuple:
        """Run both directions of one layer, each given as (states, weights): returns
        (output (T, B, 2H), forward final states, backward final states); ``lengths`` as for ``_run_kernel``."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _check_input(self, x: Any) -> Tensor:
        name = type(self).__name__
        dtype = self.weight_ih_l0.dtype
        if not isinstance(x, Tensor):  # arrays and lists go where the weights are
            x = Tensor(x, dtype=dtype, device=self.weight_ih_l0.device)
        if x.ndim not in (2, 3):
            layout = "(batch, time, features)" if self.batch_first else "(time, batch, features)"
            raise ValueError(f"{name}: input must have shape {layout} or, unbatched, (time, features), "
                             f"got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input must have {self.input_size} features (input_size) in its last axis, "
                             f"got shape {x.shape}")
        if x.dtype != dtype:
            raise TypeError(f"{name}: input has dtype {x.dtype} but the parameters have dtype {dtype}; "
                            f"convert it with x.astype('{dtype}')")
        return x

    def _initial_states(self, hx: Any, batch: int, batched: bool, x: Tensor) -> list:
        """The initial states as (num_layers * num_directions, B, H) Tensors (zeros when hx is None)."""
        name = type(self).__name__
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            return [zeros(*shape, dtype=x.dtype, device=x.device) for _ in range(self.state_count)]
        if self.state_count == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: the initial state must be a pair (h0, c0), got {type(hx).__name__}")
            parts, labels = list(hx), ["h0", "c0"]
        else:
            parts, labels = [hx], ["h0"]
        states = []
        for label, state in zip(labels, parts):
            if not isinstance(state, Tensor):
                state = Tensor(state, dtype=x.dtype, device=x.device)
            if state.dtype != x.dtype:
                raise TypeError(f"{name}: {label} has dtype {state.dtype} but the input has dtype {x.dtype}; "
                                f"convert it with {label}.astype('{x.dtype}')")
            expected = shape if batched else (shape[0], shape[2])
            if state.shape != expected:
                raise ValueError(f"{name}: {label} must have shape {expected} (num_layers * num_directions, "
                                 f"{'batch, ' if batched else ''}hidden_size), got shape {state.shape}")
            states.append(state if batched else state.reshape(shape))
        return states

    def forward(self, x: Any, hx: Any = None) -> tuple:
        """Run every layer and direction over the sequence; see the module docstring for shapes."""
        if isinstance(x, PackedSequence):
            return self._forward_packed(x, hx)
        x = self._check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        initial = self._initial_states(hx, x.shape[1], batched, x)
        output, states = self._run_layers(x, initial)
        if not batched:
            output = output.reshape(output.shape[0], output.shape[2])
            states = [s.reshape(s.shape[0], s.shape[2]) for s in states]
        elif self.batch_first:
            output = output.transpose(1, 0, 2)
        return self._result(output, states)

    def _forward_packed(self, sequence: PackedSequence, hx: Any) -> tuple:
        """A packed batch: unpacked to the sorted, right-padded form the kernels take, run, packed again."""
        name = type(self).__name__
        data = sequence.data
        if not isinstance(data, Tensor) or data.ndim != 2:
            shape = data.shape if isinstance(data, Tensor) else type(data).__name__
            raise ValueError(f"{name}: a PackedSequence's data must have shape (sum of lengths, {self.input_size}), "
                             f"got {shape}")
        self._check_input(data.reshape(1, *data.shape))  # features and dtype
        x, lengths = padded_sorted(sequence)
        initial = self._initial_states(hx, x.shape[1], True, x)
        sorted_order = batch_permutation(sequence.sorted_indices, x)
        if sorted_order is not None:  # hx comes in the caller's order, the kernels run sorted
            initial = [s[:, sorted_order] for s in initial]
        output, states = self._run_layers(x, initial, lengths)
        packed = PackedSequence(output[packed_rows(sequence, x)], sequence.batch_sizes, sequence.sorted_indices,
                                sequence.unsorted_indices)
        original_order = batch_permutation(sequence.unsorted_indices, x)
        if original_order is not None:
            states = [s[:, original_order] for s in states]
        return self._result(packed, states)

    def _run_layers(self, x: Tensor, initial: list, lengths: Any = None) -> tuple[Tensor, list]:
        """Every layer and direction over time-major x (T, B, D): (output (T, B, dirs * H), final states)."""
        finals: list[list] = [[] for _ in range(self.state_count)]
        layer_input = x
        for layer in range(self.num_layers):
            k = layer * self.num_directions
            if self.num_directions == 1:
                layer_input, *states = self._run_kernel(layer_input, [s[k] for s in initial],
                                                        self._layer_weights(layer, 0), reverse=False, lengths=lengths)
                per_direction = [states]
            else:  # both directions in one kernel call; its output holds forward then backward features
                layer_input, *per_direction = self._run_both(
                    layer_input, ([s[k] for s in initial], self._layer_weights(layer, 0)),
                    ([s[k + 1] for s in initial], self._layer_weights(layer, 1)), lengths=lengths)
            for states in per_direction:
                for final, state in zip(finals, states):
                    final.append(state)
            if layer < self.num_layers - 1:
                layer_input = functional.dropout(layer_input, self.dropout, self.training)
        return layer_input, [stack(final, axis=0) for final in finals]

    def _result(self, output: Any, states: list) -> tuple:
        return (output, states[0]) if self.state_count == 1 else (output, tuple(states))

    def __repr__(self) -> str:
        extras = "".join(f", {key}={getattr(self, key)!r}" for key, default in self._repr_defaults()
                         if getattr(self, key) != default)
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extras})"

    def _repr_defaults(self) -> list:
        return [("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                ("bidirectional", False)]


class RNN(RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), as torch.nn.RNN."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: str | None = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)

    def _run_kernel(self, x: Tensor, states: list, weights: list, reverse: bool, lengths: Any = None) -> tuple:
        return rnn_sequence(x, *states, *layouts.rnn_from_torch(*weights), reverse=reverse, lengths=lengths,
                            activation=self.nonlinearity)

    def _run_both(self, x: Tensor, forward: tuple, backward: tuple, lengths: Any = None) -> tuple:
        Y, h_f, h_b = rnn_bidirectional(x, (*forward[0], *layouts.rnn_from_torch(*forward[1])),
                                        (*backward[0], *layouts.rnn_from_torch(*backward[1])),
                                        lengths=lengths, activation=self.nonlinearity)
        return Y, [h_f], [h_b]

    def _repr_defaults(self) -> list:
        return [("nonlinearity", "tanh")] + super()._repr_defaults()


class LSTM(RNNBase):
    """LSTM with gates i, f, g, o, as torch.nn.LSTM (no ``proj_size``)."""

    gates = 4
    state_count = 2

    def _run_kernel(self, x: Tensor, states: list, weights: list, reverse: bool, lengths: Any = None) -> tuple:
        return lstm_sequence(x, *states, *layouts.lstm_from_torch(*weights), reverse=reverse, lengths=lengths)

    def _run_both(self, x: Tensor, forward: tuple, backward: tuple, lengths: Any = None) -> tuple:
        return lstm_bidirectional(x, (*forward[0], *layouts.lstm_from_torch(*forward[1])),
                                  (*backward[0], *layouts.lstm_from_torch(*backward[1])), lengths=lengths)


class GRU(RNNBase):
    """GRU with gates r, z, n and the reset gate applied after the recurrent matmul, as torch.nn.GRU."""

    gates = 3

    def _run_kernel(self, x: Tensor, states: list, weights: list, reverse: bool, lengths: Any = None) -> tuple:
        return gru_sequence(x, *states, *layouts.gru_from_torch(*weights), reverse=reverse, lengths=lengths)

    def _run_both(self, x: Tensor, forward: tuple, backward: tuple, lengths: Any = None) -> tuple:
        Y, h_f, h_b = gru_bidirectional(x, (*forward[0], *layouts.gru_from_torch(*forward[1])),
                                        (*backward[0], *layouts.gru_from_torch(*backward[1])), lengths=lengths)
        return Y, [h_f], [h_b]


__all__ = ["RNN", "LSTM", "GRU"]
