"""The one rule for operations, and the bookkeeping every operation shares.

A primitive is a small ``Function`` subclass with ``forward(self, *arrays, **params)``
and ``backward(self, *grads)``, both on raw arrays (NumPy or CuPy, through ``self.xp``).
It saves what backward needs with ``self.save(...)`` and writes its backward as if no
broadcasting happened. ``Function.apply`` alone does the rest:

- unwraps Tensor inputs and picks the array module of their data;
- refuses to mix CPU and GPU arrays in one op (a ``TypeError`` naming the op);
- records the graph (``creator`` and ``generation``) unless ``no_grad()`` is active;
- reduces each gradient to its input's shape (the broadcast reduction) and dtype.

``backward_pass`` walks the recorded graph without recursion, accumulating into leaves.
"""
from __future__ import annotations

import heapq
import itertools
from contextlib import contextmanager
from typing import Any, Iterator

import numpy

from .. import backend

_grad_enabled = True


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager: operations inside record no graph (evaluation, parameter updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Context manager: record the graph again inside a ``no_grad()`` block."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = previous


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

    __slots__ = ("inputs", "saved", "xp", "needs_input_grad", "generation", "out_meta")

    def save(self, *values: Any) -> None:
        """Keep what backward will need (prefer outputs when they make backward cheaper)."""
        self.saved = values

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on Tensors or constants; returns a Tensor (or a tuple of them)."""
        arrays = []
        data_type = None
        for x in inputs:
            if isinstance(x, Tensor):
                data = x.data
                if data_type is None:
                    data_type = type(data)
                elif type(data) is not data_type and backend.cupy is not None:
                    _raise_mixed_devices(cls, inputs)
                arrays.append(data)
            elif isinstance(x, numpy.floating):
                arrays.append(float(x))  # a NumPy scalar must not upcast float32 data
            else:
                arrays.append(x)
        fn = cls()
        fn.xp = numpy if data_type is numpy.ndarray or data_type is None else backend.get_array_module(*arrays)
        out = fn.forward(*arrays, **params)

        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        record = _grad_enabled and any(needs)
        if isinstance(out, tuple):
            outputs = tuple(Tensor._wrap(o, record) for o in out)
        else:
            outputs = Tensor._wrap(out, record)
        if record:
            fn.inputs = inputs
            fn.needs_input_grad = needs
            fn.generation = 1 + max(
                (x.creator.generation for x in inputs if isinstance(x, Tensor) and x.creator is not None),
                default=0,
            )
            if isinstance(out, tuple):
                fn.out_meta = tuple((o.shape, o.dtype) for o in out)
                for i, t in enumerate(outputs):
                    t.creator, t.output_index = fn, i
            else:
                fn.out_meta = None
                outputs.creator = fn
        return outputs

    def forward(self, *arrays: Any, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__


def _raise_mixed_devices(op: type, inputs: tuple) -> None:
    kinds = ", ".join(
        f"{backend.device_of(x.data)} ({type(x.data).__module__}.{type(x.data).__name__})"
        for x in inputs
        if isinstance(x, Tensor)
    )
    raise TypeError(
        f"{op.__name__}: all tensors of one operation must be on the same device, got {kinds}. "
        "Move them with .to('cpu') or .to('gpu') first."
    )


def backward_pass(root: "Tensor", grad: Any, retain_graph: bool = False) -> None:
    """Propagate ``grad`` (d root / d root) to every leaf that requires a gradient.

    Functions run in decreasing generation: a function's generation is larger than
    that of every function producing its inputs, so all consumers of a tensor are done
    before its creator runs. A heap replaces recursion (a 100,000-op chain is fine).
    """
    if root.creator is None:
        root._accumulate(grad)
        return
    pending: dict[Function, list] = {}
    heap: list = []
    tie = itertools.count()

    def push(fn: Function, index: int, g: Any) -> None:
        slots = pending.get(fn)
        if slots is None:
            slots = pending[fn] = [None] * (1 if fn.out_meta is None else len(fn.out_meta))
            heapq.heappush(heap, (-fn.generation, next(tie), fn))
        slots[index] = g if slots[index] is None else slots[index] + g

    push(root.creator, root.output_index, grad)
    while heap:
        fn = heapq.heappop(heap)[2]
        if fn.inputs is None:
            raise RuntimeError(
                f"backward through {fn.name} a second time: its graph was freed after the first "
                "backward. Call backward(retain_graph=True) the first time if you need it twice."
            )
        grads = pending.pop(fn)
        if fn.out_meta is not None:  # outputs that received no gradient get zeros
            grads = [
                fn.xp.zeros(shape, dtype) if g is None else g
                for g, (shape, dtype) in zip(grads, fn.out_meta)
            ]
        in_grads = fn.backward(*grads)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for x, g, needed in zip(fn.inputs, in_grads, fn.needs_input_grad):
            if not needed or g is None:
                continue
            if g.shape != x.data.shape:
                g = unbroadcast(g, x.data.shape)
            if g.dtype != x.data.dtype:
                g = g.astype(x.data.dtype)
            if x.creator is None:
                x._accumulate(g)
            else:
                push(x.creator, x.output_index, g)
        if not retain_graph:
            fn.inputs = None
            fn.saved = None


from .tensor import Tensor  # noqa: E402  (Tensor's methods call back into Function.apply)
