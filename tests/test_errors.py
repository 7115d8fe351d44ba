"""Bad input gets a clear ValueError/TypeError that names the argument, the expected and the actual value.

Mixed devices are simulated with a stub CuPy whose ndarray is a NumPy subclass: NumPy itself
would happily add such arrays, so only the engine's own check can raise.
"""
import types

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import backend
from d2lrnn import functional as F
from d2lrnn import nn


class FakeGpuArray(np.ndarray):
    """Stands in for cupy.ndarray."""


@pytest.fixture
def fake_cupy(monkeypatch):
    module = types.ModuleType("fake_cupy")
    module.ndarray = FakeGpuArray
    module.__getattr__ = lambda name: getattr(np, name)
    monkeypatch.setattr(backend, "cupy", module)
    return module


def gpu_tensor(values, requires_grad=False):
    return d2l.Tensor._wrap(np.asarray(values, dtype=np.float32).view(FakeGpuArray), requires_grad)


@pytest.mark.parametrize("op, name", [
    (lambda g, c: g + c, "Add"),
    (lambda g, c: c * g, "Mul"),
    (lambda g, c: g @ c, "MatMul"),
    (lambda g, c: d2l.concat([g, c]), "Concat"),
    (lambda g, c: d2l.where(c > 0, g, c), "Where"),
])
def test_mixed_devices_name_the_op_and_both_devices(fake_cupy, op, name):
    g = gpu_tensor([1.0, 2.0], requires_grad=True)
    c = d2l.tensor([3.0, 4.0])
    with pytest.raises(TypeError, match=rf"{name}: all arrays of one operation must be on the same device, "
                                        r"got .*(gpu.*cpu|cpu.*gpu).*\.to\('cpu'\)"):
        op(g, c)


def test_a_numpy_constant_with_a_gpu_tensor_is_mixed_devices(fake_cupy):
    with pytest.raises(TypeError, match="Mul: .*same device"):
        gpu_tensor([1.0, 2.0]) * np.array([3.0, 4.0])


def test_same_device_and_python_scalars_are_fine(fake_cupy):
    y = gpu_tensor([1.0, 2.0]) * 2.0 + gpu_tensor([1.0, 1.0])
    assert y.device == "gpu"
    np.testing.assert_array_equal(np.asarray(y.data), [3.0, 5.0])


def test_integer_tensor_cannot_require_gradients():
    with pytest.raises(TypeError, match="requires_grad: only floating-point .* got dtype int64"):
        d2l.tensor(np.array([1, 2], dtype=np.int64), requires_grad=True)


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = d2l.randn(2, 3), d2l.randn(4, 5)
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        d2l.randn(3) @ d2l.randn(2)


def test_backward_of_a_non_scalar_needs_a_gradient():
    y = d2l.randn(2, 3, requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"grad can be left out only for a scalar output, got shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad must have shape \(2, 3\), got \(3,\)"):
        y.backward(np.ones(3))


def test_backward_without_requires_grad():
    with pytest.raises(RuntimeError, match="does not require gradients"):
        (d2l.randn(2) * 2.0).sum().backward()


