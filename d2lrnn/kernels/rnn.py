"""Fused Elman RNN over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (phi = tanh or relu):

    h_t = phi(x_t W_x + h_{t-1} W_h + b)

Backward through one step, given dh (the gradient reaching h_t):

    dz = dh * phi'(.)     with phi' = 1 - h_t^2 (tanh) or [h_t > 0] (relu), from the saved h_t
    dh_{t-1} = dz W_h^T

The derivatives phi' of all steps are computed at once before the loop; the weight
gradients are one matmul each after it. R = 1 or 2 directions run in one loop (see
``sequence``): one batched matmul per step over the stacked (R, B, H) states.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (apply_bidirectional, check_arguments, direction_groups, direction_masks, input_gradient,
                       length_mask, output_gradients, sequence_outputs, stacked_inputs, workspace)

ACTIVATIONS = ("tanh", "relu")
PER_DIRECTION = 4  # h0, W_x, W_h, b


class RNNSequence(Function):
    """Elman RNN over a sequence in 1 or 2 directions; gradients of x and of every direction's
    h0, W_x, W_h, b by backpropagation through time."""

    def forward(self, x, *directions, mask, reverse, zero_masked_outputs, activation):
        xp = self.xp
        T, B, _ = x.shape
        R = len(reverse)
        h0, W_x, W_h, b = (xp.stack(arrays) for arrays in zip(*direction_groups(directions, PER_DIRECTION)))
        H = h0.shape[-1]
        inputs = stacked_inputs(xp, x, reverse)  # (R, T*B, D + 1)
        W_in = xp.concatenate([W_x, b[:, None, :]], axis=1)  # the bias as the last row
        projected = workspace.empty(xp, (R, T, B, H), x.dtype)
        xp.matmul(inputs, W_in, out=projected.reshape(R, T * B, H))
        hs = workspace.empty(xp, (R, T + 1, B, H), x.dtype)  # hs[:, s]: the state before step s
        hs[:, 0] = h0
        recurrent = xp.empty((R, B, H), dtype=x.dtype)
        masks = direction_masks(xp, mask, reverse)  # (R, T, B, 1)
        padded = None if masks is None else ~masks
        on_gpu = cupy_kernels.applies_to(x)
        for s in range(T):
            h = hs[:, s + 1]
            if on_gpu:
                xp.matmul(hs[:, s], W_h, out=recurrent)
                cupy_kernels.rnn_step(projected[:, s], recurrent, hs[:, s], True if masks is None else masks[:, s],
                                      activation == "relu", h)
                continue
            xp.matmul(hs[:, s], W_h, out=h)
            xp.add(h, projected[:, s], out=h)
            if activation == "tanh":
                xp.tanh(h, out=h)
            else:
                xp.maximum(h, 0, out=h)
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(h, hs[:, s], where=padded[:, s])

        self.save(inputs, hs, W_x, W_h, mask, masks, reverse, zero_masked_outputs, activation)
        Y = sequence_outputs(xp, [hs[r, 1:] for r in range(R)], reverse, mask, zero_masked_outputs)
        return (Y, *[hs[r, T].copy() for r in range(R)])

    def backward(self, d_outputs, *dh_n):
        xp = self.xp
        inputs, hs, W_x, W_h, mask, masks, reverse, zero_masked_outputs, activation = self.saved
        R, T, B, H = hs.shape[0], hs.shape[1] - 1, hs.shape[2], hs.shape[3]
        D = W_x.shape[1]
        dtype = hs.dtype
        outputs = hs[:, 1:]
        if activation == "tanh":
            slopes = 1 - outputs * outputs
        else:
            slopes = (outputs > 0).astype(dtype)
        padded = None
        if masks is not None:
            # A padded step passes dh straight through and contributes no gradient of its own.
            slopes *= masks
            padded = ~masks
        d_out = output_gradients(xp, d_outputs, reverse, mask, zero_masked_outputs)  # (R, T, B, H)

        dz = workspace.empty(xp, (R, T, B, H), dtype)  # gradients of the pre-activations
        dh = xp.stack(dh_n).astype(dtype, copy=False)
        dh_previous = xp.empty_like(dh)
        W_h_T = W_h.transpose(0, 2, 1)
        for s in range(T - 1, -1, -1):
            xp.add(dh, d_out[:, s], out=dh)
            xp.multiply(dh, slopes[:, s], out=dz[:, s])
            xp.matmul(dz[:, s], W_h_T, out=dh_previous)
            if padded is not None:
                xp.copyto(dh_previous, dh, where=padded[:, s])
            dh, dh_previous = dh_previous, dh

        flat_dz = dz.reshape(R, T * B, H)
        dx = None
        if self.needs_input_grad[0]:
            dx = input_gradient(xp.matmul(flat_dz, W_x.transpose(0, 2, 1)).reshape(R, T, B, D), reverse)
        dW_in = xp.matmul(inputs.transpose(0, 2, 1), flat_dz)  # rows dW_x, then db (the ones column)
        dW_h = xp.matmul(hs[:, :T].reshape(R, T * B, H).transpose(0, 2, 1), flat_dz)
        grads = [dx]
        for r in range(R):
            grads += [dh[r], dW_in[r, :D], dW_h[r], dW_in[r, D]]
        return tuple(grads)


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
    return RNNSequence.apply(x, h0, W_x, W_h, b, mask=mask, reverse=(bool(reverse),),
                             zero_masked_outputs=bool(zero_masked_outputs), activation=activation)


def rnn_bidirectional(x: Tensor, forward: tuple, backward: tuple, *, lengths: Any = None,
                      zero_masked_outputs: bool = True, activation: str = "tanh") -> tuple[Tensor, Tensor, Tensor]:
    """Both directions of a bidirectional Elman RNN layer in one time loop.

    Args:
        x: inputs (T, B, D).
        forward, backward: each direction's (h0, W_x, W_h, b), shaped as for ``rnn_sequence``;
            the backward direction reads t = T-1 .. 0.
        lengths, zero_masked_outputs, activation: as for ``rnn_sequence``.

    Returns:
        (Y, h_f, h_b): Y (T, B, 2H) holds the forward outputs then the backward outputs of
        every time step; the final states are (B, H).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"rnn_bidirectional: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return apply_bidirectional(RNNSequence, "rnn_bidirectional", 1, x, forward, backward, ("h0",), ("b",), lengths,
                               zero_masked_outputs, activation=activation)
