"""The book's names on the engine: add_to_class, check_shape, Timer, try_gpu, dtype names and
PyTorch's function forms, each checked against NumPy."""
import time

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.nn import functional as F


def test_add_to_class_attaches_a_method_also_to_existing_instances():
    class A:
        pass

    a = A()

    @d2l.add_to_class(A)
    def double(self, x):
        return 2 * x

    assert double is None and a.double(3) == 6
    with pytest.raises(TypeError, match="add_to_class: Class must be a class, got int"):
        d2l.add_to_class(3)


def test_check_shape_and_check_len():
    d2l.check_shape(d2l.zeros(2, 3), (2, 3))
    d2l.check_len([1, 2], 2)
    with pytest.raises(ValueError, match=r"check_shape: tensor's shape \(2, 3\) != expected shape \(3, 2\)"):
        d2l.check_shape(d2l.zeros(2, 3), (3, 2))
    with pytest.raises(ValueError, match=r"check_len: list's length 2 != expected length 3"):
        d2l.check_len([1, 2], 3)


def test_timer_records_times():
    timer = d2l.Timer()
    time.sleep(0.01)
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert first >= 0.01 and timer.times == [first, second]
    assert timer.sum() == pytest.approx(first + second) and timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_try_gpu_and_num_gpus():
    assert d2l.try_gpu() == ("gpu" if d2l.is_gpu_available() else "cpu")
    assert d2l.num_gpus() == (0 if not d2l.is_gpu_available() else d2l.num_gpus()) >= 0
    assert d2l.try_gpu(d2l.num_gpus()) == "cpu"


def test_dtype_names_are_accepted_where_dtypes_are():
    assert d2l.ones((2, 3), dtype=d2l.int64).dtype == np.int64
    assert d2l.zeros(2, dtype=d2l.float64).dtype == np.float64
    assert d2l.tensor([1, 2], dtype=d2l.int32).dtype == np.int32
    assert d2l.ones(2).type(d2l.float64).dtype == np.float64
    assert nn.Linear(2, 2).to(d2l.float64).weight.dtype == np.float64
    assert nn.Parameter(d2l.randn(2, 2) * 0.1).requires_grad


UNARY = {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0),
         "exp": np.exp, "log": np.log, "sqrt": np.sqrt}


@pytest.mark.parametrize("name", list(UNARY))
def test_elementwise_function_forms_match_numpy_and_differentiate(name):
    x = np.random.default_rng(0).uniform(0.1, 2.0, (3, 4))
    np.testing.assert_allclose(getattr(d2l, name)(d2l.tensor(x)).numpy(), UNARY[name](x), rtol=1e-6)
    d2l.gradcheck(getattr(d2l, name), x)
    as_array = getattr(d2l, name)(x)   # a gradient array in gives an array out
    assert isinstance(as_array, np.ndarray)
    np.testing.assert_allclose(as_array, UNARY[name](x))


def test_structural_function_forms_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(d2l.matmul(d2l.tensor(a), d2l.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(d2l.cat((d2l.tensor(a), d2l.tensor(a)), -1).numpy(), np.concatenate([a, a], -1))
    np.testing.assert_array_equal(d2l.concat([d2l.tensor(a)] * 2, dim=0).numpy(), np.concatenate([a, a], 0))
    np.testing.assert_array_equal(d2l.stack([d2l.tensor(a)] * 3, 1).numpy(), np.stack([a] * 3, 1))
    np.testing.assert_array_equal(d2l.reshape(d2l.tensor(a), (3, 2)).numpy(), a.reshape(3, 2))
    np.testing.assert_allclose(d2l.softmax(d2l.tensor(a), dim=1).numpy(),
                               np.exp(a) / np.exp(a).sum(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(d2l.sum(d2l.tensor(a), dim=0).numpy(), a.sum(0))
    np.testing.assert_array_equal(d2l.argmax(d2l.tensor(a), axis=1).numpy(), a.argmax(1))
    np.testing.assert_array_equal(F.one_hot(d2l.tensor([0, 2]), 3).numpy(), np.eye(3)[[0, 2]])
    np.testing.assert_array_equal(d2l.one_hot(d2l.tensor([1]), 2).numpy(), [[0, 1]])
    np.testing.assert_array_equal(F.one_hot(d2l.tensor([1, 3])).numpy(), np.eye(4)[[1, 3]])  # -1: largest + 1
    with pytest.raises(TypeError, match="axis and dim name the same argument"):
        d2l.cat([d2l.tensor(a)], axis=0, dim=1)


def test_tensor_iterates_and_reverses_along_the_first_axis():
    x = d2l.tensor(np.arange(24.0).reshape(4, 3, 2))
    assert [s.shape for s in x] == [(3, 2)] * 4
    np.testing.assert_array_equal(reversed(x).numpy(), np.arange(24.0).reshape(4, 3, 2)[::-1])
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(d2l.tensor(1.0))


def test_no_grad_works_as_a_decorator_and_zero_():
    @d2l.no_grad()
    def step(w):
        return w * 2

    w = d2l.ones(2, requires_grad=True)
    assert not step(w).requires_grad
    assert w.zero_() is w and (w.numpy() == 0).all()
