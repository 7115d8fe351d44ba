"""Fused GRU over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (gates packed along the last axis in the Keras order z, r, n; the reset gate acts
after the recurrent matmul, as Keras ``reset_after=True`` and PyTorch):

    z, r = sigmoid(x_t W_x + b_x + h_{t-1} W_h + b_h)      (their blocks)
    m = h_{t-1} W_hn + b_hn                                 the candidate's recurrent part
    n = tanh(x_t W_xn + b_xn + r * m)
    h_t = z * h_{t-1} + (1 - z) * n

Backward through one step, given dh (the gradient reaching h_t):

    dz_pre = dh * (h_{t-1} - n) * z (1 - z)
    dn_pre = dh * (1 - z) * (1 - n^2)
    dr_pre = dn_pre * m * r (1 - r),    dm = dn_pre * r
    dh_{t-1} = dh * z + [dz_pre, dr_pre, dm] W_h^T

The input side (W_x, b_x, x) sees [dz_pre, dr_pre, dn_pre]; the recurrent side (W_h, b_h,
h_{t-1}) sees [dz_pre, dr_pre, dm]. Factors that do not depend on dh are computed for all
steps before the loop; weight gradients are one matmul each after it.

Inside, the blocks are rearranged to PyTorch's order (r, z, n): the two sigmoid gates are
adjacent (one tanh call serves both), and so are z and n, whose gradients are dh times a
saved factor.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (check_arguments, first_slot, inverse_order, last_slot, length_mask, outputs_of,
                       previous_of, reorder_blocks, step_order)

TO_INTERNAL = (1, 0, 2)  # internal block k is API block TO_INTERNAL[k]: r, z, n
TO_API = inverse_order(TO_INTERNAL)
SIGMOID_BLOCKS = 2  # r, z


class GRUSequence(Function):
    """GRU over a sequence; d/dx, dh0, dW_x, dW_h, db_x, db_h by backpropagation through time."""

    def forward(self, x, h0, W_x, W_h, b_x, b_h, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, D = x.shape
        H = h0.shape[1]
        W_x = reorder_blocks(xp, W_x, TO_INTERNAL, H)
        W_h = reorder_blocks(xp, W_h, TO_INTERNAL, H)
        b_x = reorder_blocks(xp, b_x, TO_INTERNAL, H)
        b_h = reorder_blocks(xp, b_h, TO_INTERNAL, H)
        # sigmoid(z) = 0.5 tanh(z / 2) + 0.5: the r and z columns are halved (exactly).
        halve = xp.ones(3 * H, dtype=x.dtype)
        halve[:SIGMOID_BLOCKS * H] = 0.5
        bias = b_x.copy()
        bias[:2 * H] += b_h[:2 * H]  # b_h's r and z blocks simply add; its n block sits inside r * m
        projected = (x.reshape(T * B, D) @ (W_x * halve)).reshape(T, B, 3 * H)
        projected += bias * halve
        W_h_halved = W_h * halve
        b_hn = b_h[2 * H:]

        gates = xp.empty((T, B, 3 * H), dtype=x.dtype)  # activations r, z, n of every step
        hn = xp.empty((T, B, H), dtype=x.dtype)  # m = h_{t-1} W_hn + b_hn of every step
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        hs[first_slot(T, reverse)] = h0
        recurrent = xp.empty((B, 3 * H), dtype=x.dtype)
        padded = None if mask is None else ~mask
        on_gpu = backend.is_gpu_array(x)
        for t, before, after in step_order(T, reverse):
            xp.matmul(hs[before], W_h_halved, out=recurrent)
            if on_gpu:
                cupy_kernels.gru_step(projected[t], recurrent, b_hn, hs[before], True if mask is None else mask[t],
                                      gates[t], hn[t], hs[after])
                continue
            rz = gates[t, :, :2 * H]
            xp.add(projected[t, :, :2 * H], recurrent[:, :2 * H], out=rz)
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            xp.add(recurrent[:, 2 * H:], b_hn, out=hn[t])
            xp.multiply(r, hn[t], out=n)
            n += projected[t, :, 2 * H:]
            xp.tanh(n, out=n)
            h = hs[after]
            xp.subtract(hs[before], n, out=h)  # h = n + z (h_prev - n)
            h *= z
            h += n
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(h, hs[before], where=padded[t])

        self.save(x, hs, gates, hn, W_x, W_h, mask, reverse, zero_masked_outputs)
        outputs = outputs_of(hs, reverse)
        if mask is not None and zero_masked_outputs:
            outputs = outputs * mask
        return outputs, hs[last_slot(T, reverse)].copy()

    def backward(self, d_outputs, dh_n):
        xp = self.xp
        x, hs, gates, hn, W_x, W_h, mask, reverse, zero_masked_outputs = self.saved
        T, B, D = x.shape
        H = hs.shape[2]
        r, z, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]

        # Local derivatives of every step, computed at once (see the module docstring).
        z_and_n = xp.empty((T, B, 2, H), dtype=x.dtype)
        z_and_n[:, :, 0] = (previous_of(hs, reverse) - n) * z * (1 - z)  # dz_pre = dh * this
        z_and_n[:, :, 1] = (1 - z) * (1 - n * n)  # dn_pre = dh * this
        r_and_m = xp.empty((T, B, 2, H), dtype=x.dtype)
        r_and_m[:, :, 0] = hn * r * (1 - r)  # dr_pre = dn_pre * this
        r_and_m[:, :, 1] = r  # dm = dn_pre * this
        z_carry = z  # dh_{t-1} = dh * this + the matmul
        if mask is not None:
            # A padded step passes dh straight through and contributes no gate gradient.
            z_and_n *= mask[..., None]
            z_carry = xp.where(mask, z, 1)
            if zero_masked_outputs:
                d_outputs = d_outputs * mask

        d_gates = xp.empty((T, B, 4 * H), dtype=x.dtype)  # blocks dr_pre, dz_pre, dm, dn_pre
        blocks = d_gates.reshape(T, B, 4, H)
        dh = dh_n.astype(x.dtype, copy=True)
        dh_direct = xp.empty_like(dh)
        recurrent_grad = xp.empty_like(dh)
        W_h_T = W_h.T
        on_gpu = backend.is_gpu_array(x)
        for t, _, _ in reversed(step_order(T, reverse)):
            dh += d_outputs[t]
            if on_gpu:
                cupy_kernels.gru_step_backward(dh, z_and_n[t, :, 0], z_and_n[t, :, 1], r_and_m[t, :, 0],
                                               r_and_m[t, :, 1], z_carry[t], blocks[t], dh_direct)
            else:
                xp.multiply(dh[:, None, :], z_and_n[t], out=blocks[t, :, 1::2])  # dz_pre, dn_pre
                xp.multiply(blocks[t, :, 3:], r_and_m[t], out=blocks[t, :, 0:3:2])  # dr_pre, dm
                xp.multiply(dh, z_carry[t], out=dh_direct)
            xp.matmul(d_gates[t, :, :3 * H], W_h_T, out=recurrent_grad)
            xp.add(dh_direct, recurrent_grad, out=dh)

        flat = d_gates.reshape(T * B, 4 * H)
        recurrent_side = flat[:, :3 * H]  # dr_pre, dz_pre, dm
        input_side = xp.concatenate([flat[:, :2 * H], flat[:, 3 * H:]], axis=1)  # dr_pre, dz_pre, dn_pre
        dx = (input_side @ W_x.T).reshape(T, B, D) if self.needs_input_grad[0] else None
        dW_x = x.reshape(T * B, D).T @ input_side
        dW_h = previous_of(hs, reverse).reshape(T * B, H).T @ recurrent_side
        return (dx, dh, reorder_blocks(xp, dW_x, TO_API, H), reorder_blocks(xp, dW_h, TO_API, H),
                reorder_blocks(xp, input_side.sum(axis=0), TO_API, H),
                reorder_blocks(xp, recurrent_side.sum(axis=0), TO_API, H))


def gru_sequence(x: Tensor, h0: Tensor, W_x: Tensor, W_h: Tensor, b_x: Tensor, b_h: Tensor, *,
                 lengths: Any = None, reverse: bool = False,
                 zero_masked_outputs: bool = True) -> tuple[Tensor, Tensor]:
    """Run a GRU (reset after the recurrent matmul) over a whole time-major sequence.

    Args:
        x: inputs (T, B, D). h0: initial state (B, H).
        W_x: (D, 3H), W_h: (H, 3H), b_x, b_h: (3H,), gate blocks in the Keras order z, r, n
            (see ``layouts.gru_from_torch`` for PyTorch's r, z, n layout).
        lengths: None, or integers (B,) for right-padded batches: at steps t >= lengths[b]
            the state of sequence b is carried unchanged.
        reverse: run t = T-1 .. 0 (outputs stay at their time index).
        zero_masked_outputs: padded steps output zeros (True) or the carried state (False).

    Returns:
        (Y, h_n): Y (T, B, H) the hidden state of every step, h_n (B, H) the final state.
        Gradients flow to every Tensor argument.
    """
    T, B, _, _ = check_arguments("gru_sequence", 3, x, {"h0": h0}, W_x, W_h, {"b_x": b_x, "b_h": b_h})
    mask = length_mask(lengths, T, B, backend.get_array_module(x.data))
    return GRUSequence.apply(x, h0, W_x, W_h, b_x, b_h, mask=mask, reverse=bool(reverse),
                             zero_masked_outputs=bool(zero_masked_outputs))
