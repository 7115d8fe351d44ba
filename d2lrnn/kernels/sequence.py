"""What the three fused kernels share: argument checks, the length mask, the directions,
and the bookkeeping of packed gate blocks.

Conventions of every kernel (time-major, PyTorch/Keras packed gates):
x (T, B, D); states (B, H); W_x (D, G*H); W_h (H, G*H); biases (G*H,); Y (T, B, R*H).

A kernel runs R = 1 or 2 directions in one time loop: a bidirectional layer stacks the
states and weights of its two directions on a leading axis, so each step is one batched
matmul and one pass of element-wise calls for both. Inside, every per-step array is in
*processing order*: step s of a direction reads time t = s forward and t = T-1-s in reverse
(the inputs of a reverse direction are stored flipped), and the state before step s is in
slot s of a (T + 1)-slot buffer, the state after it in slot s + 1. Outputs and gradients
are turned back to time order at the edges (``sequence_outputs``, ``output_gradients``,
``input_gradient``).
"""
from __future__ import annotations

import sys
from typing import Any

import numpy

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


def check_bidirectional(kernel: str, gates: int, x: Any, forward: tuple, backward: tuple,
                        state_names: tuple[str, ...], bias_names: tuple[str, ...]) -> tuple[int, int, int, int]:
    """``check_arguments`` for each direction's (states..., W_x, W_h, biases...); returns (T, B, D, H).

    Both directions must have the same hidden size: their states are stacked.
    """
    sizes = []
    for label, arguments in (("forward", forward), ("backward", backward)):
        expected = len(state_names) + 2 + len(bias_names)
        if not isinstance(arguments, (tuple, list)) or len(arguments) != expected:
            raise TypeError(f"{kernel}: {label} must be a tuple ({', '.join(state_names)}, W_x, W_h, "
                            f"{', '.join(bias_names)}) of {expected} Tensors, got {arguments!r}")
        states = dict(zip(state_names, arguments))
        W_x, W_h = arguments[len(state_names):len(state_names) + 2]
        biases = dict(zip(bias_names, arguments[len(state_names) + 2:]))
        sizes.append(check_arguments(f"{kernel} ({label})", gates, x, states, W_x, W_h, biases))
    if sizes[0][3] != sizes[1][3]:
        raise ValueError(f"{kernel}: both directions must have the same hidden size H, got {sizes[0][3]} (forward) "
                         f"and {sizes[1][3]} (backward)")
    return sizes[0]


def apply_bidirectional(function: type, kernel: str, gates: int, x: Any, forward: tuple, backward: tuple,
                        state_names: tuple[str, ...], bias_names: tuple[str, ...], lengths: Any,
                        zero_masked_outputs: bool, **params: Any) -> Any:
    """Check both directions' arguments, then run the kernel ``function`` over them in one time loop."""
    T, B, _, _ = check_bidirectional(kernel, gates, x, forward, backward, state_names, bias_names)
    mask = length_mask(lengths, T, B, backend.get_array_module(x.data))
    return function.apply(x, *forward, *backward, mask=mask, reverse=(False, True),
                          zero_masked_outputs=bool(zero_masked_outputs), **params)


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


