"""``detect_anomaly()``: name the first op whose forward or backward produced NaN or Inf.

Inside the context every recorded op keeps the line of user code that called it and a
checksum of the arrays it saved; every op's outputs and every backward's gradients are
checked for NaN/Inf. The first non-finite value raises a RuntimeError naming the op and
the line. It is slow (a few array passes per op): use it to find a problem, then leave it.
"""
from __future__ import annotations

import zlib
from contextlib import contextmanager
from typing import Any, Iterator

from .. import backend
from . import function, versions


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager: raise at the first op whose forward or backward gives NaN or Inf.

    Example::

        with d2l.autograd.detect_anomaly():
            loss = model.loss(model(X), Y)
            loss.backward()
    """
    previous, function._anomaly = function._anomaly, True
    try:
        yield
    finally:
        function._anomaly = previous


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return function._anomaly


def _finite(array: Any) -> bool:
    if not hasattr(array, "dtype") or array.dtype.kind not in "fc":
        return True
    return bool(backend.get_array_module(array).isfinite(array).all())


def _kind(array: Any) -> str:
    xp = backend.get_array_module(array)
    return "NaN" if bool(xp.isnan(array).any()) else "Inf"


def _checksum(array: Any) -> int:
    return zlib.crc32(backend.to_numpy(array).tobytes())


def _saved_arrays(fn: Any) -> list:
    saved = getattr(fn, "saved", None)
    arrays = []
    for value in saved if isinstance(saved, tuple) else ():
        for a in value if isinstance(value, (list, tuple)) else (value,):
            if hasattr(a, "dtype") and hasattr(a, "shape") and getattr(a, "ndim", 0) > 0:
                arrays.append(a)
    return arrays


def _where(fn: Any) -> str:
    site = getattr(fn, "site", None)
    return site[0] if site else "a line recorded outside detect_anomaly()"


def check_forward(fn: Any, inputs: tuple, outputs: Any, recorded: bool) -> None:
    """Called by ``Function.apply`` inside ``detect_anomaly()`` after each op's forward."""
    from .tensor import Tensor

    site = versions.user_site()
    if recorded:
        fn.site = (site, [(a, _checksum(a)) for a in _saved_arrays(fn)])
    for index, out in enumerate(outputs if isinstance(outputs, tuple) else (outputs,)):
        if _finite(out._data):
            continue
        bad_inputs = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and not _finite(x._data)]
        cause = (f" Its input {bad_inputs[0]} already held NaN or Inf (look at the data or at where that tensor came "
                 "from)." if bad_inputs else " Its inputs were finite: the op itself overflowed or hit an invalid "
                 "value (log of 0 or of a negative number, 0/0, exp of a large number).")
        raise RuntimeError(
            f"detect_anomaly: the forward of {fn.name} produced {_kind(out._data)} in its output {index} "
            f"(shape {out.shape}), called at {site}.{cause}"
        )


def check_backward(fn: Any, in_grads: tuple) -> None:
    """Called by ``backward_pass`` inside ``detect_anomaly()`` after each op's backward."""
    site = getattr(fn, "site", None)
    for array, checksum in site[1] if site else ():
        if _checksum(array) != checksum:
            raise RuntimeError(versions.modified_message(fn, array, "a line that detect_anomaly() cannot name "
                                                                    "(numpy.copyto, a GPU array or another "
                                                                    "unguarded write)"))
    for index, grad in enumerate(in_grads):
        if grad is not None and not _finite(grad):
            raise RuntimeError(
                f"detect_anomaly: the backward of {fn.name} produced {_kind(grad)} in the gradient of its input "
                f"{index} (shape {tuple(grad.shape)}); {fn.name} was called at {_where(fn)}. If the incoming "
                "gradient was already huge, the network is exploding: clip gradients (gradient_clip_val=1 or "
                "d2l.nn.clip_grad_norm) or lower the learning rate."
            )
