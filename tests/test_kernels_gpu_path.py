"""The GPU branch of the fused kernels, run on the CPU.

CuPy's ElementwiseKernel compiles a CUDA C body. Here a stand-in translates those same
bodies (declarations, arithmetic, exp/tanh/max and ``cond ? a : b``) into NumPy and runs
them, so the kernels' GPU branch (which arrays go to which kernel argument, the order of the
gate planes, the scaled pre-activations) and the CUDA arithmetic itself are checked against
the NumPy branch without a GPU. The real device is covered by the ``gpu`` tests in
``test_kernels.py``.
"""

import numpy as np
import pytest

from d2lrnn import backend
from d2lrnn.kernels import cupy_kernels
from simulated_gpu import NumPyElementwiseKernel, cuda_to_python
from test_kernels import (BIDIRECTIONAL_CASES, CASES, KINDS, gradients, make_arguments, make_bidirectional_arguments,
                          run_bidirectional, run_kernel)

FACTORIES = [cupy_kernels._kernel]


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


RUNS = [(run_kernel, make_arguments, options) for options in CASES] + \
       [(run_bidirectional, make_bidirectional_arguments, options) for options in BIDIRECTIONAL_CASES]


@pytest.mark.parametrize("run, make, options", RUNS,
                         ids=[f"{run.__name__}:" + (",".join(f"{k}={v}" for k, v in o.items()) or "plain")
                              for run, _, o in RUNS])
@pytest.mark.parametrize("kind", KINDS)
def test_gpu_branch_matches_numpy_branch(kind, run, make, options, request):
    args = make(kind)
    expected = run(kind, args, **options)
    expected_grads = gradients(expected, args)
    request.getfixturevalue("gpu_branch_on_cpu")
    fused = run(kind, args, **options)
    for got, want in zip(fused, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-13)
    for got, want in zip(gradients(fused, args), expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
