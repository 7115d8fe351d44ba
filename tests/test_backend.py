"""The NumPy/CuPy backend: devices, the default device, array modules, moving data, seeding.

Without a GPU, a stub module stands in for CuPy: its ndarray is a NumPy subclass, so the
backend must tell "GPU" arrays from NumPy ones by type alone, exactly as it does with CuPy.
Tests marked ``gpu`` run the same paths on a real CuPy installation.
"""
import random
import types

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import backend


class FakeGpuArray(np.ndarray):
    """Stands in for cupy.ndarray: NumPy data that the backend must treat as GPU data."""


@pytest.fixture
def fake_cupy(monkeypatch):
    module = types.ModuleType("fake_cupy")
    module.ndarray = FakeGpuArray
    module.asarray = lambda a, dtype=None: np.asarray(a, dtype=dtype).view(FakeGpuArray)
    module.asnumpy = lambda a: np.asarray(a).view(np.ndarray)
    module.ones = lambda shape, dtype=None: np.ones(shape, dtype).view(FakeGpuArray)
    module.__getattr__ = lambda name: getattr(np, name)  # everything else: NumPy's function
    module.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))
    module.seeds = []
    module.random = types.SimpleNamespace(seed=module.seeds.append)
    monkeypatch.setattr(backend, "cupy", module)
    monkeypatch.setattr(backend, "_default_device", None)
    return module


@pytest.fixture
def no_cupy(monkeypatch):
    monkeypatch.setattr(backend, "cupy", None)
    monkeypatch.setattr(backend, "_default_device", None)


def test_unknown_device_names_the_argument():
    with pytest.raises(ValueError, match="device: expected 'cpu' or 'gpu', got 'tpu'"):
        backend.check_device("tpu")
    with pytest.raises(ValueError, match="'tpu'"):
        d2l.tensor([1.0], device="tpu")


def test_gpu_without_cupy_says_how_to_get_it(no_cupy):
    assert not backend.is_gpu_available()
    with pytest.raises(RuntimeError, match=r"CuPy is not installed.*pip install d2lrnn\[gpu\]"):
        backend.check_device("gpu")
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        d2l.tensor([1.0]).to("gpu")


def test_cpu_arrays_use_numpy(no_cupy):
    x = np.ones(3)
    assert backend.get_array_module(x) is np
    assert backend.get_array_module(d2l.tensor(x)) is np
    assert backend.device_of(x) == "cpu"
    assert backend.to_device(x, "cpu") is x  # no copy when already there
    assert d2l.tensor(x).device == "cpu"


def test_default_device_comes_from_the_environment(no_cupy, monkeypatch):
    monkeypatch.setenv(backend.ENV_DEVICE, " CPU ")
    assert backend.default_device() == "cpu"
    monkeypatch.setenv(backend.ENV_DEVICE, "gpu")
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        backend.default_device()
    monkeypatch.delenv(backend.ENV_DEVICE)
    assert backend.default_device() == "cpu"


def test_set_default_device_wins_over_the_environment(fake_cupy, monkeypatch):
    monkeypatch.setenv(backend.ENV_DEVICE, "cpu")
    backend.set_default_device("gpu")
    assert backend.default_device() == "gpu"
    with pytest.raises(ValueError, match="got 'cuda'"):
        backend.set_default_device("cuda")
    assert backend.default_device() == "gpu"


def test_tensor_of_numpy_data_goes_to_the_default_device(fake_cupy):
    backend.set_default_device("gpu")
    assert d2l.tensor(np.ones(2)).device == "gpu"  # as torch.tensor(ndarray) after set_default_device
    assert d2l.tensor([1.0]).device == "gpu"
    assert d2l.tensor(np.ones(2), device="cpu").device == "cpu"
    cpu = d2l.tensor(np.ones(2), device="cpu")
    assert d2l.tensor(cpu).device == "cpu"  # a Tensor keeps its device


