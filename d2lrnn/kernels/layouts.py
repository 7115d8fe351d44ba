"""Adapters from PyTorch's weight layout to the kernels' layout, built from Tensor ops.

PyTorch stores ``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), ``bias_ih`` and ``bias_hh``
(G*H,), and orders the GRU gates r, z, n. The kernels take W_x (D, G*H), W_h (H, G*H) and
the Keras gate order (LSTM i, f, g, o, the same in both; GRU z, r, n). Because the
conversion is made of differentiable ops (transpose, split, concat, add), gradients
computed by a kernel flow back to the original PyTorch-layout parameters.

A missing bias (``None``, PyTorch's ``bias=False``) becomes a constant zero vector.
"""
from __future__ import annotations

from ..autograd import Tensor, concat, zeros


def _check(kernel: str, gates: int, weight_ih: Tensor, weight_hh: Tensor, biases: dict) -> int:
    """Validate PyTorch-layout shapes; returns H."""
    if weight_hh.ndim != 2 or weight_hh.shape[0] != gates * weight_hh.shape[1]:
        raise ValueError(f"{kernel}: weight_hh must have shape ({gates}*H, H), got shape {tuple(weight_hh.shape)}")
    H = weight_hh.shape[1]
    if weight_ih.ndim != 2 or weight_ih.shape[0] != gates * H:
        raise ValueError(f"{kernel}: weight_ih must have shape ({gates * H}, input_size) for H = {H}, "
                         f"got shape {tuple(weight_ih.shape)}")
    for name, bias in biases.items():
        if bias is not None and tuple(bias.shape) != (gates * H,):
            raise ValueError(f"{kernel}: {name} must have shape ({gates * H},), got shape {tuple(bias.shape)}")
    return H


def _zeros_like_bias(weight_hh: Tensor) -> Tensor:
    return zeros(weight_hh.shape[0], dtype=weight_hh.dtype, device=weight_hh.device)


def _r_z_n_to_z_r_n(packed: Tensor, H: int) -> Tensor:
    """Swap the first two gate blocks along axis 0: PyTorch's (r, z, n) -> Keras's (z, r, n)."""
    return concat([packed[H:2 * H], packed[:H], packed[2 * H:]], axis=0)


def rnn_from_torch(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
                   bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """PyTorch RNN weights (H, D), (H, H), (H,), (H,) -> (W_x (D, H), W_h (H, H), b (H,)).

    The two biases are always added inside the activation, so they merge into one.
    """
    _check("rnn_from_torch", 1, weight_ih, weight_hh, {"bias_ih": bias_ih, "bias_hh": bias_hh})
    return weight_ih.T, weight_hh.T, _merged_bias(weight_hh, bias_ih, bias_hh)


def lstm_from_torch(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
                    bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """PyTorch LSTM weights (4H, D), (4H, H), (4H,), (4H,) -> (W_x (D, 4H), W_h (H, 4H), b (4H,)).

    The gate order i, f, g, o is the same in PyTorch and the kernel; the biases merge.
    """
    _check("lstm_from_torch", 4, weight_ih, weight_hh, {"bias_ih": bias_ih, "bias_hh": bias_hh})
    return weight_ih.T, weight_hh.T, _merged_bias(weight_hh, bias_ih, bias_hh)


def gru_from_torch(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
                   bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """PyTorch GRU weights (3H, D), (3H, H), (3H,), (3H,), gates r, z, n ->
    (W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)), gates z, r, n.

    The biases stay apart: b_h's candidate block is multiplied by the reset gate.
    """
    H = _check("gru_from_torch", 3, weight_ih, weight_hh, {"bias_ih": bias_ih, "bias_hh": bias_hh})
    b_x = _zeros_like_bias(weight_hh) if bias_ih is None else _r_z_n_to_z_r_n(bias_ih, H)
    b_h = _zeros_like_bias(weight_hh) if bias_hh is None else _r_z_n_to_z_r_n(bias_hh, H)
    return _r_z_n_to_z_r_n(weight_ih, H).T, _r_z_n_to_z_r_n(weight_hh, H).T, b_x, b_h


def _merged_bias(weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None) -> Tensor:
    present = [b for b in (bias_ih, bias_hh) if b is not None]
    if not present:
        return _zeros_like_bias(weight_hh)
    return present[0] if len(present) == 1 else present[0] + present[1]