class Workspace:
    """Large kernel buffers kept from one call to the next, handed out again once no one holds them.

    A fresh array of many megabytes costs a page fault per page when first written, and the
    C allocator returns such arrays to the operating system when they are freed, so a training
    loop would pay those faults again at every step (several microseconds a page on some
    machines: as much as the arithmetic). A buffer is reused only when nothing but this pool
    refers to it (no saved graph, no output view, no caller). At most ``per_shape`` buffers
    of each shape and ``max_bytes`` in all are kept, the least recently used shape going
    first. On the GPU CuPy's memory pool does this already.
    """

    def __init__(self, max_bytes: int = 2 ** 30, per_shape: int = 2) -> None:
        self.max_bytes, self.per_shape = max_bytes, per_shape
        self._buffers: dict = {}  # (shape, dtype) -> buffers, most recently used key last
        self._kept = 0  # bytes held

    def empty(self, xp: Any, shape: tuple, dtype: Any) -> Any:
        """An uninitialised array like ``xp.empty(shape, dtype)``, possibly a reused one."""
        if xp is not numpy:
            return xp.empty(shape, dtype=dtype)
        key = (tuple(shape), numpy.dtype(dtype))
        buffers = self._buffers.pop(key, [])
        self._buffers[key] = buffers  # now the most recently used key
        for buffer in buffers:
            if sys.getrefcount(buffer) <= _POOL_ONLY:
                return buffer
        buffer = numpy.empty(shape, dtype=dtype)
        if len(buffers) < self.per_shape and buffer.nbytes <= self.max_bytes:
            buffers.append(buffer)
            self._kept += buffer.nbytes
            while self._kept > self.max_bytes:
                oldest = next(iter(self._buffers))
                self._kept -= sum(b.nbytes for b in self._buffers.pop(oldest))
        return buffer

    def clear(self) -> None:
        """Let every kept buffer go."""
        self._buffers.clear()
        self._kept = 0


# sys.getrefcount of a buffer that only the pool holds: the pool's list, the loop variable and
# getrefcount's own argument.
_POOL_ONLY = 3
workspace = Workspace()


def direction_groups(arrays: tuple, per_direction: int) -> list[tuple]:
    """The flat per-direction arguments of a kernel Function, grouped by direction."""
    return [arrays[k:k + per_direction] for k in range(0, len(arrays), per_direction)]


def stacked_inputs(xp: Any, x: Any, reverse: tuple[bool, ...]) -> Any:
    """Inputs (T, B, D) -> (R, T*B, D + 1), each direction in processing order, a last column of ones.

    Times a weight matrix whose last row is the bias, the ones column adds the bias inside
    the input matmul; in backward, the gradient of that row is the bias gradient.
    """
    T, B, D = x.shape
    inputs = workspace.empty(xp, (len(reverse), T, B, D + 1), x.dtype)
    for r, backwards in enumerate(reverse):
        inputs[r, :, :, :D] = x[::-1] if backwards else x
    inputs[..., D] = 1
    return inputs.reshape(len(reverse), T * B, D + 1)


def in_time_order(per_step: Any, backwards: bool) -> Any:
    """A direction's (T, ...) array in processing order -> time order (a view), or back."""
    return per_step[::-1] if backwards else per_step


def direction_masks(xp: Any, mask: Any, reverse: tuple[bool, ...]) -> Any:
    """The (T, B, 1) length mask -> (R, T, B, 1) in each direction's processing order (None stays None)."""
    if mask is None:
        return None
    return xp.stack([in_time_order(mask, backwards) for backwards in reverse])


def sequence_outputs(xp: Any, outputs: list, reverse: tuple[bool, ...], mask: Any,
                     zero_masked_outputs: bool) -> Any:
    """Per-direction (T, B, H) outputs in processing order -> Y (T, B, R*H) in time order.

    Directions are concatenated along the features (forward first); padded steps are zero
    if ``zero_masked_outputs``. A single direction without zeroing returns a view.
    """
    zeroing = mask is not None and zero_masked_outputs
    if len(outputs) == 1 and not zeroing:
        return in_time_order(outputs[0], reverse[0])
    T, B, H = outputs[0].shape
    Y = xp.empty((T, B, len(outputs) * H), dtype=outputs[0].dtype)
    for r, (output, backwards) in enumerate(zip(outputs, reverse)):
        Y[:, :, r * H:(r + 1) * H] = in_time_order(output, backwards)
    if zeroing:
        Y *= mask
    return Y


