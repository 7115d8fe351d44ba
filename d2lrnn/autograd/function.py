"""The one rule for operations, and the bookkeeping every operation shares.

A primitive is a small ``Function`` subclass with ``forward(self, *arrays, **params)``
and ``backward(self, *grads)``, both on raw arrays (NumPy or CuPy, through ``self.xp``).
It saves what backward needs with ``self.save(...)`` and writes its backward as if no
broadcasting happened. The base class alone does the rest, ``Function.apply`` on the
way forward and ``backward_pass`` on the way back:

- unwraps Tensor inputs and picks the array module of their data;
- refuses to mix CPU and GPU arrays in one op (a ``TypeError`` naming the op);
- records the graph (``creator`` and ``generation``) unless ``no_grad()`` is active;
- reduces each gradient to its input's shape (the broadcast reduction) and dtype.

``backward_pass`` walks the recorded graph without recursion, accumulating into leaves.
A backward must never modify the gradients it receives in place (they may be shared),
and returns either new arrays or the received ones (or views of them), never an array
it keeps elsewhere: a new array may become a leaf's ``.grad`` without a copy.
"""
from __future__ import annotations

import heapq
from contextlib import contextmanager
from typing import Any, Iterator

import numpy

from .. import backend
from . import anomaly, versions
from .tensor import Tensor