def test_stub_gpu_arrays_are_recognised_by_type(fake_cupy):
    gpu = backend.to_device(np.arange(3.0), "gpu")
    assert type(gpu) is FakeGpuArray
    assert backend.is_gpu_array(gpu) and backend.device_of(gpu) == "gpu"
    assert backend.get_array_module(gpu) is fake_cupy
    assert backend.get_array_module(np.ones(2), gpu) is fake_cupy
    assert backend.array_module_for("gpu") is fake_cupy and backend.array_module_for("cpu") is np
    back = backend.to_device(gpu, "cpu")
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(backend.to_numpy(gpu), [0.0, 1.0, 2.0])
    assert type(backend.to_numpy(gpu)) is np.ndarray


def test_tensor_to_moves_data(fake_cupy):
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x
    moved = x.to("gpu")
    assert moved.device == "gpu" and type(moved.data) is FakeGpuArray
    assert moved.requires_grad and moved.dtype == np.float32
    np.testing.assert_array_equal(moved.numpy(), [1.0, 2.0])
    assert "device='gpu'" in repr(moved)
    assert not d2l.tensor([1.0]).to("gpu").requires_grad


def test_tensor_to_is_differentiable(fake_cupy):
    """The gradient of a loss computed on the GPU copy flows back, moved, to the CPU leaf."""
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    moved = x.to("gpu")
    assert moved.creator is not None and moved.creator.name == "ToDevice"
    (moved * moved).sum().backward()
    assert type(x.grad) is np.ndarray  # back on the CPU, not a FakeGpuArray
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])

    y = d2l.tensor([3.0], device="gpu", requires_grad=True)
    (y.to("cpu") * 5.0).sum().backward()
    assert type(y.grad) is FakeGpuArray
    np.testing.assert_array_equal(backend.to_numpy(y.grad), [5.0])


def test_ops_on_stub_gpu_tensors_stay_on_the_gpu(fake_cupy):
    a = d2l.tensor([1.0, 2.0], device="gpu", requires_grad=True)
    b = d2l.tensor([3.0, 4.0], device="gpu")
    y = a * b
    assert y.device == "gpu"
    assert y.creator.xp is fake_cupy  # the op ran with the array module of its data
    y.sum().backward()
    np.testing.assert_array_equal(backend.to_numpy(a.grad), [3.0, 4.0])


def test_seed_makes_draws_repeat(fake_cupy):
    d2l.seed(7)
    first = (np.random.random_sample(3), random.random(), d2l.randn(2).numpy())
    d2l.seed(7)
    second = (np.random.random_sample(3), random.random(), d2l.randn(2).numpy())
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]
    np.testing.assert_array_equal(first[2], second[2])
    assert fake_cupy.seeds == [7, 7]


# ------------------------------------------------------------------ real GPU
@pytest.mark.gpu
def test_real_gpu_round_trip_and_ops():
    import cupy

    expected = 2 * np.array([1.0, -2.0]) * (1 - np.tanh(np.array([1.0, 4.0])) ** 2)
    # float64: in float32, 1 - tanh(4)^2 keeps only about four significant digits on any device.
    x = d2l.tensor([1.0, -2.0], device="gpu", requires_grad=True, dtype="float64")
    assert isinstance(x.data, cupy.ndarray) and x.device == "gpu"
    (x * x).tanh().sum().backward()
    assert isinstance(x.grad, cupy.ndarray)
    np.testing.assert_allclose(backend.to_numpy(x.grad), expected, rtol=1e-12)
    assert x.to("cpu").device == "cpu"

    cpu_leaf = d2l.tensor([1.0, -2.0], requires_grad=True, dtype="float64")
    on_gpu = cpu_leaf.to("gpu")  # differentiable: the gradient comes back to the CPU leaf
    (on_gpu * on_gpu).tanh().sum().backward()
    assert isinstance(cpu_leaf.grad, np.ndarray)
    np.testing.assert_allclose(cpu_leaf.grad, expected, rtol=1e-12)


@pytest.mark.gpu
def test_real_gpu_default_device(monkeypatch):
    monkeypatch.setattr(backend, "_default_device", None)
    backend.set_default_device("gpu")
    assert d2l.zeros(2, 3).device == "gpu"
    assert d2l.tensor([1.0, 2.0]).device == "gpu"
    d2l.seed(3)
    first = d2l.randn(4).numpy()
    d2l.seed(3)
    np.testing.assert_array_equal(d2l.randn(4).numpy(), first)