@pytest.mark.parametrize("call, error, message", [
    (lambda: d2l.randn(3).item(), ValueError, r"item\(\): expected a tensor with one element, got shape \(3,\)"),
    (lambda: d2l.randn(3) ** d2l.randn(3), TypeError, "exponent must be a Python number"),
    (lambda: d2l.randn(5).split(2), ValueError, r"split: axis 0 of shape \(5,\) does not divide into 2"),
    (lambda: d2l.randn(5).split([2, 2]), ValueError, r"split: sections \[2, 2\] do not add up"),
    (lambda: F.cross_entropy(d2l.randn(2, 3), np.array([0.0, 1.0])), TypeError,
     "cross_entropy: targets must be integer class indices, got dtype float64"),
    (lambda: F.cross_entropy(d2l.randn(2, 3), np.array([0, 1, 2])), ValueError,
     r"cross_entropy: targets must have shape \(2,\).*got \(3,\)"),
    (lambda: F.cross_entropy(d2l.randn(2, 3), np.array([-1, 1])), ValueError,
     r"cross_entropy: targets must lie in \[0, 3\).*got values in \[-1, 1\]"),
    (lambda: F.cross_entropy(d2l.randn(2, 3), np.array([0, 3])), ValueError,
     r"cross_entropy: targets must lie in \[0, 3\).*got values in \[0, 3\]"),
    (lambda: F.cross_entropy(d2l.randn(2, 3), np.array([0, 1]), reduction="avg"), ValueError,
     "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.mse(d2l.randn(4), d2l.randn(4, 1)), ValueError,
     r"mse: target must have the prediction's shape \(4,\) .*got \(4, 1\)"),
    (lambda: F.one_hot(np.array([0, 3]), 3), ValueError,
     r"one_hot: indices must lie in \[0, 3\), got values in \[0, 3\]"),
    (lambda: F.one_hot(np.array([0.0]), 3), TypeError, "one_hot: indices must be integers"),
    (lambda: d2l.randn(4).split(0), ValueError, "split: sections must be a positive number of parts.*got 0"),
    (lambda: d2l.randn(4).split([]), ValueError, r"split: sections must be .*a non-empty list of sizes, got \[\]"),
    (lambda: F.one_hot(np.array([0, 1]), 0), ValueError, "one_hot: num_classes must be a positive integer, got 0"),
    (lambda: F.one_hot(np.array([], dtype=int), -1), ValueError, "one_hot: num_classes must be a positive integer"),
    (lambda: F.dropout(d2l.randn(2), 1.0), ValueError, r"dropout: p must be a number in \[0, 1\), got 1.0"),
    (lambda: d2l.tensor([1.0], device="tpu"), ValueError, "device: expected 'cpu' or 'gpu', got 'tpu'"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_engine_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.Linear(0, 3), ValueError, "in_features: expected a positive int, got 0"),
    (lambda: nn.Linear(3, 2.5), ValueError, "out_features: expected a positive int, got 2.5"),
    (lambda: nn.Linear(3, 2)(d2l.randn(4, 5)), ValueError,
     r"Linear: input must have shape \(\.\.\., 3\) \(in_features=3\), got shape \(4, 5\)"),
    (lambda: nn.Linear(3, 2)(d2l.randn(4, 3, dtype="float64")), TypeError,
     r"Linear: input has dtype float64 but the parameters have dtype float32; convert it with x.astype\('float32'\)"),
    (lambda: nn.Embedding(5, 2)(np.array([1, 5])), ValueError,
     r"Embedding: index 5 is out of range for num_embeddings=5; indices must lie in \[0, 5\)"),
    (lambda: nn.Embedding(5, 2)(np.array([-1, 2])), ValueError, "Embedding: index -1 is out of range"),
    (lambda: nn.Embedding(5, 2)(np.array([1.0])), TypeError, "Embedding: indices must be integers, got dtype float64"),
    (lambda: nn.Embedding(0, 2), ValueError, "num_embeddings: expected a positive int, got 0"),
    (lambda: nn.Dropout(1.0), ValueError, r"Dropout: p must be a probability in \[0, 1\), got 1.0"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError, "CrossEntropyLoss: reduction must be"),
    (lambda: nn.MSELoss(reduction=None), ValueError, "MSELoss: reduction must be"),
    (lambda: nn.SGD([], lr=0.1), ValueError, "SGD: params is empty"),
    (lambda: nn.SGD([np.zeros(2)], lr=0.1), TypeError, r"SGD: params\[0\] must be a Parameter or Tensor, got ndarray"),
    (lambda: nn.SGD(nn.Linear(2, 2).parameters(), lr=-1), ValueError, "SGD: lr: expected a finite number >= 0, got -1"),
    (lambda: nn.SGD(nn.Linear(2, 2).parameters(), lr="0.1"), ValueError, "SGD: lr: expected a finite number >= 0, got '0.1'"),
    (lambda: nn.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=-0.5), ValueError, "SGD: momentum: expected a finite number >= 0"),
    (lambda: nn.Adam(nn.Linear(2, 2).parameters(), betas=(1.0, 0.9)), ValueError,
     r"Adam: betas\[0\]: expected a finite number >= 0 and < 1, got 1.0"),
    (lambda: nn.Adam(nn.Linear(2, 2).parameters(), betas=0.9), ValueError, "Adam: betas must be a pair"),
    (lambda: nn.RMSprop(nn.Linear(2, 2).parameters(), alpha=1.5), ValueError,
     "RMSprop: alpha: expected a finite number >= 0 and <= 1, got 1.5"),
    (lambda: nn.clip_grad_norm(nn.Linear(2, 2).parameters(), 0), ValueError,
     "clip_grad_norm_: max_norm: expected a finite number > 0, got 0"),
    (lambda: nn.init.orthogonal_(nn.Parameter(np.zeros(3))), ValueError,
     r"orthogonal_: param needs at least 2 dimensions, got shape \(3,\)"),
    (lambda: nn.init.xavier_uniform_(nn.Parameter(np.zeros(3))), ValueError, r"fans: .*got shape \(3,\)"),
    (lambda: nn.init.normal_(np.zeros(3)), TypeError, "normal_: param must be a Parameter or Tensor, got ndarray"),
    (lambda: nn.init.uniform_(nn.Parameter(np.zeros(3)), 1.0, 0.0), ValueError,
     "uniform_: low must be <= high, got low=1.0, high=0.0"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_nn_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_optimizer_refuses_a_parameter_listed_twice():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="same parameter more than once"):
        nn.SGD([p, p], lr=0.1)


def test_a_broadcasting_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"Mul: the input shapes \(2, 5\), \(3, 5\) cannot be broadcast"):
        d2l.ones(2, 5) * d2l.ones(3, 5)
