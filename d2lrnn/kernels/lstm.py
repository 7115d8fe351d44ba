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
computed for a block of steps at once, from the saved activations, so each step of the
loop is a handful of products. The weight gradients come after the loop, as one matmul
each over all steps.

Inside, the forward pass keeps the gates as planes (see ``sequence.to_planes``) in the order
o, i, f, g: the three sigmoid gates are then adjacent, and so are the three gates whose
gradient is ``dc`` times a saved factor. The backward pass packs the gradients (one matmul
per step).
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (backward_chunks, check_arguments, first_slot, last_slot, length_mask, output_gradient,
                       packed, previous_of, quiet_overflow, step_order, steps_per_chunk, to_api_order, to_planes,
                       visible_outputs, with_ones_column)

PLANES = (3, 0, 1, 2)  # plane k holds API gate block PLANES[k]: o, i, f, g


class LSTMSequence(Function):
    """LSTM over a sequence; d/dx, dh0, dc0, dW_x, dW_h, db by backpropagation through time."""

    def forward(self, x, h0, c0, W_x, W_h, b, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, D = x.shape
        H = h0.shape[1]
        on_gpu = cupy_kernels.applies_to(x)
        W_x = to_planes(xp, W_x, PLANES, H)  # (4, D, H)
        W_h = to_planes(xp, W_h, PLANES, H)  # (4, H, H)
        # sigmoid(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigmoid(2a) - 1. Scaling the weights
        # by -1 (sigmoid gates) and -2 (the candidate), exact in floating point, lets one exp
        # call serve all four gates (exp is cheaper than tanh in NumPy).
        scale = xp.full((4, 1, 1), -1.0, dtype=x.dtype)
        scale[3] = -2.0
        inputs = with_ones_column(xp, x)
        W_in = xp.concatenate([W_x, to_planes(xp, b, PLANES, H)[:, None, :]], axis=1)  # bias as the last row
        projected = xp.matmul(inputs, W_in * scale).reshape(4, T, B, H)
        W_h_scaled = W_h * scale

        # On the CPU the activations O, I, F, G of each step overwrite its pre-activations;
        # the GPU kernel writes them to a buffer of their own (no array is read and written
        # in one launch).
        gates = xp.empty_like(projected) if on_gpu else projected
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        cs = xp.empty((T + 1, B, H), dtype=x.dtype)
        tanh_c = xp.empty((T, B, H), dtype=x.dtype)
        hs[first_slot(T, reverse)] = h0
        cs[first_slot(T, reverse)] = c0
        recurrent = xp.empty((4, B, H), dtype=x.dtype)
        product = xp.empty((B, H), dtype=x.dtype)
        one, two = xp.ones((), dtype=x.dtype), xp.full((), 2, dtype=x.dtype)  # (a Python number costs more per call)
        padded = None if mask is None else ~mask
        with quiet_overflow(xp):
            for t, before, after in step_order(T, reverse):
                xp.matmul(hs[before], W_h_scaled, out=recurrent)
                if on_gpu:
                    cupy_kernels.lstm_step(projected[:, t], recurrent, cs[before], hs[before],
                                           True if mask is None else mask[t], gates[:, t], cs[after], tanh_c[t],
                                           hs[after])
                    continue
                z = gates[:, t]
                xp.add(z, recurrent, out=z)
                xp.exp(z, out=z)
                xp.add(z, one, out=z)
                xp.reciprocal(z, out=z)  # sigmoid of every gate; the candidate's of 2a
                o, i, f, g = z[0], z[1], z[2], z[3]
                xp.multiply(g, two, out=g)
                xp.subtract(g, one, out=g)  # tanh
                c, tc = cs[after], tanh_c[t]
                xp.multiply(f, cs[before], out=c)
                xp.multiply(i, g, out=product)
                c += product
                xp.tanh(c, out=tc)
                xp.multiply(o, tc, out=hs[after])
                if padded is not None:  # past a sequence's end its state is carried unchanged
                    xp.copyto(c, cs[before], where=padded[t])
                    xp.copyto(hs[after], hs[before], where=padded[t])

        self.save(inputs, hs, cs, gates, tanh_c, W_x, W_h, mask, reverse, zero_masked_outputs)
        outputs = visible_outputs(hs, reverse, mask, zero_masked_outputs)
        return outputs, hs[last_slot(T, reverse)].copy(), cs[last_slot(T, reverse)].copy()

    def backward(self, d_outputs, dh_n, dc_n):
        xp = self.xp
        inputs, hs, cs, gates, tanh_c, W_x, W_h, mask, reverse, zero_masked_outputs = self.saved
        _, B, H = hs.shape
        T, D = gates.shape[1], W_x.shape[1]
        dtype = hs.dtype
        padded = None if mask is None else ~mask
        d_outputs = output_gradient(d_outputs, mask, zero_masked_outputs)
        c_prev = previous_of(cs, reverse)
        chunk = steps_per_chunk(4 * B * H)
        # Local derivatives: h_to_c (dc += dh * h_to_c) and the four gate factors
        # (d{o,i,f,g}_pre = d{h,c,c,c} * factor), one plane each.
        derivatives = xp.empty((5, chunk, B, H), dtype=dtype)

        # Gradients of the pre-activations, packed so that each step needs one matmul with
        # W_h^T and the weight gradients one matmul each. Blocks: a scratch for dh * h_to_c
        # (next to do, so that one product fills both), then do, di, df, dg.
        dz = xp.empty((T, B, 5 * H), dtype=dtype)
        dz_blocks = dz.reshape(T, B, 5, H)
        W_h_T = packed(xp, W_h).T  # (4H, H)
        dh = dh_n.astype(dtype, copy=True)
        dc = dc_n.astype(dtype, copy=True)
        dc_column = dc[:, None, :]  # (B, 1, H) view for three gate blocks at once (NumPy updates dc in place)
        dh_previous = xp.empty_like(dh)
        dc_next = xp.empty_like(dc)
        on_gpu = cupy_kernels.applies_to(hs)
        for start, stop, steps in backward_chunks(T, reverse, chunk):
            # Local derivatives of a block of steps at once (see the module docstring).
            local = derivatives[:, :stop - start]
            h_to_c, factor = local[0], local[1:]
            block = gates[:, start:stop]
            o, i, f, g = block
            xp.subtract(1, block, out=factor)
            factor *= block  # sigmoid' = s (1 - s), right for o, i, f
            xp.multiply(g, g, out=factor[3])
            xp.subtract(1, factor[3], out=factor[3])  # tanh' = 1 - g^2
            factor[0] *= tanh_c[start:stop]
            factor[1] *= g
            factor[2] *= c_prev[start:stop]
            factor[3] *= i
            xp.multiply(tanh_c[start:stop], tanh_c[start:stop], out=h_to_c)
            xp.subtract(1, h_to_c, out=h_to_c)
            h_to_c *= o
            c_to_c = f  # dc_{t-1} = dc * c_to_c
            if mask is not None:
                # A padded step passes dh and dc straight through and has no gate gradient.
                valid = mask[start:stop]
                local *= valid
                c_to_c = xp.where(valid, f, 1)
            local_by_step = local.transpose(1, 2, 0, 3)  # (steps, B, 5, H), lined up with the dz blocks
            for t in steps:
                k = t - start
                blocks = dz_blocks[t]
                dh += d_outputs[t]
                if on_gpu:
                    cupy_kernels.lstm_step_backward(dh, dc, local[:, k], c_to_c[k], blocks[:, 1:].transpose(1, 0, 2),
                                                    dc_next)
                    dc, dc_next = dc_next, dc
                else:
                    xp.multiply(dh[:, None, :], local_by_step[k, :, :2], out=blocks[:, :2])  # dh h_to_c, do
                    dc += blocks[:, 0]
                    xp.multiply(dc_column, local_by_step[k, :, 2:], out=blocks[:, 2:])  # di, df, dg
                    dc *= c_to_c[k]
                xp.matmul(dz[t, :, H:], W_h_T, out=dh_previous)
                if padded is not None:
                    xp.copyto(dh_previous, dh, where=padded[t])
                dh, dh_previous = dh_previous, dh

        flat_dz = dz.reshape(T * B, 5 * H)[:, H:]  # do, di, df, dg of every step
        dx = (flat_dz @ packed(xp, W_x).T).reshape(T, B, D) if self.needs_input_grad[0] else None
        dW_in = inputs.T @ flat_dz  # rows dW_x, then db (the ones column)
        dW_h = previous_of(hs, reverse).reshape(T * B, H).T @ flat_dz
        dW_x, db = dW_in[:D], dW_in[D]
        return (dx, dh, dc, to_api_order(xp, dW_x, PLANES, H), to_api_order(xp, dW_h, PLANES, H),
                to_api_order(xp, db, PLANES, H))


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
