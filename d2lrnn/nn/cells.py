"""One time step of a recurrent network, as PyTorch's ``nn.RNNCell``, ``nn.LSTMCell`` and ``nn.GRUCell``.

Parameters have PyTorch's names, shapes and gate order, so ``load_state_dict`` accepts a
PyTorch cell's weights: ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih``
and ``bias_hh`` (G*H,), G = 1, 4 (i, f, g, o), 3 (r, z, n); all drawn from
U(-1/sqrt(H), 1/sqrt(H)). With ``bias=False`` the two biases are None.

    RNNCell:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)          (or relu)
    LSTMCell: i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)
              c' = sigmoid(f) * c + sigmoid(i) * tanh(g),  h' = sigmoid(o) * tanh(c')
    GRUCell:  r, z = sigmoid(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z})
              n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))     (reset after the product)
              h' = z * h + (1 - z) * n

Inputs are (batch, input_size), or unbatched (input_size,); states (batch, H) or (H,).
A missing state starts at zeros. Each cell is built from engine ops, so gradients reach
every parameter, the input and the state.
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd import Tensor, zeros
from ..autograd.functional import relu, tanh
from ..checks import check_positive_int
from . import init
from .cell_equations import gru_blend, gru_gates, lstm_update
from .module import Module, Parameter


class RNNCellBase(Module):
    """What the three cells share: PyTorch-layout parameters and the input and state checks."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: str | None = None,
                 dtype: Any = None) -> None:
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = bool(bias)
        G, H = self.gates, hidden_size
        bound = 1.0 / math.sqrt(H)

        def parameter(*shape: int) -> Parameter:
            return init.uniform_(Parameter(zeros(*shape, dtype=dtype or "float32", device=device)), -bound, bound)

        self.weight_ih = parameter(G * H, input_size)
        self.weight_hh = parameter(G * H, H)
        self.bias_ih = parameter(G * H) if bias else None
        self.bias_hh = parameter(G * H) if bias else None

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        """``x`` as a (batch, input_size) Tensor of the weights' dtype, and whether it was batched."""
        name = type(self).__name__
        dtype = self.weight_ih.dtype
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=dtype, device=self.weight_ih.device)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input must have shape (batch, {self.input_size}) or, unbatched, "
                             f"({self.input_size},) (input_size={self.input_size}), got shape {x.shape}")
        if x.dtype != dtype:
            raise TypeError(f"{name}: input has dtype {x.dtype} but the parameters have dtype {dtype}; "
                            f"convert it with x.astype('{dtype}')")
        return (x, True) if x.ndim == 2 else (x.reshape(1, self.input_size), False)

    def _state(self, state: Any, x: Tensor, batched: bool, label: str) -> Tensor:
        """A state as (batch, hidden_size), zeros when None, checked against the input."""
        name = type(self).__name__
        shape = (x.shape[0], self.hidden_size)
        if state is None:
            return zeros(*shape, dtype=x.dtype, device=x.device)
        if not isinstance(state, Tensor):
            state = Tensor(state, dtype=x.dtype, device=x.device)
        expected = shape if batched else (self.hidden_size,)
        if state.shape != expected:
            raise ValueError(f"{name}: {label} must have shape {expected} "
                             f"({'batch, ' if batched else ''}hidden_size), got shape {state.shape}")
        if state.dtype != x.dtype:
            raise TypeError(f"{name}: {label} has dtype {state.dtype} but the input has dtype {x.dtype}")
        return state.reshape(shape)

    def _projections(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """x W_ih^T + b_ih and h W_hh^T + b_hh, each (batch, G*H)."""
        x_part, h_part = x @ self.weight_ih.T, h @ self.weight_hh.T
        if self.bias:
            x_part, h_part = x_part + self.bias_ih, h_part + self.bias_hh
        return x_part, h_part

    @staticmethod
    def _unbatch(state: Tensor, batched: bool) -> Tensor:
        return state if batched else state.reshape(state.shape[1])

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"


class RNNCell(RNNCellBase):
    """Elman cell h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), or relu with ``nonlinearity='relu'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: str | None = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        """(batch, input_size), h (batch, H) -> h' (batch, H); unbatched (input_size,) -> (H,)."""
        x, batched = self._input(input)
        h = self._state(hx, x, batched, "hx")
        x_part, h_part = self._projections(x, h)
        activation = tanh if self.nonlinearity == "tanh" else relu
        return self._unbatch(activation(x_part + h_part), batched)

    def __repr__(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else ", nonlinearity='relu'"
        return super().__repr__()[:-1] + extra + ")"


class LSTMCell(RNNCellBase):
    """LSTM cell with gates i, f, g, o packed in PyTorch's order; returns (h', c')."""

    gates = 4

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        """(batch, input_size), (h, c) each (batch, H) -> (h', c'); unbatched inputs give (H,) states."""
        x, batched = self._input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTMCell: hx must be the pair (h, c), got {type(hx).__name__}")
        h = self._state(hx[0], x, batched, "h")
        c = self._state(hx[1], x, batched, "c")
        x_part, h_part = self._projections(x, h)
        i, f, g, o = (x_part + h_part).split(4, axis=1)
        h_new, c_new = lstm_update(i_pre=i, f_pre=f, g_pre=g, o_pre=o, c_prev=c)
        return self._unbatch(h_new, batched), self._unbatch(c_new, batched)


class GRUCell(RNNCellBase):
    """GRU cell with gates r, z, n in PyTorch's order, the reset gate applied after the recurrent product."""

    gates = 3

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        """(batch, input_size), h (batch, H) -> h' (batch, H); unbatched (input_size,) -> (H,)."""
        x, batched = self._input(input)
        h = self._state(hx, x, batched, "hx")
        x_part, h_part = self._projections(x, h)
        x_r, x_z, x_n = x_part.split(3, axis=1)
        h_r, h_z, h_n = h_part.split(3, axis=1)
        z, r = gru_gates(z_pre=x_z + h_z, r_pre=x_r + h_r)
        n = tanh(x_n + r * h_n)
        return self._unbatch(gru_blend(z, h, n), batched)


__all__ = ["RNNCell", "LSTMCell", "GRUCell"]
