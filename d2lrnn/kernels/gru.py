"""Fused GRU over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (gates packed along the last axis in the Keras order z, r, n; the reset gate acts
after the recurrent matmul, as Keras ``reset_after=True`` and PyTorch):

    a = x_t W_x + b_x,   m = h_{t-1} W_h + b_h                  (each G*H = 3H wide)
    r, z = sigmoid(a_r + m_r, a_z + m_z)                         sigmoid(a) = (1 + tanh(a / 2)) / 2
    n = tanh(a_n + r * m_n)
    h_t = (h_{t-1} - n) * z + n                                  = z * h_{t-1} + (1 - z) * n

Backward through one step, given dh (the gradient reaching h_t):

    [dz_pre, dn_pre, dh_direct] = dh * [(h_{t-1} - n) z (1 - z),  (1 - z) (1 - n^2),  z]
    [dm_n, dr_pre] = dn_pre * [r,  m_n r (1 - r)]
    dh_{t-1} = [dm_n, dr_pre, dz_pre] W_h^T + dh_direct

The input side (W_x, b_x, x) sees [dr_pre, dz_pre, dn_pre]; the recurrent side (W_h, b_h,
h_{t-1}) sees [dr_pre, dz_pre, dm_n]. The bracketed factors do not depend on dh: they are
computed for a block of steps at once, from the saved activations; weight gradients are one
matmul each after the loop.

Layout (see ``sequence``): R = 1 or 2 directions run in one loop. The forward pass keeps the
gates as planes in PyTorch's order r, z, n (the two sigmoid gates adjacent: one tanh call
serves both, their weights halved). The state buffer carries a last column of ones and W_h a
last row b_h, so the recurrent matmul adds b_h. The backward pass keeps, per step, the
blocks dm_n, dr_pre, dz_pre, dn_pre, dh_direct: the first three packed for the recurrent
matmul, the middle three for the input side.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (apply_bidirectional, backward_chunks, check_arguments, direction_groups, direction_masks,
                       input_gradient, length_mask, output_gradients, packed, sequence_outputs, stacked_inputs,
                       steps_per_chunk, to_api_order, to_planes, workspace)

PLANES = (1, 0, 2)  # plane k holds API gate block PLANES[k]: r, z, n
RECURRENT_BLOCKS = (2, 1, 0)  # the recurrent-side gradient blocks n, r, z as API blocks
PER_DIRECTION = 5  # h0, W_x, W_h, b_x, b_h


class GRUSequence(Function):
    """GRU over a sequence in 1 or 2 directions; gradients of x and of every direction's
    h0, W_x, W_h, b_x, b_h by backpropagation through time."""

    def forward(self, x, *directions, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, _ = x.shape
        R = len(reverse)
        h0, W_x, W_h, b_x, b_h = (xp.stack(arrays) for arrays in zip(*direction_groups(directions, PER_DIRECTION)))
        H = h0.shape[-1]
        dtype = x.dtype
        on_gpu = cupy_kernels.applies_to(x)
        W_x = to_planes(xp, W_x, PLANES, H)  # (R, 3, D, H)
        W_h = to_planes(xp, W_h, PLANES, H)  # (R, 3, H, H)
        scale = xp.ones((1, 3, 1, 1), dtype=dtype)
        scale[:, :2] = 0.5  # sigmoid(a) = (1 + tanh(a / 2)) / 2
        inputs = stacked_inputs(xp, x, reverse)  # (R, T*B, D + 1)
        W_in = xp.concatenate([W_x, to_planes(xp, b_x, PLANES, H)[:, :, None, :]], axis=2)  # b_x as the last row
        W_h1 = xp.concatenate([W_h, to_planes(xp, b_h, PLANES, H)[:, :, None, :]], axis=2)  # b_h as the last row
        act = workspace.empty(xp, (R, 3, T, B, H), dtype)  # planes r, z, n of every step
        xp.matmul(inputs[:, None], W_in * scale, out=act.reshape(R, 3, T * B, H))
        # On the CPU the activations overwrite the pre-activations; the GPU kernel writes them
        # to a buffer of their own.
        gates = xp.empty_like(act) if on_gpu else act
        hs = workspace.empty(xp, (R, T + 1, 1, B, H + 1), dtype)  # hs[:, s]: [h_{t-1}, 1] before step s
        hs[..., H] = 1
        hs[:, 0, 0, :, :H] = h0
        ms = workspace.empty(xp, (R, T, 3, B, H), dtype)  # h_{t-1} W_h + b_h of every step, planes r, z, n
        product = xp.empty((R, B, H), dtype=dtype)
        half = xp.full((), 0.5, dtype=dtype)  # (a Python number costs more per call)
        W_h_scaled = W_h1 * scale
        masks = direction_masks(xp, mask, reverse)  # (R, T, B, 1)
        padded = None if masks is None else ~masks
        for s in range(T):
            m = ms[:, s]
            xp.matmul(hs[:, s], W_h_scaled, out=m)
            h_prev, h = hs[:, s, 0, :, :H], hs[:, s + 1, 0, :, :H]
            if on_gpu:
                valid = True if masks is None else masks[:, s]
                cupy_kernels.gru_step(act[:, :, s], m, h_prev, valid, gates[:, :, s], h)
                continue
            step = act[:, :, s]
            rz, n = step[:, :2], step[:, 2]
            xp.add(rz, m[:, :2], out=rz)
            xp.tanh(rz, out=rz)
            xp.multiply(rz, half, out=rz)
            xp.add(rz, half, out=rz)  # r, z
            xp.multiply(step[:, 0], m[:, 2], out=product)
            xp.add(n, product, out=n)
            xp.tanh(n, out=n)
            xp.subtract(h_prev, n, out=h)
            xp.multiply(h, step[:, 1], out=h)
            xp.add(h, n, out=h)
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(h, h_prev, where=padded[:, s])

        self.save(inputs, hs, gates, ms[:, :, 2], W_x, W_h, mask, masks, reverse, zero_masked_outputs)
        Y = sequence_outputs(xp, [hs[r, 1:, 0, :, :H] for r in range(R)], reverse, mask, zero_masked_outputs)
        return (Y, *[hs[r, T, 0, :, :H].copy() for r in range(R)])

    def backward(self, d_outputs, *dh_n):
        xp = self.xp
        inputs, hs, gates, m_n, W_x, W_h, mask, masks, reverse, zero_masked_outputs = self.saved
        R, T, B, H = m_n.shape
        D = W_x.shape[2]
        dtype = hs.dtype
        d_out = output_gradients(xp, d_outputs, reverse, mask, zero_masked_outputs)  # (R, T, B, H)
        h_prev = hs[:, :T, 0, :, :H]
        chunk = steps_per_chunk(T, R * 5 * B * H, cupy_kernels.applies_to(hs))
        # Local derivatives, planes dz_pre, dn_pre, dh_direct (times dh) and dm_n, dr_pre (times dn_pre).
        local = workspace.empty(xp, (R, 5, chunk, B, H), dtype)
        d_gates = workspace.empty(xp, (R, T, B, 5, H), dtype)  # per step: dm_n, dr_pre, dz_pre, dn_pre, dh_direct
        recurrent_side = d_gates.reshape(R, T, B, 5 * H)[..., :3 * H]  # dm_n, dr_pre, dz_pre, for the matmuls
        W_h_T = packed(xp, W_h[:, [2, 0, 1]]).transpose(0, 2, 1)  # (R, 3H, H), blocks n, r, z
        dh = xp.stack(dh_n).astype(dtype, copy=False)
        on_gpu = cupy_kernels.applies_to(hs)
        for start, stop in backward_chunks(T, chunk):
            # The bracketed factors of the module docstring, for a block of steps at once.
            block = local[:, :, :stop - start]
            r, z, n = (gates[:, k, start:stop] for k in range(3))
            k_z, k_n, z_carry, r_copy, k_r = (block[:, k] for k in range(5))
            xp.subtract(1, z, out=k_n)
            xp.subtract(h_prev[:, start:stop], n, out=k_z)
            xp.multiply(k_z, z, out=k_z)
            xp.multiply(k_z, k_n, out=k_z)  # (h_{t-1} - n) z (1 - z)
            xp.multiply(n, n, out=k_r)
            xp.subtract(1, k_r, out=k_r)
            xp.multiply(k_n, k_r, out=k_n)  # (1 - z) (1 - n^2)
            z_carry[...] = z
            r_copy[...] = r
            xp.subtract(1, r, out=k_r)
            xp.multiply(k_r, r, out=k_r)
            xp.multiply(k_r, m_n[:, start:stop], out=k_r)  # m_n r (1 - r)
            if masks is not None:
                # A padded step passes dh straight through and has no gate gradient.
                xp.multiply(block[:, :2], masks[:, None, start:stop], out=block[:, :2])
                xp.copyto(z_carry, 1, where=~masks[:, start:stop])
            by_step = block.transpose(0, 2, 3, 1, 4)  # (R, steps, B, 5, H), lined up with d_gates[:, s]
            for s in range(stop - 1, start - 1, -1):
                factors, planes = by_step[:, s - start], d_gates[:, s]
                xp.add(dh, d_out[:, s], out=dh)
                if on_gpu:
                    cupy_kernels.gru_step_backward(dh, factors, planes)
                else:
                    xp.multiply(dh[:, :, None], factors[:, :, :3], out=planes[:, :, 2:])  # dz_pre, dn_pre, dh_direct
                    xp.multiply(planes[:, :, 3:4], factors[:, :, 3:], out=planes[:, :, :2])  # dm_n, dr_pre
                xp.matmul(recurrent_side[:, s], W_h_T, out=dh)
                xp.add(dh, planes[:, :, 4], out=dh)

        flat = d_gates.reshape(R, T * B, 5 * H)
        input_side = flat[..., H:4 * H]  # blocks r, z, n (dr_pre, dz_pre, dn_pre)
        dx = None
        if self.needs_input_grad[0]:
            dx = input_gradient(xp.matmul(input_side, packed(xp, W_x).transpose(0, 2, 1)).reshape(R, T, B, D), reverse)
        dW_in = xp.matmul(inputs.transpose(0, 2, 1), input_side)  # rows dW_x, then db_x (the ones column)
        dW_h1 = xp.matmul(hs[:, :T, 0].reshape(R, T * B, H + 1).transpose(0, 2, 1), flat[..., :3 * H])  # and db_h
        grads = [dx]
        for k in range(R):
            grads += [dh[k], to_api_order(xp, dW_in[k, :D], PLANES, H),
                      to_api_order(xp, dW_h1[k, :H], RECURRENT_BLOCKS, H), to_api_order(xp, dW_in[k, D], PLANES, H),
                      to_api_order(xp, dW_h1[k, H], RECURRENT_BLOCKS, H)]
        return tuple(grads)


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
    return GRUSequence.apply(x, h0, W_x, W_h, b_x, b_h, mask=mask, reverse=(bool(reverse),),
                             zero_masked_outputs=bool(zero_masked_outputs))


def gru_bidirectional(x: Tensor, forward: tuple, backward: tuple, *, lengths: Any = None,
                      zero_masked_outputs: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """Both directions of a bidirectional GRU layer in one time loop.

    Args:
        x: inputs (T, B, D).
        forward, backward: each direction's (h0, W_x, W_h, b_x, b_h), shaped as for
            ``gru_sequence``; the backward direction reads t = T-1 .. 0.
        lengths, zero_masked_outputs: as for ``gru_sequence``.

    Returns:
        (Y, h_f, h_b): Y (T, B, 2H) holds the forward outputs then the backward outputs of
        every time step; the final states are (B, H).
    """
    return apply_bidirectional(GRUSequence, "gru_bidirectional", 3, x, forward, backward, ("h0",), ("b_x", "b_h"),
                               lengths, zero_masked_outputs)
