"""``Module`` and ``Parameter``: containers that find their own weights.

A Module registers every ``Parameter`` and sub-``Module`` assigned to one of its
attributes, also inside lists, tuples and dicts, so ``parameters()`` finds them all.
"""
from __future__ import annotations

from typing import Any, Iterator

import os
import zipfile
import zlib

import numpy

from .. import backend
from ..autograd import Tensor, converted_weight


class Parameter(Tensor):
    """A leaf Tensor that a Module trains: ``requires_grad`` is True by default."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None, device: str | None = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, device=device)

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__()[len("tensor("):]


def _children(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """(name, item) for Parameters and Modules inside ``value``, looking into lists and dicts."""
    if isinstance(value, (Parameter, Module)):
        yield prefix, value
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _children(v, f"{prefix}.{i}")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _children(v, f"{prefix}.{k}")


class Module:
    """Base class of every model: holds Parameters and sub-Modules; ``__call__`` runs ``forward``."""

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------- discovery
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """(dotted name, module) for this module and every module below it, once each."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            for key, value in vars(module).items():
                for child_name, child in _children(value, f"{name}.{key}" if name else key):
                    if isinstance(child, Module):
                        stack.append((child_name, child))

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every distinct parameter, in registration order."""
        seen: set[int] = set()
        for name, module in self.named_modules():
            for key, value in vars(module).items():
                for child_name, child in _children(value, f"{name}.{key}" if name else key):
                    if isinstance(child, Parameter) and id(child) not in seen:
                        seen.add(id(child))
                        yield child_name, child

    def parameters(self) -> list[Parameter]:
        """Every distinct Parameter of this module and its sub-modules."""
        return [p for _, p in self.named_parameters()]

    def modules(self) -> list["Module"]:
        return [m for _, m in self.named_modules()]

    # ----------------------------------------------------------------- state
    def zero_grad(self) -> None:
        """Forget accumulated gradients (call before each backward)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and its children to training mode (dropout active)."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode (dropout off)."""
        return self.train(False)

    def to(self, device: Any = None, dtype: Any = None) -> "Module":
        """Move every parameter (and its gradient) to ``device`` and/or convert it to a float ``dtype``.

        ``to('gpu')``, ``to(d2l.float64)`` and ``to('cpu', d2l.float32)`` all work, in place;
        returns self.
        """
        if device is not None and not isinstance(device, str):  # to(dtype), as in PyTorch
            device, dtype = None, device if dtype is None else dtype
        if device is not None:
            backend.check_device(device)
        if dtype is not None:
            dtype = numpy.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to: dtype must be a floating-point type, got {dtype}")
        for p in self.parameters():
            for attr in ("data", "grad"):
                array = getattr(p, attr)
                if array is None:
                    continue
                if device is not None:
                    array = backend.to_device(array, device)
                if dtype is not None:
                    array = array.astype(dtype, copy=False)
                setattr(p, attr, array)
        return self

    def double(self) -> "Module":
        """Convert every parameter to float64 in place; returns self."""
        return self.to(dtype=numpy.float64)

    def float(self) -> "Module":
        """Convert every parameter to float32 in place; returns self."""
        return self.to(dtype=numpy.float32)

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def state_dict(self) -> dict[str, numpy.ndarray]:
        """Parameter name -> a NumPy copy of its value."""
        return {name: backend.to_numpy(p.data).copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters, checking names and shapes.

        Values may be NumPy arrays, Tensors, or anything with ``.detach().cpu().numpy()``
        (a PyTorch tensor), so weights exported from PyTorch load directly.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: state must be a dict of name -> array (as state_dict returns), got "
                            f"{type(state).__name__}")
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        # Everything is converted and checked before the first parameter changes.
        arrays = {name: converted_weight(value, own[name].shape, own[name].dtype, f"load_state_dict: {name}")
                  for name, value in state.items() if name in own}
        for name, array in arrays.items():
            own[name].data = backend.to_device(array, own[name].device)

    def save(self, path: str) -> None:
        """Write the parameters to ``path`` exactly as given, in NumPy's ``.npz`` format.

        (``numpy.savez`` alone would append '.npz' to a path without it, and ``load(path)`` would miss it.)
        """
        with open(path, "wb") as f:
            numpy.savez(f, **self.state_dict())

    def load(self, path: str) -> None:
        """Read parameters written by ``save``; any other file (or a truncated one) raises a ValueError
        'not a d2lrnn weights file' naming ``path``."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load: no file at {path!r}" if not os.path.isdir(path) else
                                    f"load: {path!r} is a directory, not a file written by Module.save")
        try:
            loaded = numpy.load(path, allow_pickle=False)
            if not isinstance(loaded, numpy.lib.npyio.NpzFile):
                raise ValueError("a single array, not an .npz archive")
            with loaded as f:
                state = {k: f[k] for k in f.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError) as error:
            raise ValueError(f"load: {path!r} is not a d2lrnn weights file (an .npz written by Module.save); it is "
                             f"truncated, damaged or of another format ({type(error).__name__}: {error})") from None
        self.load_state_dict(state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for key, value in vars(self).items():
            if isinstance(value, Module):
                lines.append(f"  ({key}): " + repr(value).replace("\n", "\n  "))
        return lines[0] + (("\n" + "\n".join(lines[1:]) + "\n)") if len(lines) > 1 else ")")

