"""What the three fused kernels share: argument checks, the length mask, the time order,
and the bookkeeping of packed gate blocks.

Conventions of every kernel (time-major, PyTorch/Keras packed gates):
x (T, B, D); states (B, H); W_x (D, G*H); W_h (H, G*H); biases (G*H,); Y (T, B, H).

States live in one buffer ``states`` of shape (T + 1, B, H) indexed so that both the
outputs and the "previous state" of every step are contiguous slices:
forward, the state before step t is ``states[t]`` and after it ``states[t + 1]``;
reverse, the state before step t is ``states[t + 1]`` and after it ``states[t]``.
"""
from __future__ import annotations

import contextlib
from typing import Any, ContextManager

from .. import backend
from ..autograd import Tensor
from ..autograd.ops import inverse_permutation


def check_arguments(kernel: str, gates: int, x: Any, states: dict[str, Any], W_x: Any, W_h: Any,
                    biases: dict[str, Any]) -> tuple[int, int, int, int]:
    """Validate shapes and dtypes of a kernel call; returns (T, B, D, H).

    Raises TypeError for non-Tensors or mixed / non-float dtypes and ValueError (naming the
    argument, the expected and the actual shape) for anything of the wrong shape.
    """
    named = {"x": x, **states, "W_x": W_x, "W_h": W_h, **biases}
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{kernel}: {name} must be a d2lrnn Tensor, got {type(value).__name__}")
    if x.ndim != 3:
        raise ValueError(f"{kernel}: x must have shape (time, batch, features), got shape {x.shape}")
    T, B, D = x.shape
    if W_h.ndim != 2 or W_h.shape[1] != gates * W_h.shape[0]:
        raise ValueError(f"{kernel}: W_h must have shape (H, {gates}*H), got shape {W_h.shape}")
    H = W_h.shape[0]
    expected = {"W_x": (D, gates * H), "W_h": (H, gates * H)}
    expected.update({name: (B, H) for name in states})
    expected.update({name: (gates * H,) for name in biases})
    for name, shape in expected.items():
        if named[name].shape != shape:
            raise ValueError(f"{kernel}: {name} must have shape {shape} (T, B, D, H = {T}, {B}, {D}, {H}), "
                             f"got shape {named[name].shape}")
    dtype = x.dtype
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise TypeError(f"{kernel}: x must be float32 or float64, got dtype {dtype}")
    for name, value in named.items():
        if value.dtype != dtype:
            raise TypeError(f"{kernel}: every argument must have x's dtype {dtype}, but {name} has dtype "
                            f"{value.dtype}")
    return T, B, D, H


def length_mask(lengths: Any, T: int, B: int, xp: Any) -> Any:
    """Right-padding lengths (B,) -> boolean mask (T, B, 1), True where step t < lengths[b].

    Returns None when there is nothing to mask (no lengths, or every length is T), so the
    kernels can take their unmasked path.
    """
    if lengths is None:
        return None
    if isinstance(lengths, Tensor):
        lengths = lengths.data
    values = backend.to_numpy(lengths)  # host-side bookkeeping: checked on the CPU, then sent to x's device
    if values.dtype.kind not in "iu":
        raise TypeError(f"lengths: expected integers, got dtype {values.dtype}")
    if values.shape != (B,):
        raise ValueError(f"lengths: expected shape (batch,) = ({B},), got shape {values.shape}")
    if B and (values.min() < 0 or values.max() > T):
        raise ValueError(f"lengths: expected values in [0, {T}] (the number of time steps), got values in "
                         f"[{int(values.min())}, {int(values.max())}]")
    if (values == T).all():
        return None
    steps = xp.arange(T).reshape(T, 1, 1)
    return steps < xp.asarray(values).reshape(1, B, 1)


def step_order(T: int, reverse: bool) -> list[tuple[int, int, int]]:
    """(t, slot before, slot after) for every step, in processing order (see the module doc)."""
    if reverse:
        return [(t, t + 1, t) for t in range(T - 1, -1, -1)]
    return [(t, t, t + 1) for t in range(T)]