_grad_enabled = True
# Counts in-place writes through ``Tensor.data`` (see versions.py); each recorded op keeps its value.
_write_count = 0
# True inside ``detect_anomaly()`` (see anomaly.py).
_anomaly = False


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    """Record the graph (or not) inside the block; the previous mode comes back on exit."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad() -> Any:
    """Context manager: operations inside record no graph (evaluation, parameter updates)."""
    return _grad_mode(False)


def enable_grad() -> Any:
    """Context manager: record the graph again inside a ``no_grad()`` block."""
    return _grad_mode(True)


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return _grad_enabled


def unbroadcast(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


class Function:
    """A node of the graph: one application of a primitive operation.

    Subclasses define ``forward(self, *arrays, **params)`` returning an array (or a
    tuple of arrays) and ``backward(self, *grads)`` returning one gradient per input
    (``None`` where no gradient is needed). Inside both, ``self.xp`` is the array module.
    """

    __slots__ = ("inputs", "saved", "xp", "needs_input_grad", "generation", "out_meta", "writes", "site")

    def save(self, *values: Any) -> None:
        """Keep what backward will need (prefer outputs when they make backward cheaper)."""
        self.saved = values

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on Tensors or constants; returns a Tensor (or a tuple of them)."""
        # This runs for every operation of every model, so it is written for speed:
        # one pass over the inputs collects the arrays, which inputs need a gradient,
        # and the generation of the new node.
        fn = cls()
        arrays = []
        needs = []
        any_needs = False
        generation = 0
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                if x.requires_grad:
                    any_needs = True
                    creator = x.creator
                    if creator is not None and creator.generation >= generation:
                        generation = creator.generation + 1
                needs.append(x.requires_grad)
            else:
                # A NumPy scalar must not upcast float32 data: pass it on as a Python number.
                arrays.append(float(x) if isinstance(x, numpy.floating) else x)
                needs.append(False)
        # Without CuPy every array is a NumPy array: nothing to check.
        fn.xp = numpy if backend.cupy is None else _array_module(cls, arrays)
        try:
            out = fn.forward(*arrays, **params)
        except ValueError as error:
            if not str(error).startswith("operands could not be broadcast together"):
                raise
            raise ValueError(_broadcast_message(cls, arrays)) from None

        record = any_needs and _grad_enabled
        # Only floating-point outputs carry gradients: an integer or boolean result is a constant.
        if type(out) is tuple:
            outputs = tuple([Tensor._wrap(o, record and o.dtype.kind in "fc") for o in out])
            if record:
                fn.out_meta = tuple([(o.shape, o.dtype) for o in out])
                for i, t in enumerate(outputs):
                    if t.requires_grad:
                        t.creator = fn
                        t.output_index = i
        else:
            record = record and out.dtype.kind in "fc"
            outputs = Tensor._wrap(out, record)
            if record:
                fn.out_meta = None
                outputs.creator = fn
        if record:
            fn.inputs = inputs
            fn.needs_input_grad = tuple(needs)
            fn.generation = generation
            fn.writes = _write_count
        if _anomaly:
            anomaly.check_forward(fn, inputs, outputs, record)
        return outputs

    def forward(self, *arrays: Any, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__


def _array_module(op: type, arrays: list) -> Any:
    """CuPy if the arrays live on the GPU, NumPy if on the CPU; a TypeError if both."""
    on_gpu = on_cpu = False
    for a in arrays:
        if isinstance(a, backend.cupy.ndarray):
            on_gpu = True
        elif isinstance(a, numpy.ndarray):
            on_cpu = True
    if on_gpu and on_cpu:
        _raise_mixed_devices(op, arrays)
    return backend.cupy if on_gpu else numpy


def _raise_mixed_devices(op: type, arrays: list) -> None:
    kinds = ", ".join(
        f"{backend.device_of(a)} ({type(a).__module__}.{type(a).__name__})" for a in arrays if hasattr(a, "shape")
    )
    raise TypeError(
        f"{op.__name__}: all arrays of one operation must be on the same device, got {kinds}. "
        "Move them with .to('cpu') or .to('gpu') first."
    )


def _broadcast_message(op: type, arrays: list) -> str:
    """Name the op and the shapes that NumPy could not broadcast together."""
    shapes = ", ".join(str(getattr(a, "shape", f"a {type(a).__name__}")) for a in arrays)
    return (f"{op.__name__}: the input shapes {shapes} cannot be broadcast together (NumPy aligns shapes from the "
            "right; each pair of axes must be equal or one of them 1)")


def backward_pass(root: "Tensor", grad: Any, retain_graph: bool = False) -> None:
    """Propagate ``grad`` (d root / d root) to every leaf that requires a gradient.

    Functions run in decreasing generation: a function's generation is larger than
    that of every function producing its inputs, so all consumers of a tensor are done
    before its creator runs. A heap replaces recursion (a 100,000-op chain is fine).
    A leaf's gradients are summed over the pass first and accumulated into ``.grad`` once
    at the end; sums this pass allocates grow in place (a weight used at every step of a
    long sequence costs one new array, not one per step).
    """
    start = root.creator
    if start is None:
        root._accumulate(grad)
        return
    # pending: function -> the gradients of its outputs received so far.
    pending = {start: _empty_slots(start)}
    pending[start][root.output_index] = grad
    heap = [(-start.generation, 0, start)]
    pushed = 1  # tie-breaker: equal generations run in the order they were reached
    sums: dict = {}  # id -> array for the sums this pass allocated: no one else holds them
    leaves: dict = {}  # id(leaf) -> [leaf, its gradient so far, whether only this pass holds it]
    while heap:
        fn = heapq.heappop(heap)[2]
        if fn.inputs is None:
            raise RuntimeError(
                f"backward through {fn.name} a second time: its graph was freed after the first "
                "backward. Call backward(retain_graph=True) the first time if you need it twice."
            )
        if fn.writes != _write_count:  # something was written in place since fn was recorded
            versions.check_saved(fn, fn.writes)
        grads = pending.pop(fn)
        if sums:  # handed to fn.backward now: no longer ours to change
            for g in grads:
                sums.pop(id(g), None)
        if fn.out_meta is not None:  # outputs that received no gradient get zeros
            grads = [
                fn.xp.zeros(shape, dtype) if g is None else g
                for g, (shape, dtype) in zip(grads, fn.out_meta)
            ]
        in_grads = fn.backward(*grads)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        if _anomaly:
            anomaly.check_backward(fn, in_grads)
        for x, g, needed in zip(fn.inputs, in_grads, fn.needs_input_grad):
            if not needed or g is None:
                continue
            data = x._data
            fresh = False  # True when no one else can hold ``g``: a leaf may keep it as is
            if g.shape != data.shape:
                g = unbroadcast(g, data.shape)
                fresh = True
            if g.dtype is not data.dtype and g.dtype != data.dtype:
                g = g.astype(data.dtype)
                fresh = True
            creator = x.creator
            if creator is None:
                entry = leaves.get(id(x))
                if entry is None:
                    leaves[id(x)] = [x, g, fresh or _is_fresh(g, grads, in_grads)]
                else:
                    entry[1], entry[2] = _sum(entry[1], g, sums), True
                continue
            slots = pending.get(creator)
            if slots is None:
                slots = pending[creator] = _empty_slots(creator)
                heapq.heappush(heap, (-creator.generation, pushed, creator))
                pushed += 1
            i = x.output_index
            slots[i] = g if slots[i] is None else _sum(slots[i], g, sums)
        if not retain_graph:
            fn.inputs = None
            fn.saved = None
    for leaf, g, fresh in leaves.values():
        leaf._accumulate(g, fresh)


def _sum(total: Any, g: Any, sums: dict) -> Any:
    """total + g: in place when this pass allocated ``total`` (listed in ``sums``), else a new sum."""
    if sums.get(id(total)) is total:
        total += g
        return total
    total = total + g
    sums[id(total)] = total
    return total


def _is_fresh(g: Any, received: Any, returned: tuple) -> bool:
    """True if ``g`` is a new array that only this backward step holds.

    An op may pass the gradient it received straight through (add does), hand the same
    array to two inputs, or return a view (reshape, split). Such an array must be copied
    before it becomes a leaf's ``.grad``, or two leaves (or the caller) would share it.
    """
    if g.base is not None:
        return False
    for r in received:
        if g is r:
            return False
    shared = 0
    for h in returned:
        if h is g:
            shared += 1
    return shared == 1


def _empty_slots(fn: Function) -> list:
    """One place per output of ``fn`` for the gradient it will receive."""
    return [None] if fn.out_meta is None else [None] * len(fn.out_meta)
