"""Saved-array guard: an in-place change of an array a recorded op saved makes ``backward`` raise.

``Tensor.data`` hands out a ``DataView``: an ordinary NumPy array (a view of the tensor's
memory) whose in-place writes are noted. Every note bumps one global write counter and
records, for the memory written (its root array), the counter and the line of user code
that wrote. Each recorded op keeps the counter of its recording time; ``backward`` compares
it with the current counter (one integer comparison per op) and only when they differ
looks at the op's saved arrays, raising if one of them was written after the op was recorded.

Guarded: ``t.data[...] = v``, ``t.data -= v`` (every augmented assignment), NumPy ufuncs
with ``out=t.data`` (``numpy.add(a, b, out=t.data)``), and ``t.data.fill/put/sort``.
Not guarded: ``numpy.copyto(t.data, v)`` and other non-ufunc writers, arrays kept from
``t.numpy()`` before the op, and GPU (CuPy) arrays; ``detect_anomaly()`` covers those by
checksums of the saved arrays.
"""
from __future__ import annotations

import linecache
import os
import re
import sys
from typing import Any

import numpy

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_AUTOGRAD_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LOG_LIMIT = 100_000
_NOTEBOOK_CELL = re.compile(r"ipykernel_\d+[/\\]\d+\.py$")

# id(root array) -> (write counter after the write, where the write happened)
_writes: dict = {}


def root_of(array: Any) -> Any:
    """The array that owns the memory ``array`` views (itself if it owns it)."""
    while isinstance(getattr(array, "base", None), numpy.ndarray):
        array = array.base
    return array


def note_write(array: Any) -> None:
    """Record that ``array`` (or memory it views) was just modified in place."""
    from . import function

    function._write_count += 1
    if len(_writes) > _LOG_LIMIT:  # a long session: old entries only concern freed graphs
        _writes.clear()
    _writes[id(root_of(array))] = (function._write_count, user_site())


def written_since(array: Any, count: int) -> Any:
    """Where ``array``'s memory was written after write counter ``count``, or None."""
    entry = _writes.get(id(root_of(array)))
    if entry is not None and entry[0] > count:
        return entry[1]
    return None


def user_site() -> str:
    """Where the current op was called: the innermost line outside d2lrnn ('file:line (source)'),
    followed by the library line outside autograd/ it went through, when there is one."""
    frame = sys._getframe(1)
    library = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<frozen") \
                and os.sep + "contextlib.py" not in filename:
            break
        if library is None and filename.startswith(_PACKAGE_DIR) and not filename.startswith(_AUTOGRAD_DIR):
            library = f"{frame.f_code.co_name} ({os.path.relpath(filename, os.path.dirname(_PACKAGE_DIR[:-1]))})"
        frame = frame.f_back
    if frame is None:
        return library or "an unknown line"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, line).strip()
    # A Jupyter cell's file name holds the kernel's process id: name the cell line instead.
    place = f"line {line} of a notebook cell" if _NOTEBOOK_CELL.search(filename) else f"{filename}:{line}"
    where = place + (f" ({source})" if source else "")
    return where + (f", inside {library}" if library else "")


def _plain(x: Any) -> Any:
    return x.view(numpy.ndarray) if isinstance(x, DataView) else x


class DataView(numpy.ndarray):
    """A NumPy array whose in-place writes are noted (what ``Tensor.data`` returns on the CPU).

    Everything computed from it is a plain ``numpy.ndarray``; it prints like one.
    """

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*[_plain(x) for x in inputs], **kwargs)
        if out is not None:
            for o in out:
                if isinstance(o, DataView):
                    note_write(o)
            if len(out) == 1 and isinstance(out[0], DataView):
                return out[0]  # ``v -= 1`` keeps ``v`` itself
        if method == "at" and isinstance(inputs[0], DataView):
            note_write(inputs[0])
        return result

    def __setitem__(self, key: Any, value: Any) -> None:
        numpy.ndarray.__setitem__(self, key, value)
        note_write(self)

    def fill(self, value: Any) -> None:
        numpy.ndarray.fill(self, value)
        note_write(self)

    def put(self, *args: Any, **kwargs: Any) -> None:
        numpy.ndarray.put(self, *args, **kwargs)
        note_write(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        numpy.ndarray.sort(self, *args, **kwargs)
        note_write(self)

    def copy(self, order: str = "C") -> numpy.ndarray:
        return self.view(numpy.ndarray).copy(order)

    def __repr__(self) -> str:
        return repr(self.view(numpy.ndarray))

    def __str__(self) -> str:
        return str(self.view(numpy.ndarray))

    def __reduce__(self) -> Any:  # pickles (and copies) as a plain array
        return numpy.ndarray.__reduce__(numpy.array(self.view(numpy.ndarray)))


def describe(array: Any) -> str:
    return f"an array of shape {tuple(array.shape)} and dtype {array.dtype}"


def check_saved(fn: Any, since: int) -> None:
    """Raise if an array ``fn`` saved for backward was written after write counter ``since``."""
    saved = getattr(fn, "saved", None)
    saved = saved if isinstance(saved, tuple) else ()
    for value in saved:
        for array in (value if isinstance(value, (list, tuple)) else (value,)):
            if not isinstance(array, numpy.ndarray):
                continue
            where = written_since(array, since)
            if where is None:
                continue
            raise RuntimeError(modified_message(fn, array, where))


def modified_message(fn: Any, array: Any, where: str) -> str:
    from .tensor import Tensor

    root = root_of(array)
    what = f"an array it saved ({describe(array)}, its output or a value computed in forward)"
    for i, x in enumerate(fn.inputs or ()):
        if isinstance(x, Tensor) and root_of(x._data) is root:
            label = f" '{x.name}'" if x.name else ""
            what = f"its input {i}{label}, a tensor of shape {x.shape} and dtype {x.dtype}"
            break
    recorded = getattr(fn, "site", None)
    recorded_at = (f"recorded at {recorded[0]}" if recorded else
                   "recorded earlier (run the forward pass under d2l.autograd.detect_anomaly() to see its line)")
    return (
        f"backward(): {fn.name} needs {what}, but it was modified in place at {where} after "
        f"{fn.name} was {recorded_at}. The gradient would be computed from the new values. Modify "
        "tensors only after backward() (as optimizers do: loss.backward(); then w.data -= lr * w.grad), "
        "or work on a copy (t.data.copy(), or t.detach() and a new tensor) before the forward pass."
    )
