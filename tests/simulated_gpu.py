"""A simulated GPU for machines without one: ``cupy`` replaced by NumPy on a marker subclass.

Every array the stand-in module makes is a ``SimulatedGpuArray``, so d2lrnn treats it as GPU
data; a plain NumPy array that reaches an operation on such data is caught by the engine's
device check, as a NumPy array meeting a CuPy array would be on a real GPU.
``NumPyElementwiseKernel`` runs the CUDA bodies of ``kernels/cupy_kernels.py`` with NumPy, so
the kernels' GPU branch runs too. The real device is covered by the ``gpu``-marked tests.
"""
from __future__ import annotations

import re
import types
from typing import Any

import numpy as np


class SimulatedGpuArray(np.ndarray):
    """NumPy data that d2lrnn must treat as GPU data."""

    def __getitem__(self, index: Any) -> Any:
        result = super().__getitem__(index)
        if isinstance(result, np.ndarray):
            return result
        # One element: CuPy returns a 0-d view of the array, NumPy a detached scalar.
        return super().__getitem__((*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis))


def cuda_to_python(body: str) -> str:
    """Translate the small CUDA subset used by the kernels into Python statements."""
    statements = []
    for statement in body.split(";"):
        statement = " ".join(statement.split()).replace("(T)", "")
        if not statement:
            continue
        target, expression = re.sub(r"^T ", "", statement).split(" = ", 1)
        choice = re.fullmatch(r"(\w+) \? (.+) : (.+)", expression)
        if choice:
            expression = f"where({choice[1]}, {choice[2]}, {choice[3]})"
        statements.append(f"{target} = {expression}")
    return "\n".join(statements)


class NumPyElementwiseKernel:
    """Stands in for cupy.ElementwiseKernel: same arguments, the body run by NumPy."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str) -> None:
        self.inputs = [p.split()[-1] for p in in_params.split(",")]
        self.outputs = [p.split()[-1] for p in out_params.split(",")]
        self.code = compile(cuda_to_python(operation), name, "exec")

    def __call__(self, *arrays: Any) -> None:
        assert len(arrays) == len(self.inputs) + len(self.outputs), "wrong number of kernel arguments"
        names = dict(zip(self.inputs, arrays), exp=np.exp, tanh=np.tanh, max=np.maximum, where=np.where)
        exec(self.code, names)
        for name, out in zip(self.outputs, arrays[len(self.inputs):]):
            out[...] = names[name]


def _on_gpu(result: Any) -> Any:
    if isinstance(result, np.ndarray) and not isinstance(result, SimulatedGpuArray):
        return result.view(SimulatedGpuArray)
    if isinstance(result, (tuple, list)):
        return type(result)(_on_gpu(r) for r in result)
    return result


def _returning_gpu_arrays(function: Any) -> Any:
    return lambda *args, **kwargs: _on_gpu(function(*args, **kwargs))


class _Module(types.ModuleType):
    """NumPy's functions, with their array results moved to the simulated GPU."""

    def __init__(self, name: str, source: Any) -> None:
        super().__init__(name)
        self._source = source

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._source, name)
        if isinstance(attribute, (np.ufunc, type)) or not callable(attribute):
            return attribute  # ufuncs keep the subclass of their inputs
        return _returning_gpu_arrays(attribute)


def make_simulated_cupy() -> types.ModuleType:
    """A module that d2lrnn.backend accepts as ``cupy``."""
    cupy = _Module("cupy", np)
    cupy.ndarray = SimulatedGpuArray
    cupy.ElementwiseKernel = NumPyElementwiseKernel
    cupy.asarray = lambda a, dtype=None: np.array(a, dtype=dtype).view(SimulatedGpuArray)
    cupy.asnumpy = lambda a: np.asarray(a).view(np.ndarray)
    cupy.random = _Module("cupy.random", np.random)
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
                                      Device=lambda *args: types.SimpleNamespace(synchronize=lambda: None))
    return cupy
