"""Fused Elman RNN over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (phi = tanh or relu):

    h_t = phi(x_t W_x + h_{t-1} W_h + b)

Backward through one step, given dh (the gradient reaching h_t):

    dz = dh * phi'(.)     with phi' = 1 - h_t^2 (tanh) or [h_t > 0] (relu), from the saved h_t
    dh_{t-1} = dz W_h^T

The derivatives phi' of all steps are computed at once before the loop; the weight
gradients are one matmul each after it.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (check_arguments, first_slot, last_slot, length_mask, output_gradient, outputs_of,
                       previous_of, step_order, visible_outputs, with_ones_column)

ACTIVATIONS = ("tanh", "relu")


class RNNSequence(Function):
    """Elman RNN over a sequence; d/dx, dh0, dW_x, dW_h, db by backpropagation through time."""

    def forward(self, x, h0, W_x, W_h, b, mask, reverse, zero_masked_outputs, activation):
        xp = self.xp
        T, B, D = x.shape
        H = h0.shape[1]
        inputs = with_ones_column(xp, x)
        W_in = xp.concatenate([W_x, b[None, :]], axis=0)  # the bias as the last row
        projected = (inputs @ W_in).reshape(T, B, H)
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        hs[first_slot(T, reverse)] = h0
        recurrent = xp.empty((B, H), dtype=x.dtype)
        padded = None if mask is None else ~mask
        on_gpu = cupy_kernels.applies_to(x)
        for t, before, after in step_order(T, reverse):
            h = hs[after]
            if on_gpu:
                xp.matmul(hs[before], W_h, out=recurrent)
                cupy_kernels.rnn_step(projected[t], recurrent, hs[before], True if mask is None else mask[t],
                                      activation == "relu", h)
                continue
            xp.matmul(hs[before], W_h, out=h)
            h += projected[t]
            if activation == "tanh":
                xp.tanh(h, out=h)
            else:
                xp.maximum(h, 0, out=h)
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(h, hs[before], where=padded[t])

        self.save(inputs, hs, W_x, W_h, mask, reverse, zero_masked_outputs, activation)
        outputs = visible_outputs(hs, reverse, mask, zero_masked_outputs)
        return outputs, hs[last_slot(T, reverse)].copy()

    def backward(self, d_outputs, dh_n):
        xp = self.xp
        inputs, hs, W_x, W_h, mask, reverse, zero_masked_outputs, activation = self.saved
        T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        D = W_x.shape[0]
        dtype = hs.dtype
        outputs = outputs_of(hs, reverse)
        if activation == "tanh":
            slopes = 1 - outputs * outputs
        else:
            slopes = (outputs > 0).astype(dtype)
        padded = None
        if mask is not None:
            # A padded step passes dh straight through and contributes no gradient of its own.
            slopes *= mask
            padded = ~mask
        d_outputs = output_gradient(d_outputs, mask, zero_masked_outputs)

        dz = xp.empty((T, B, H), dtype=dtype)  # gradients of the pre-activations
        dh = dh_n.astype(dtype, copy=True)
        dh_previous = xp.empty_like(dh)
        W_h_T = W_h.T
        for t, _, _ in reversed(step_order(T, reverse)):
            dh += d_outputs[t]
            xp.multiply(dh, slopes[t], out=dz[t])
            xp.matmul(dz[t], W_h_T, out=dh_previous)
            if padded is not None:
                xp.copyto(dh_previous, dh, where=padded[t])
            dh, dh_previous = dh_previous, dh

        flat_dz = dz.reshape(T * B, H)
        dx = (flat_dz @ W_x.T).reshape(T, B, D) if self.needs_input_grad[0] else None
        dW_in = inputs.T @ flat_dz  # rows dW_x, then db (the ones column)
        dW_h = previous_of(hs, reverse).reshape(T * B, H).T @ flat_dz
        return dx, dh, dW_in[:D], dW_h, dW_in[D]


def rnn_sequence(x: Tensor, h0: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor, *, lengths: Any = None,
                 reverse: bool = False, zero_masked_outputs: bool = True,
                 activation: str = "tanh") -> tuple[Tensor, Tensor]:
    """Run an Elman RNN over a whole time-major sequence in one fused, differentiable step.

    Args:
        x: inputs (T, B, D). h0: initial state (B, H).
        W_x: (D, H), W_h: (H, H), b: (H,).
        lengths: None, or integers (B,) for right-padded batches: at steps t >= lengths[b]
            the state of sequence b is carried unchanged.
        reverse: run t = T-1 .. 0 (outputs stay at their time index).
        zero_masked_outputs: padded steps output zeros (True) or the carried state (False).
        activation: 'tanh' or 'relu'.

    Returns:
        (Y, h_n): Y (T, B, H) the hidden state of every step, h_n (B, H) the final state.
        Gradients flow to every Tensor argument.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"rnn_sequence: activation must be one of {ACTIVATIONS}, got {activation!r}")
    T, B, _, _ = check_arguments("rnn_sequence", 1, x, {"h0": h0}, W_x, W_h, {"b": b})
    mask = length_mask(lengths, T, B, backend.get_array_module(x.data))
    return RNNSequence.apply(x, h0, W_x, W_h, b, mask=mask, reverse=bool(reverse),
                             zero_masked_outputs=bool(zero_masked_outputs), activation=activation)
