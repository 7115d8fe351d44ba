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
h_{t-1}) sees [dz_pre, dr_pre, dm]. Factors that do not depend on dh are computed for a
block of steps at once, from the saved activations; weight gradients are one matmul each
after the loop.

Inside, the forward pass keeps the gates as planes (see ``sequence.to_planes``) in PyTorch's
order r, z, n: the two sigmoid gates are adjacent (one exp call serves both). The backward
pass packs the gradients (one matmul per step).
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (backward_chunks, check_arguments, first_slot, last_slot, length_mask, output_gradient,
                       packed, previous_of, quiet_overflow, step_order, steps_per_chunk, to_api_order, to_planes,
                       visible_outputs, with_ones_column)

PLANES = (1, 0, 2)  # plane k holds API gate block PLANES[k]: r, z, n
RECURRENT_BLOCKS = (2, 1, 0)  # the recurrent-side gradient blocks n, r, z as API blocks


class GRUSequence(Function):
    """GRU over a sequence; d/dx, dh0, dW_x, dW_h, db_x, db_h by backpropagation through time."""

    def forward(self, x, h0, W_x, W_h, b_x, b_h, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, D = x.shape
        H = h0.shape[1]
        on_gpu = cupy_kernels.applies_to(x)
        W_x = to_planes(xp, W_x, PLANES, H)  # (3, D, H)
        W_h = to_planes(xp, W_h, PLANES, H)  # (3, H, H)
        b_x = to_planes(xp, b_x, PLANES, H)  # (3, H)
        b_h = to_planes(xp, b_h, PLANES, H)
        # sigmoid(a) = 1 / (1 + exp(-a)): the r and z weights are negated (exactly), so one
        # exp call serves both gates (exp is cheaper than tanh in NumPy).
        scale = xp.ones((3, 1, 1), dtype=x.dtype)
        scale[:2] = -1.0
        bias = b_x.copy()
        bias[:2] += b_h[:2]  # b_h's r and z parts simply add; its n part sits inside r * m
        inputs = with_ones_column(xp, x)
        W_in = xp.concatenate([W_x, bias[:, None, :]], axis=1)  # the bias as the last row
        projected = xp.matmul(inputs, W_in * scale).reshape(3, T, B, H)
        W_h_scaled = W_h * scale
        b_hn = b_h[2]

        # On the CPU the activations r, z, n of each step overwrite its pre-activations; the
        # GPU kernel writes them to a buffer of their own.
        gates = xp.empty_like(projected) if on_gpu else projected
        hn = xp.empty((T, B, H), dtype=x.dtype)  # m = h_{t-1} W_hn + b_hn of every step
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        hs[first_slot(T, reverse)] = h0
        recurrent = xp.empty((3, B, H), dtype=x.dtype)
        product = xp.empty((B, H), dtype=x.dtype)
        one = xp.ones((), dtype=x.dtype)  # (a Python number costs more per call)
        padded = None if mask is None else ~mask
        with quiet_overflow(xp):
            for t, before, after in step_order(T, reverse):
                xp.matmul(hs[before], W_h_scaled, out=recurrent)
                if on_gpu:
                    cupy_kernels.gru_step(projected[:, t], recurrent, b_hn, hs[before],
                                          True if mask is None else mask[t], gates[:, t], hn[t], hs[after])
                    continue
                rz = gates[:2, t]
                xp.add(rz, recurrent[:2], out=rz)
                xp.exp(rz, out=rz)
                xp.add(rz, one, out=rz)
                xp.reciprocal(rz, out=rz)
                r, z, n = gates[0, t], gates[1, t], gates[2, t]
                m = hn[t]
                xp.add(recurrent[2], b_hn, out=m)
                xp.multiply(r, m, out=product)
                n += product
                xp.tanh(n, out=n)
                h = hs[after]
                xp.subtract(hs[before], n, out=h)  # h = n + z (h_prev - n)
                h *= z
                h += n
                if padded is not None:  # past a sequence's end its state is carried unchanged
                    xp.copyto(h, hs[before], where=padded[t])

        self.save(inputs, hs, gates, hn, W_x, W_h, mask, reverse, zero_masked_outputs)
        outputs = visible_outputs(hs, reverse, mask, zero_masked_outputs)
        return outputs, hs[last_slot(T, reverse)].copy()

    def backward(self, d_outputs, dh_n):
        xp = self.xp
        inputs, hs, gates, hn, W_x, W_h, mask, reverse, zero_masked_outputs = self.saved
        _, B, H = hs.shape
        T, D = gates.shape[1], W_x.shape[1]
        dtype = hs.dtype
        d_outputs = output_gradient(d_outputs, mask, zero_masked_outputs)
        h_prev = previous_of(hs, reverse)
        chunk = steps_per_chunk(3 * B * H)
        dh_factors = xp.empty((2, chunk, B, H), dtype=dtype)  # dz_pre, dn_pre = dh * these
        dn_factors = xp.empty((2, chunk, B, H), dtype=dtype)  # dr_pre, dm = dn_pre * these
        # Gradients packed as blocks dm, dr_pre, dz_pre, dn_pre: the recurrent side (W_h, b_h,
        # h_{t-1}) reads the first three, the input side (W_x, b_x, x) the last three, each with
        # one matmul.
        d_gates = xp.empty((T, B, 4 * H), dtype=dtype)
        gate_blocks = d_gates.reshape(T, B, 4, H)
        W_h_T = packed(xp, W_h[[2, 0, 1]]).T  # (3H, H), blocks n, r, z matching dm, dr_pre, dz_pre
        dh = dh_n.astype(dtype, copy=True)
        dh_column = dh[:, None, :]  # (B, 1, H) view, to multiply pairs of gate blocks
        dh_direct = xp.empty_like(dh)
        on_gpu = cupy_kernels.applies_to(hs)
        for start, stop, steps in backward_chunks(T, reverse, chunk):
            # Local derivatives of a block of steps at once (see the module docstring).
            to_zn, to_rm = dh_factors[:, :stop - start], dn_factors[:, :stop - start]
            r, z, n = gates[:, start:stop]
            one_minus_z = to_zn[1]
            xp.subtract(1, z, out=one_minus_z)
            xp.subtract(h_prev[start:stop], n, out=to_zn[0])
            to_zn[0] *= z
            to_zn[0] *= one_minus_z  # (h_{t-1} - n) z (1 - z)
            xp.multiply(n, n, out=to_rm[1])
            xp.subtract(1, to_rm[1], out=to_rm[1])
            one_minus_z *= to_rm[1]  # (1 - z) (1 - n^2)
            xp.subtract(1, r, out=to_rm[0])
            to_rm[0] *= r
            to_rm[0] *= hn[start:stop]  # m r (1 - r)
            to_rm[1] = r
            z_carry = z  # dh_{t-1} = dh * z_carry + the matmul
            if mask is not None:
                # A padded step passes dh straight through and has no gate gradient.
                valid = mask[start:stop]
                to_zn *= valid
                z_carry = xp.where(valid, z, 1)
            zn_by_step, rm_by_step = to_zn.transpose(1, 2, 0, 3), to_rm.transpose(1, 2, 0, 3)  # (steps, B, 2, H)
            for t in steps:
                k = t - start
                blocks = gate_blocks[t]
                dh += d_outputs[t]
                if on_gpu:
                    cupy_kernels.gru_step_backward(dh, to_zn[:, k], to_rm[:, k], z_carry[k], blocks.transpose(1, 0, 2),
                                                   dh_direct)
                else:
                    xp.multiply(dh_column, zn_by_step[k], out=blocks[:, 2:])  # dz_pre, dn_pre
                    xp.multiply(blocks[:, 3:], rm_by_step[k], out=blocks[:, 1::-1])  # dr_pre, dm
                    xp.multiply(dh, z_carry[k], out=dh_direct)
                xp.matmul(d_gates[t, :, :3 * H], W_h_T, out=dh)
                dh += dh_direct

        flat = d_gates.reshape(T * B, 4 * H)
        recurrent_side = flat[:, :3 * H]  # blocks n, r, z (dm, dr_pre, dz_pre)
        input_side = flat[:, H:]  # blocks r, z, n (dr_pre, dz_pre, dn_pre)
        dx = (input_side @ packed(xp, W_x).T).reshape(T, B, D) if self.needs_input_grad[0] else None
        dW_in = inputs.T @ input_side  # rows dW_x, then db_x (the ones column)
        dW_h = h_prev.reshape(T * B, H).T @ recurrent_side
        return (dx, dh, to_api_order(xp, dW_in[:D], PLANES, H), to_api_order(xp, dW_h, RECURRENT_BLOCKS, H),
                to_api_order(xp, dW_in[D], PLANES, H),
                to_api_order(xp, recurrent_side.sum(axis=0), RECURRENT_BLOCKS, H))


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