def backward_chunks(T: int, reverse: bool, steps_per_chunk: int) -> list[tuple[int, int, list[int]]]:
    """Blocks of consecutive time steps in the order backpropagation visits them.

    Returns (start, stop, steps): the time range [start, stop) of the block and its steps in
    visiting order (the reverse of the forward processing order).
    """
    chunks = []
    for start in range(0, T, steps_per_chunk):
        stop = min(start + steps_per_chunk, T)
        chunks.append((start, stop, list(range(start, stop)) if reverse else list(range(stop - 1, start - 1, -1))))
    return chunks if reverse else chunks[::-1]


def steps_per_chunk(elements_per_step: int) -> int:
    """How many steps' local derivatives to compute in one go.

    One NumPy call over many small steps costs less Python overhead than one call per step;
    one call over a few large steps keeps the block in the CPU cache. About 64k elements per
    block balances the two.
    """
    return max(1, 65536 // max(1, elements_per_step))


def quiet_overflow(xp: Any) -> ContextManager:
    """Silence NumPy's overflow warning where exp(large) = inf is intended (1 / (1 + inf) = 0)."""
    return xp.errstate(over="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


def outputs_of(states: Any, reverse: bool) -> Any:
    """The (T, B, H) view of the states after each step, in time order."""
    return states[:-1] if reverse else states[1:]


def visible_outputs(states: Any, reverse: bool, mask: Any, zero_masked_outputs: bool) -> Any:
    """The (T, B, H) outputs a caller sees: the states after each step, zero at padded steps if asked."""
    outputs = outputs_of(states, reverse)
    return outputs * mask if mask is not None and zero_masked_outputs else outputs


def output_gradient(d_outputs: Any, mask: Any, zero_masked_outputs: bool) -> Any:
    """The gradient reaching the states through the outputs: none at steps whose output was zeroed."""
    return d_outputs * mask if mask is not None and zero_masked_outputs else d_outputs


def previous_of(states: Any, reverse: bool) -> Any:
    """The (T, B, H) view of the states before each step, in time order."""
    return states[1:] if reverse else states[:-1]


def first_slot(T: int, reverse: bool) -> int:
    """The slot holding the initial state."""
    return T if reverse else 0


def last_slot(T: int, reverse: bool) -> int:
    """The slot holding the final state."""
    return 0 if reverse else T


def with_ones_column(xp: Any, x: Any) -> Any:
    """Inputs (T, B, D) -> (T*B, D + 1) with a last column of ones.

    Times a weight matrix whose last row is the bias, it adds the bias inside the input
    matmul (no separate pass over the projections); in backward, the gradient of that last
    row is the bias gradient.
    """
    T, B, D = x.shape
    inputs = xp.empty((T * B, D + 1), dtype=x.dtype)
    inputs[:, :D] = x.reshape(T * B, D)
    inputs[:, D] = 1
    return inputs


def to_planes(xp: Any, packed_gates: Any, order: tuple[int, ...], H: int) -> Any:
    """Packed gate blocks (..., G*H) -> a contiguous (G, ..., H) array of gate planes.

    Plane k holds block ``order[k]``. With the gates as planes, every element-wise operation
    on a gate runs over a contiguous (B, H) array; NumPy is several times slower on the
    (B, H) blocks of a (B, G*H) array when H is small.
    """
    G = packed_gates.shape[-1] // H
    blocks = packed_gates.reshape(packed_gates.shape[:-1] + (G, H))
    return xp.ascontiguousarray(xp.moveaxis(blocks, -2, 0)[list(order)])


def packed(xp: Any, planes: Any) -> Any:
    """(G, ..., H) gate planes -> a contiguous packed (..., G*H) array, blocks in plane order.

    The backward pass works packed: one matmul per step over all gates, no sum over planes.
    """
    blocks = xp.moveaxis(planes, 0, -2)
    return xp.ascontiguousarray(blocks).reshape(blocks.shape[:-2] + (planes.shape[0] * planes.shape[-1],))


def to_api_order(xp: Any, packed_gates: Any, order: tuple[int, ...], H: int) -> Any:
    """Packed (..., G*H) blocks in plane order (``order`` as for ``to_planes``) -> the API's order."""
    G = packed_gates.shape[-1] // H
    blocks = packed_gates.reshape(packed_gates.shape[:-1] + (G, H))[..., list(inverse_permutation(order)), :]
    return blocks.reshape(packed_gates.shape)
