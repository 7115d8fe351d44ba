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

from typing import Any

from .. import backend
from ..autograd import Tensor


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


def outputs_of(states: Any, reverse: bool) -> Any:
    """The (T, B, H) view of the states after each step, in time order."""
    return states[:-1] if reverse else states[1:]


def previous_of(states: Any, reverse: bool) -> Any:
    """The (T, B, H) view of the states before each step, in time order."""
    return states[1:] if reverse else states[:-1]


def first_slot(T: int, reverse: bool) -> int:
    """The slot holding the initial state."""
    return T if reverse else 0


def last_slot(T: int, reverse: bool) -> int:
    """The slot holding the final state."""
    return 0 if reverse else T


def reorder_blocks(xp: Any, array: Any, order: tuple[int, ...], H: int) -> Any:
    """A copy of ``array`` with its last axis, G blocks of H, rearranged: new block k = old block order[k]."""
    return xp.concatenate([array[..., k * H:(k + 1) * H] for k in order], axis=-1)


def inverse_order(order: tuple[int, ...]) -> tuple[int, ...]:
    """The block order that undoes ``order``."""
    inverse = [0] * len(order)
    for new, old in enumerate(order):
        inverse[old] = new
    return tuple(inverse)
