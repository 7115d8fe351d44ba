"""Fused LSTM over a whole sequence: one engine Function, forward and hand-written BPTT.

Equations (gates packed along the last axis of W_x, W_h, b in the order i, f, g, o):

    i, f, g, o = split(x_t W_x + h_{t-1} W_h + b)          pre-activations, each (B, H)
    I, F, O = sigmoid(i, f, o),  G = tanh(g)                 sigmoid(a) = (1 + tanh(a / 2)) / 2
    c_t = I * G + F * c_{t-1},   h_t = O * tanh(c_t)

Backward through one step, given dh (the gradient reaching h_t) and dc (reaching c_t):

    [dc_h, do] = dh * [O (1 - tanh(c_t)^2),  tanh(c_t) O (1 - O)]
    dc += dc_h
    [di, df, dg, dc_{t-1}] = dc * [G I (1 - I),  c_{t-1} F (1 - F),  I (1 - G^2),  F]
    dh_{t-1} = [do, di, df, dg] W_h^T

The bracketed factors do not depend on dh or dc: they are computed for a block of steps at
once, from the saved activations, so each step of the loop is two products, one sum and one
matmul. The weight gradients come after the loop, one matmul each over all steps.

Layout (see ``sequence``): R = 1 or 2 directions run in one loop. The forward pass keeps,
per direction and step, the planes o, i, f, g, c_{t-1} in one buffer: the sigmoid gates o, i,
f are adjacent (one affine pass turns their tanh into sigmoid), and [i, f] lines up with
[g, c_{t-1}] (one product gives I*G and F*c_{t-1}). The sigmoid planes of the weights are
halved (exact in floating point), so one tanh call serves all four gates. The backward pass
keeps, per step, the blocks dc_h, do, di, df, dg, dc_{t-1}: do..dg are packed for the
matmul, and dc_{t-1} is the dc of the next step back.
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function, Tensor
from . import cupy_kernels
from .sequence import (apply_bidirectional, backward_chunks, check_arguments, direction_groups, direction_masks,
                       input_gradient, length_mask, output_gradients, packed, products_by_direction, sequence_outputs,
                       stacked_inputs, steps_per_chunk, to_api_order, to_planes, workspace)

PLANES = (3, 0, 1, 2)  # plane k holds API gate block PLANES[k]: o, i, f, g
PER_DIRECTION = 5  # h0, c0, W_x, W_h, b


class LSTMSequence(Function):
    """LSTM over a sequence in 1 or 2 directions; gradients of x and of every direction's
    h0, c0, W_x, W_h, b by backpropagation through time."""

    def forward(self, x, *directions, mask, reverse, zero_masked_outputs):
        xp = self.xp
        T, B, D = x.shape
        R = len(reverse)
        h0, c0, W_x, W_h, b = (xp.stack(arrays) for arrays in zip(*direction_groups(directions, PER_DIRECTION)))
        H = h0.shape[-1]
        dtype = x.dtype
        on_gpu = cupy_kernels.applies_to(x)
        W_x = to_planes(xp, W_x, PLANES, H)  # (R, 4, D, H)
        W_h = to_planes(xp, W_h, PLANES, H)  # (R, 4, H, H)
        scale = xp.ones((1, 4, 1, 1), dtype=dtype)
        scale[:, :3] = 0.5  # sigmoid(a) = (1 + tanh(a / 2)) / 2
        inputs = stacked_inputs(xp, x, reverse)  # (R, T*B, D + 1)
        W_in = xp.concatenate([W_x, to_planes(xp, b, PLANES, H)[:, :, None, :]], axis=2)  # bias as the last row

        # act[s]: the planes o, i, f, g, c_{t-1} of step s, each (R, B, H), one contiguous block
        # per step. The input projections of all steps fill o..g (one batched matmul per
        # direction, straight into place), and step s writes c_t into the c_{t-1} plane of step s + 1.
        act = workspace.empty(xp, (T + 1, 5, R, B, H), dtype)
        W_in = W_in * scale
        for r in range(R):
            xp.matmul(inputs[r].reshape(T, 1, B, D + 1), W_in[r], out=act[:T, :4, r])
        # On the CPU the activations overwrite the pre-activations; the GPU kernel writes them
        # to a buffer of their own (no array is read and written in one launch).
        gates = xp.empty_like(act) if on_gpu else act
        gates[0, 4] = c0
        hs = workspace.empty(xp, (R, T + 1, 1, B, H), dtype)  # hs[:, s]: the (R, 1, B, H) states before step s
        hs[:, 0, 0] = h0
        tanh_c = workspace.empty(xp, (T, R, B, H), dtype)
        recurrent = xp.empty((4, R, B, H), dtype=dtype)
        recurrent_by_direction = recurrent.transpose(1, 0, 2, 3)  # the matmul's (R, 4, B, H) view of it
        products = xp.empty((2, R, B, H), dtype=dtype)
        half = xp.full((), 0.5, dtype=dtype)  # (a Python number costs more per call)
        W_h_scaled = W_h * scale
        masks = direction_masks(xp, mask, reverse)  # (R, T, B, 1)
        padded = None if masks is None else ~masks.transpose(1, 0, 2, 3)  # (T, R, B, 1)
        for s in range(T):
            xp.matmul(hs[:, s], W_h_scaled, out=recurrent_by_direction)
            c, tc, h = gates[s + 1, 4], tanh_c[s], hs[:, s + 1, 0]
            if on_gpu:
                cupy_kernels.lstm_step(act[s, :4], recurrent, gates[s, 4], hs[:, s, 0],
                                       True if padded is None else ~padded[s], gates[s, :4], c, tc, h)
                continue
            step = act[s]
            xp.add(step[:4], recurrent, out=step[:4])
            xp.tanh(step[:4], out=step[:4])  # G, and tanh(a / 2) of o, i, f
            xp.multiply(step[:3], half, out=step[:3])
            xp.add(step[:3], half, out=step[:3])  # O, I, F
            xp.multiply(step[1:3], step[3:5], out=products)  # I * G, F * c_{t-1}
            xp.add(products[0], products[1], out=c)
            xp.tanh(c, out=tc)
            xp.multiply(step[0], tc, out=h)
            if padded is not None:  # past a sequence's end its state is carried unchanged
                xp.copyto(c, step[4], where=padded[s])
                xp.copyto(h, hs[:, s, 0], where=padded[s])

        self.save(inputs, hs, gates, tanh_c, W_x, W_h, mask, padded, reverse, zero_masked_outputs)
        Y = sequence_outputs(xp, [hs[r, 1:, 0] for r in range(R)], reverse, mask, zero_masked_outputs)
        finals = []
        for r in range(R):
            finals += [hs[r, T, 0].copy(), gates[T, 4, r].copy()]
        return (Y, *finals)

    def backward(self, d_outputs, *d_finals):
        xp = self.xp
        inputs, hs, gates, tanh_c, W_x, W_h, mask, padded, reverse, zero_masked_outputs = self.saved
        T, R, B, H = tanh_c.shape
        D = W_x.shape[2]
        dtype = hs.dtype
        d_out = output_gradients(xp, d_outputs, reverse, mask, zero_masked_outputs)  # (R, T, B, H)
        chunk = steps_per_chunk(T, R * 6 * B * H, cupy_kernels.applies_to(hs))
        # Local derivatives of a block of steps, per step the planes dc_h, do (times dh) and
        # di, df, dg, dc_{t-1} (times dc), one contiguous block per step.
        local = workspace.empty(xp, (chunk, 6, R, B, H), dtype)
        # The products of one step, the same planes; two buffers, as a step reads the dc_{t-1}
        # of the step after it.
        products = xp.empty((2, 6, R, B, H), dtype=dtype)
        dz = workspace.empty(xp, (T, R, B, 4 * H), dtype)  # do, di, df, dg of every step, packed for the matmuls
        dz_planes = dz.reshape(T, R, B, 4, H).transpose(0, 3, 1, 2, 4)  # (T, 4, R, B, H) view
        W_h_T = xp.ascontiguousarray(packed(xp, W_h).transpose(0, 2, 1))  # (R, 4H, H)
        dh = xp.stack(d_finals[0::2]).astype(dtype, copy=False)
        dc = xp.stack(d_finals[1::2]).astype(dtype, copy=False)
        dh_previous = xp.empty_like(dh)
        on_gpu = cupy_kernels.applies_to(hs)
        for start, stop in backward_chunks(T, chunk):
            # The bracketed factors of the module docstring, for a block of steps at once.
            block = local[:stop - start]
            o, i, f, g, c_prev = (gates[start:stop, k] for k in range(5))
            tc = tanh_c[start:stop]
            to_c, k_o, k_i, k_f, k_g, c_to_c = (block[:, k] for k in range(6))
            xp.multiply(tc, tc, out=to_c)
            xp.subtract(1, to_c, out=to_c)
            xp.multiply(to_c, o, out=to_c)  # O (1 - tanh(c)^2)
            xp.subtract(1, o, out=k_o)
            xp.multiply(k_o, o, out=k_o)
            xp.multiply(k_o, tc, out=k_o)  # tanh(c) O (1 - O)
            xp.subtract(1, i, out=k_i)
            xp.multiply(k_i, i, out=k_i)
            xp.multiply(k_i, g, out=k_i)  # G I (1 - I)
            xp.subtract(1, f, out=k_f)
            xp.multiply(k_f, f, out=k_f)
            xp.multiply(k_f, c_prev, out=k_f)  # c_{t-1} F (1 - F)
            xp.multiply(g, g, out=k_g)
            xp.subtract(1, k_g, out=k_g)
            xp.multiply(k_g, i, out=k_g)  # I (1 - G^2)
            c_to_c[...] = f
            if padded is not None:
                # A padded step passes dh and dc straight through and has no gate gradient.
                xp.multiply(block[:, :5], ~padded[start:stop, None], out=block[:, :5])
                xp.copyto(c_to_c, 1, where=padded[start:stop])
            for s in range(stop - 1, start - 1, -1):
                factors, step = block[s - start], products[s % 2]
                xp.add(dh, d_out[:, s], out=dh)
                if on_gpu:
                    cupy_kernels.lstm_step_backward(dh, dc, factors, step)
                else:
                    xp.multiply(dh, factors[:2], out=step[:2])  # dc_h, do
                    xp.add(dc, step[0], out=dc)
                    xp.multiply(dc, factors[2:], out=step[2:])  # di, df, dg, dc_{t-1}
                xp.copyto(dz_planes[s], step[1:5])
                xp.matmul(dz[s], W_h_T, out=dh_previous)
                if padded is not None:
                    xp.copyto(dh_previous, dh, where=padded[s])
                dh, dh_previous = dh_previous, dh
                dc = step[5]

        if R == 1:
            flat_dz = dz.reshape(1, T * B, 4 * H)  # do, di, df, dg of every step, per direction
        else:
            flat_dz = workspace.empty(xp, (R, T, B, 4 * H), dtype)
            flat_dz[...] = dz.transpose(1, 0, 2, 3)
            flat_dz = flat_dz.reshape(R, T * B, 4 * H)
        dx = None
        if self.needs_input_grad[0]:
            dx = input_gradient(products_by_direction(xp, flat_dz, packed(xp, W_x), transpose="right")
                                .reshape(R, T, B, D), reverse)
        dW_in = products_by_direction(xp, inputs, flat_dz, transpose="left")  # rows dW_x, then db (the ones column)
        dW_h = products_by_direction(xp, hs[:, :T, 0].reshape(R, T * B, H), flat_dz, transpose="left")
        grads = [dx]
        for r in range(R):
            grads += [dh[r], dc[r].copy(), to_api_order(xp, dW_in[r, :D], PLANES, H),
                      to_api_order(xp, dW_h[r], PLANES, H), to_api_order(xp, dW_in[r, D], PLANES, H)]
        return tuple(grads)


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
    return LSTMSequence.apply(x, h0, c0, W_x, W_h, b, mask=mask, reverse=(bool(reverse),),
                              zero_masked_outputs=bool(zero_masked_outputs))


def lstm_bidirectional(x: Tensor, forward: tuple, backward: tuple, *, lengths: Any = None,
                       zero_masked_outputs: bool = True) -> tuple[Tensor, tuple, tuple]:
    """Both directions of a bidirectional LSTM layer in one time loop.

    Args:
        x: inputs (T, B, D).
        forward, backward: each direction's (h0, c0, W_x, W_h, b), shaped as for
            ``lstm_sequence``; the backward direction reads t = T-1 .. 0.
        lengths, zero_masked_outputs: as for ``lstm_sequence``.

    Returns:
        (Y, (h_f, c_f), (h_b, c_b)): Y (T, B, 2H) holds the forward outputs then the backward
        outputs of every time step (as ``concat`` of the two ``lstm_sequence`` results); the
        final states are (B, H).
    """
    Y, h_f, c_f, h_b, c_b = apply_bidirectional(LSTMSequence, "lstm_bidirectional", 4, x, forward, backward,
                                                ("h0", "c0"), ("b",), lengths, zero_masked_outputs)
    return Y, (h_f, c_f), (h_b, c_b)

