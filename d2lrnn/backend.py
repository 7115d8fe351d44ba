"""Where arrays live: NumPy on the CPU, CuPy on a GPU.

This is the only module that imports CuPy. Everything else asks it for the array
module of the data at hand (Chainer's rule: the device of the data decides where an
operation runs), so CPU and GPU tensors can live side by side in one session.

The default device for new tensors is 'cpu', unless ``set_default_device('gpu')`` was
called or the environment variable ``D2LRNN_DEVICE=gpu`` is set.
"""
from __future__ import annotations

import functools
import numbers
import os
import random as _random
from types import ModuleType
from typing import Any

import numpy

try:  # CuPy is optional: the `gpu` extra installs it.
    import cupy  # type: ignore[import-not-found]
except Exception:  # ImportError, or a CUDA library that fails to load
    cupy = None

DEVICES = ("cpu", "gpu")
ENV_DEVICE = "D2LRNN_DEVICE"
_default_device: str | None = None


def is_gpu_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def num_gpus() -> int:
    """How many CUDA devices CuPy sees (0 without CuPy), the book's ``d2l.num_gpus()``."""
    if not is_gpu_available():
        return 0
    return int(cupy.cuda.runtime.getDeviceCount())


def try_gpu(i: int = 0) -> str:
    """'gpu' when CuPy and a GPU are there, else 'cpu' (the book's ``d2l.try_gpu()``).

    d2lrnn names devices 'cpu' and 'gpu' and uses the first GPU, so only ``i = 0`` can be 'gpu'.
    """
    return "gpu" if num_gpus() > i else "cpu"


def check_device(device: str) -> str:
    """Return ``device`` if it is 'cpu' or 'gpu' and usable here, else raise a clear error."""
    if device not in DEVICES:
        raise ValueError(f"device: expected 'cpu' or 'gpu', got {device!r}")
    if device == "gpu" and not is_gpu_available():
        reason = "CuPy is not installed" if cupy is None else "CuPy sees no CUDA GPU"
        raise RuntimeError(
            f"device 'gpu' was requested but {reason}. Install the extra with "
            "`pip install d2lrnn[gpu]` on a machine with an NVIDIA GPU, or use device='cpu'."
        )
    return device


def default_device() -> str:
    """The device new tensors go to: set_default_device(), else $D2LRNN_DEVICE, else 'cpu'."""
    if _default_device is not None:
        return _default_device
    name = os.environ.get(ENV_DEVICE, "cpu").strip().lower() or "cpu"
    try:
        return _checked_device(name)
    except ValueError:
        raise ValueError(f"{ENV_DEVICE}: the environment variable must be 'cpu' or 'gpu', got "
                         f"{os.environ.get(ENV_DEVICE)!r}") from None


@functools.lru_cache(maxsize=None)
def _checked_device(device: str) -> str:
    """check_device, once per name: asking CUDA for its device count on every new tensor is slow."""
    return check_device(device)


def set_default_device(device: str) -> None:
    """Send new tensors and modules to ``device`` ('cpu' or 'gpu') from now on."""
    global _default_device
    _default_device = check_device(device)


def is_gpu_array(array: Any) -> bool:
    """True for a CuPy array."""
    return cupy is not None and isinstance(array, cupy.ndarray)


def get_array_module(*arrays: Any) -> ModuleType:
    """``cupy`` if any argument is a CuPy array (or wraps one in ``.data``, as a Tensor), else ``numpy``."""
    if cupy is not None:
        for a in arrays:
            # Test the array itself first: a CuPy array's own ``.data`` is a memory pointer.
            if isinstance(a, cupy.ndarray) or isinstance(getattr(a, "data", None), cupy.ndarray):
                return cupy
    return numpy


def device_of(array: Any) -> str:
    """'gpu' for a CuPy array, 'cpu' otherwise."""
    return "gpu" if is_gpu_array(array) else "cpu"


def array_module_for(device: str) -> ModuleType:
    """The array module that holds data on ``device``."""
    return cupy if check_device(device) == "gpu" else numpy


def to_device(array: Any, device: str) -> Any:
    """Copy ``array`` to ``device`` ('cpu' or 'gpu'); no copy when it is already there."""
    check_device(device)
    if device == "gpu":
        return cupy.asarray(array)
    if is_gpu_array(array):
        return cupy.asnumpy(array)
    return numpy.asarray(array)


def to_numpy(array: Any) -> numpy.ndarray:
    """A NumPy copy (or view) of a NumPy or CuPy array."""
    return cupy.asnumpy(array) if is_gpu_array(array) else numpy.asarray(array)


def seed(n: int) -> None:
    """Seed Python's, NumPy's and (when present) CuPy's random generators with ``n`` (0 <= n < 2**32)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"seed: expected an int, got {n!r}")
    if not 0 <= n < 2**32:
        raise ValueError(f"seed: expected an int in [0, 2**32), got {n}")
    n = int(n)
    _random.seed(n)
    numpy.random.seed(n)
    if is_gpu_available():
        cupy.random.seed(n)