def output_gradients(xp: Any, d_outputs: Any, reverse: tuple[bool, ...], mask: Any,
                     zero_masked_outputs: bool) -> Any:
    """dY (T, B, R*H) -> (R, T, B, H) in processing order; none at steps whose output was zeroed."""
    if mask is not None and zero_masked_outputs:
        d_outputs = d_outputs * mask
    T, B, RH = d_outputs.shape
    H = RH // len(reverse)
    gradients = workspace.empty(xp, (len(reverse), T, B, H), d_outputs.dtype)
    for r, backwards in enumerate(reverse):
        gradients[r] = in_time_order(d_outputs[:, :, r * H:(r + 1) * H], backwards)
    return gradients


def input_gradient(dx: Any, reverse: tuple[bool, ...]) -> Any:
    """Per-direction input gradients (R, T, B, D) in processing order -> dx (T, B, D) in time order."""
    total = in_time_order(dx[0], reverse[0])
    for r in range(1, len(reverse)):
        total = total + in_time_order(dx[r], reverse[r])
    return total


def products_by_direction(xp: Any, left: Any, right: Any, transpose: str) -> Any:
    """left[r]^T @ right[r] (transpose='left') or left[r] @ right[r]^T ('right') for each direction r.

    One 2-D matmul per direction: BLAS takes a transposed 2-D operand as it is, where a
    batched matmul over transposed views is slower.
    """
    if transpose == "left":
        return xp.stack([left[r].T @ right[r] for r in range(left.shape[0])])
    return xp.stack([left[r] @ right[r].T for r in range(left.shape[0])])


def backward_chunks(T: int, steps_per_chunk: int) -> list[tuple[int, int]]:
    """Blocks [start, stop) of processing steps, last block first: the order of backpropagation."""
    return [(start, min(start + steps_per_chunk, T)) for start in range(0, T, steps_per_chunk)][::-1]


# Elements per block of local derivatives. On the CPU about 64k balance per-call overhead against
# the cache; on a GPU every call is a kernel launch costing far more than its arithmetic, so a block
# spans as many steps as 64M elements (256 MB of float32) allow: the whole sequence, in practice.
ELEMENTS_PER_CHUNK = {"cpu": 1 << 16, "gpu": 1 << 26}


def steps_per_chunk(T: int, elements_per_step: int, on_gpu: bool = False) -> int:
    """How many of the T steps' local derivatives to compute in one go (see ``ELEMENTS_PER_CHUNK``).

    One array call over many small steps costs less Python overhead than one call per step;
    one call over a few large steps keeps the block in the CPU cache.
    """
    return max(1, min(T, ELEMENTS_PER_CHUNK["gpu" if on_gpu else "cpu"] // max(1, elements_per_step)))


def to_planes(xp: Any, packed_gates: Any, order: tuple[int, ...], H: int) -> Any:
    """Packed gate blocks (R, ..., G*H) -> a contiguous (R, G, ..., H) array of gate planes.

    Plane k holds block ``order[k]``. With the gates as planes, every element-wise operation
    on a gate runs over contiguous (B, H) blocks; NumPy is several times slower on the
    (B, H) blocks of a (B, G*H) array when H is small.
    """
    G = packed_gates.shape[-1] // H
    blocks = packed_gates.reshape(packed_gates.shape[:-1] + (G, H))
    return xp.ascontiguousarray(xp.moveaxis(blocks, -2, 1)[:, list(order)])


def packed(xp: Any, planes: Any) -> Any:
    """(R, G, ..., H) gate planes -> a contiguous packed (R, ..., G*H) array, blocks in plane order.

    The backward pass works packed: one matmul per step over all gates, no sum over planes.
    """
    blocks = xp.moveaxis(planes, 1, -2)
    return xp.ascontiguousarray(blocks).reshape(blocks.shape[:-2] + (planes.shape[1] * planes.shape[-1],))


def to_api_order(xp: Any, packed_gates: Any, order: tuple[int, ...], H: int) -> Any:
    """Packed (..., G*H) blocks in plane order (``order`` as for ``to_planes``) -> the API's order."""
    G = packed_gates.shape[-1] // H
    blocks = packed_gates.reshape(packed_gates.shape[:-1] + (G, H))[..., list(inverse_permutation(order)), :]
    return blocks.reshape(packed_gates.shape)
