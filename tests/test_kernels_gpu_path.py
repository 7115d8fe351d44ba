"""The GPU branch of the fused kernels, run on the CPU.

CuPy's ElementwiseKernel compiles a CUDA C body. Here a stand-in translates those same
bodies (declarations, arithmetic, exp/tanh/max and ``cond ? a : b``) into NumPy and runs
them, so the kernels' GPU branch (which arrays go to which kernel argument, the order of the
gate planes, the scaled pre-activations) and the CUDA arithmetic itself are checked against
the NumPy branch without a GPU. The real device is covered by the ``gpu`` tests in
``test_kernels.py``.
"""
import re

import numpy as np
import pytest

from d2lrnn import backend
from d2lrnn.kernels import cupy_kernels
from test_kernels import (BIDIRECTIONAL_CASES, CASES, KINDS, gradients, make_arguments, make_bidirectional_arguments,
                          run_bidirectional, run_kernel)

FACTORIES = [cupy_kernels._rnn_forward, cupy_kernels._lstm_forward, cupy_kernels._lstm_backward,
             cupy_kernels._gru_forward, cupy_kernels._gru_backward]


def cuda_to_python(body):
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

    def __init__(self, in_params, out_params, operation, name):
        self.inputs = [p.split()[-1] for p in in_params.split(",")]
        self.outputs = [p.split()[-1] for p in out_params.split(",")]
        self.code = compile(cuda_to_python(operation), name, "exec")

    def __call__(self, *arrays):
        assert len(arrays) == len(self.inputs) + len(self.outputs), "wrong number of kernel arguments"
        names = dict(zip(self.inputs, arrays), exp=np.exp, tanh=np.tanh, max=np.maximum, where=np.where)
        exec(self.code, names)
        for name, out in zip(self.outputs, arrays[len(self.inputs):]):
            out[...] = names[name]


class FakeCuPy:
    ElementwiseKernel = NumPyElementwiseKernel

    class ndarray:  # no array is a CuPy array: the engine itself stays on NumPy
        pass


@pytest.fixture
def gpu_branch_on_cpu(monkeypatch):
    monkeypatch.setattr(backend, "cupy", FakeCuPy)
    monkeypatch.setattr(cupy_kernels, "applies_to", lambda array: True)
    for factory in FACTORIES:
        factory.cache_clear()
    yield
    for factory in FACTORIES:
        factory.cache_clear()


def test_translation_of_a_kernel_body():
    code = cuda_to_python("T a = px + ph;\n T y = relu ? max(a, (T)0) : tanh(a);\n h = valid ? y : h_prev;")
    assert code == "a = px + ph\ny = where(relu, max(a, 0), tanh(a))\nh = where(valid, y, h_prev)"


@pytest.mark.parametrize("options", CASES, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
@pytest.mark.parametrize("kind", KINDS)
def test_gpu_branch_matches_numpy_branch(kind, options, request):
    args = make_arguments(kind)
    expected = run_kernel(kind, args, **options)
    expected_grads = gradients(expected, args)
    request.getfixturevalue("gpu_branch_on_cpu")
    fused = run_kernel(kind, args, **options)
    for got, want in zip(fused, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-13)
    for got, want in zip(gradients(fused, args), expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("options", BIDIRECTIONAL_CASES,
                         ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
@pytest.mark.parametrize("kind", KINDS)
def test_gpu_branch_of_the_bidirectional_kernels_matches_numpy_branch(kind, options, request):
    args = make_bidirectional_arguments(kind)
    expected = run_bidirectional(kind, args, **options)
    expected_grads = gradients(expected, args)
    request.getfixturevalue("gpu_branch_on_cpu")
    fused = run_bidirectional(kind, args, **options)
    for got, want in zip(fused, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-13)
    for got, want in zip(gradients(fused, args), expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
