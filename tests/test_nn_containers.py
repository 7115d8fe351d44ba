"""nn containers and conventions: Sequential/ModuleList/ModuleDict with PyTorch's state-dict keys,
activation modules, Module dtype conversion, gradient clipping, ``__array__``, save/load paths."""
import os
from collections import OrderedDict

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn


def test_sequential_runs_in_order_with_torch_style_keys():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    P = model.state_dict()
    expected = np.tanh(x @ P["0.weight"].T + P["0.bias"]) @ P["2.weight"].T + P["2.bias"]
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert len(model) == 3 and isinstance(model[1], nn.Tanh) and isinstance(model[-1], nn.Linear)
    assert len(model[:2]) == 2
    tail = model[1:]                                   # a slice keeps the names, as in PyTorch
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]
    tail.append(nn.ReLU())
    assert len(tail) == 3 and isinstance(tail[1], nn.Linear)  # appending did not replace '2'


def test_sequential_from_ordered_dict_uses_its_keys():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU()), ("out", nn.Linear(3, 1))]))
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert model(d2l.ones(4, 2)).shape == (4, 1)


def test_module_list_and_dict_register_their_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
    layers.append(nn.Linear(3, 1))
    assert [type(m).__name__ for m in layers] == ["Linear"] * 3
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"] and "2.bias" in layers.state_dict()
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and "3.weight" in layers.state_dict()

    class Model(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleDict({"encoder": nn.Linear(2, 2), "decoder": nn.Linear(2, 1)})

    keys = list(Model().state_dict())
    assert keys == ["blocks.encoder.weight", "blocks.encoder.bias", "blocks.decoder.weight", "blocks.decoder.bias"]
    d = Model().blocks
    assert "encoder" in d and d.keys() == ["encoder", "decoder"] and isinstance(d["decoder"], nn.Linear)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.Sequential(nn.Linear(2, 2), "relu"), TypeError, r"Sequential: argument 1 must be a d2lrnn.nn.Module"),
    (lambda: nn.ModuleDict({"forward": nn.Tanh()}), ValueError, r"key 'forward' would hide"),
    (lambda: nn.ModuleDict({"a.b": nn.Tanh()}), ValueError, r"keys must be non-empty strings without '.'"),
    (lambda: nn.ModuleList([nn.Tanh()])[3], IndexError, r"index 3 is out of range for 1 modules"),
    (lambda: nn.ModuleDict({"a": nn.Tanh()})["b"], KeyError, r"no module under key 'b'"),
    (lambda: nn.Flatten(2)(d2l.zeros(3, 4)), ValueError, r"Flatten: start_dim=2"),
])
def test_bad_container_input_gets_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_activation_modules_match_numpy():
    x = np.linspace(-3, 3, 12).reshape(2, 3, 2)
    np.testing.assert_allclose(nn.Tanh()(d2l.tensor(x)).numpy(), np.tanh(x))
    np.testing.assert_allclose(nn.ReLU()(d2l.tensor(x)).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.Sigmoid()(d2l.tensor(x)).numpy(), 1 / (1 + np.exp(-x)))
    assert nn.Flatten()(d2l.tensor(x)).shape == (2, 6)
    assert nn.Flatten(0, 1)(d2l.tensor(x)).shape == (6, 2)


@pytest.mark.torch
def test_sequential_loads_a_torch_state_dict():
    import torch

    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Flatten(), nn.Linear(4, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_module_double_float_and_to_dtype_convert_parameters_and_gradients():
    model = nn.Sequential(nn.Linear(2, 3), nn.GRU(3, 2))
    model[0].weight.grad = np.ones((3, 2), dtype=np.float32)
    assert model.double() is model
    assert {p.dtype for p in model.parameters()} == {np.dtype("float64")}
    assert model[0].weight.grad.dtype == np.float64
    model.float()
    assert {p.dtype for p in model.parameters()} == {np.dtype("float32")}
    model.to(d2l.float64)
    assert {p.dtype for p in model.parameters()} == {np.dtype("float64")}
    model.to("cpu", dtype="float32")
    assert {p.dtype for p in model.parameters()} == {np.dtype("float32")}
    with pytest.raises(TypeError, match="Module.to: dtype must be a floating-point type, got int64"):
        model.to(d2l.int64)


def test_clip_grad_value_and_norm():
    params = [nn.Parameter(d2l.zeros(3)), nn.Parameter(d2l.zeros(2))]
    params[0].grad = np.array([3.0, -0.5, 0.1], dtype=np.float32)
    params[1].grad = np.array([-4.0, 2.0], dtype=np.float32)
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad, np.array([1.0, -0.5, 0.1], dtype=np.float32))
    np.testing.assert_array_equal(params[1].grad, [-1.0, 1.0])
    norm = nn.utils.clip_grad_norm_(params, 1.0)
    assert norm == pytest.approx(np.sqrt(1 + 0.25 + 0.01 + 1 + 1))
    assert np.sqrt(sum((p.grad ** 2).sum() for p in params)) == pytest.approx(1.0)
    assert nn.clip_grad_norm is nn.clip_grad_norm_  # the old name still works
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value: expected a finite number > 0, got -1"):
        nn.utils.clip_grad_value_(params, -1)


def test_numpy_asarray_of_a_tensor_gives_numbers():
    t = d2l.tensor([[1.0, 2.0], [3.0, 4.0]])
    array = np.asarray(t)
    assert array.dtype == np.float32 and array.shape == (2, 2)
    np.testing.assert_array_equal(array, [[1, 2], [3, 4]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_save_and_load_use_the_path_as_given(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3))
    path = os.path.join(tmp_path, "weights")
    model.save(path)
    assert os.listdir(tmp_path) == ["weights"]
    other = nn.Sequential(nn.Linear(2, 3))
    other.load(path)
    np.testing.assert_array_equal(other[0].weight.numpy(), model[0].weight.numpy())


def test_lazy_linear_takes_in_features_from_its_first_input():
    layer = nn.LazyLinear(2)
    assert layer.parameters() == []
    x = np.random.default_rng(0).standard_normal((4, 3))
    y = layer(d2l.tensor(x))
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float64 and y.shape == (4, 2)
    np.testing.assert_allclose(y.numpy(), x @ layer.weight.numpy().T + layer.bias.numpy())
    assert np.abs(layer.weight.numpy()).max() <= 1 / np.sqrt(3)
    with pytest.raises(ValueError, match=r"Linear: input must have shape \(\.\.\., 3\)"):
        layer(d2l.zeros(4, 5, dtype="float64"))
