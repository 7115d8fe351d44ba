"""Fused LSTM over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (gates packed along the last axis of W_x, W_h, b in the order i, f, g, o):

    i, f, g, o = split(x_t W_x + h_{t-1} W_h + b)          pre-activations, each (B, H)
    I, F, O = sigmoid(i, f, o),  G = tanh(g)
    c_t = F * c_{t-1} + I * G,   h_t = O * tanh(c_t)

Backward through one step, given dh (the gradient reaching h_t) and dc (reaching c_t):

    do = dh * tanh(c_t) * O (1 - O)
    dc += dh * O * (1 - tanh(c_t)^2)
    di = dc * G * I (1 - I),  df = dc * c_{t-1} * F (1 - F),  dg = dc * I * (1 - G^2)
    dh_{t-1} = [di, df, dg, do] W_h^T,  dc_{t-1} = dc * F

Everything that does not depend on dh or dc (the factors after ``dh *`` and ``dc *``) is
computed for all steps at once before the loop, so each step is a handful of products.
The weight gradients come after the loop, as one matmul each over all steps.

Inside, the gate blocks are rearranged to (o, i, f, g): the three sigmoid gates are then
adjacent (one tanh call and one affine map turn them into sigmoids), and so are the three
gates whose gradient is ``dc`` times a saved factor.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (check_arguments, first_slot, inverse_order, last_slot, length_mask, outputs_of,
                       previous_of, reorder_blocks, step_order)

TO_INTERNAL = (3, 0, 1, 2)  # internal block k is API block TO_INTERNAL[k]: o, i, f, g
TO_API = inverse_order(TO_INTERNAL)
SIGMOID_BLOCKS = 3  # o, i, f


class LSTMSequence(Function):
    """LSTM over a sequence; d/dx, dh0, dc0, dW_x, dW_h, db by backpropagation through time."""

    def forward(self, x, h0, c0, W_x, W_h, b, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, D = x.shape
        H = h0.shape[1]
        W_x = reorder_blocks(xp, W_x, TO_INTERNAL, H)
        W_h = reorder_blocks(xp, W_h, TO_INTERNAL, H)
        # sigmoid(z) = 0.5 tanh(z / 2) + 0.5: halving the sigmoid columns (exact in floating
        # point) lets one tanh call serve all four gates.
        halve = xp.ones(4 * H, dtype=x.dtype)
        halve[:SIGMOID_BLOCKS * H] = 0.5
        projected = (x.reshape(T * B, D) @ (W_x * halve)).reshape(T, B, 4 * H)
        projected += reorder_blocks(xp, b, TO_INTERNAL, H) * halve
        W_h_halved = W_h * halve

        gates = xp.empty((T, B, 4 * H), dtype=x.dtype)  # activations O, I, F, G of every step
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        cs = xp.empty((T + 1, B, H), dtype=x.dtype)
        tanh_c = xp.empty((T, B, H), dtype=x.dtype)
        hs[first_slot(T, reverse)] = h0
        cs[first_slot(T, reverse)] = c0
        recurrent = xp.empty((B, 4 * H), dtype=x.dtype)
        product = xp.empty((B, H), dtype=x.dtype)
        padded = None if mask is None else ~mask
        on_gpu = backend.is_gpu_array(x)
        for t, before, after in step_order(T, reverse):
            xp.matmul(hs[before], W_h_halved, out=recurrent)
            if on_gpu:
                cupy_kernels.lstm_step(projected[t], recurrent, cs[before], hs[before],
                                       True if mask is None else mask[t], gates[t], cs[after], tanh_c[t], hs[after])
                continue
            z = gates[t]
            xp.add(projected[t], recurrent, out=z)
            xp.tanh(z, out=z)
            sigmoids = z[:, :SIGMOID_BLOCKS * H]
            sigmoids *= 0.5
            sigmoids += 0.5
            o, i, f, g = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            c = cs[after]
            xp.multiply(f, cs[before], out=c)
            xp.multiply(i, g, out=product)
            c += product
            xp.tanh(c, out=tanh_c[t])
            xp.multiply(o, tanh_c[t], out=hs[after])
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(cs[after], cs[before], where=padded[t])
                xp.copyto(hs[after], hs[before], where=padded[t])

        self.save(x, hs, cs, gates, tanh_c, W_x, W_h, mask, reverse, zero_masked_outputs)
        outputs = outputs_of(hs, reverse)
        if mask is not None and zero_masked_outputs:
            outputs = outputs * mask
        return outputs, hs[last_slot(T, reverse)].copy(), cs[last_slot(T, reverse)].copy()

    def backward(self, d_outputs, dh_n, dc_n):
        xp = self.xp
        x, hs, cs, gates, tanh_c, W_x, W_h, mask, reverse, zero_masked_outputs = self.saved
        T, B, D = x.shape
        H = hs.shape[2]
        o, i, f, g = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]

        # Local derivatives of every step, computed at once (see the module docstring).
        factors = xp.empty((T, B, 4, H), dtype=x.dtype)
        factors[:, :, 0] = tanh_c * o * (1 - o)  # d o_pre = dh * this
        factors[:, :, 1] = g * i * (1 - i)  # d i_pre = dc * this
        factors[:, :, 2] = previous_of(cs, reverse) * f * (1 - f)  # d f_pre = dc * this
        factors[:, :, 3] = i * (1 - g * g)  # d g_pre = dc * this
        h_to_c = o * (1 - tanh_c * tanh_c)  # dc += dh * this
        c_to_c = f  # dc_{t-1} = dc * this
        padded = None
        if mask is not None:
            # A padded step passes dh and dc straight through and contributes no gate gradient.
            factors *= mask[..., None]
            h_to_c = h_to_c * mask
            c_to_c = xp.where(mask, f, 1)
            padded = ~mask
            if zero_masked_outputs:
                d_outputs = d_outputs * mask

        dz = xp.empty((T, B, 4 * H), dtype=x.dtype)  # gradients of the pre-activations
        dz_gates = dz.reshape(T, B, 4, H)
        dh = dh_n.astype(x.dtype, copy=True)
        dc = dc_n.astype(x.dtype, copy=True)
        dh_previous = xp.empty_like(dh)
        product = xp.empty_like(dh)
        W_h_T = W_h.T
        on_gpu = backend.is_gpu_array(x)
        for t, _, _ in reversed(step_order(T, reverse)):
            dh += d_outputs[t]
            if on_gpu:
                cupy_kernels.lstm_step_backward(dh, dc, factors[t, :, 0], factors[t, :, 1], factors[t, :, 2],
                                                factors[t, :, 3], h_to_c[t], c_to_c[t], dz_gates[t, :, 0],
                                                dz_gates[t, :, 1], dz_gates[t, :, 2], dz_gates[t, :, 3], product)
                dc, product = product, dc
            else:
                xp.multiply(dh, factors[t, :, 0], out=dz_gates[t, :, 0])
                xp.multiply(dh, h_to_c[t], out=product)
                dc += product
                xp.multiply(dc[:, None, :], factors[t, :, 1:], out=dz_gates[t, :, 1:])
                dc *= c_to_c[t]
            xp.matmul(dz[t], W_h_T, out=dh_previous)
            if padded is not None:
                xp.copyto(dh_previous, dh, where=padded[t])
            dh, dh_previous = dh_previous, dh

        flat_dz = dz.reshape(T * B, 4 * H)
        dx = (flat_dz @ W_x.T).reshape(T, B, D) if self.needs_input_grad[0] else None
        dW_x = x.reshape(T * B, D).T @ flat_dz
        dW_h = previous_of(hs, reverse).reshape(T * B, H).T @ flat_dz
        db = flat_dz.sum(axis=0)
        return (dx, dh, dc, reorder_blocks(xp, dW_x, TO_API, H), reorder_blocks(xp, dW_h, TO_API, H),
                reorder_blocks(xp, db, TO_API, H))


def lstm_sequence(x: Tensor, h0: Tensor, c0: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor, *,
                  lengths: Any = None, reverse: bool = False,
                  zero_masked_outputs: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """Run an LSTM over a whole time-major sequence in one fused, differentiable step.

    Args:
        x: inputs (T, B, D). h0, c0: initial states (B, H).
        W_x: (D, 4H), W_h: (H, 4H), b: (4H,), gate blocks in the order i, f, g, o
            (Keras and PyTorch agree; see ``layouts.lstm_from_torch`` for PyTorch's layout).
        lengths: None, or integers (B,) for right-padded batches: at steps t >= lengths[b]
            the state of sequence b is carried unchanged.
        reverse: run t = T-1 .. 0 (outputs stay at their time index).
        zero_masked_outputs: padded steps output zeros (True) or the carried state (False).

    Returns:
        (Y, h_n, c_n): Y (T, B, H) the hidden state of every step, h_n and c_n (B, H) the
        final states. Gradients flow to every Tensor argument.
    """
    T, B, _, _ = check_arguments("lstm_sequence", 4, x, {"h0": h0, "c0": c0}, W_x, W_h, {"b": b})
    mask = length_mask(lengths, T, B, backend.get_array_module(x.data))
    return LSTMSequence.apply(x, h0, c0, W_x, W_h, b, mask=mask, reverse=bool(reverse),
                              zero_masked_outputs=bool(zero_masked_outputs))
