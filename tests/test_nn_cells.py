"""nn.RNNCell, nn.LSTMCell and nn.GRUCell: PyTorch's formulas, names, initialisation and options.

Always: against the equations written here in NumPy (float64) on the same weights, and
gradients against finite differences. With PyTorch installed: a PyTorch cell's state dict
loads and gives its outputs and all gradients.
"""
import math

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn

CELLS = {"rnn_tanh": (nn.RNNCell, {}), "rnn_relu": (nn.RNNCell, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTMCell, {}), "gru": (nn.GRUCell, {})}
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_cell(kind, x, state, P, bias=True):
    """PyTorch's equations, in NumPy. state: h, or (h, c) for the LSTM."""
    h = state[0] if kind == "lstm" else state
    gi = x @ P["weight_ih"].T + (P["bias_ih"] if bias else 0)
    gh = h @ P["weight_hh"].T + (P["bias_hh"] if bias else 0)
    if kind == "rnn_tanh":
        return np.tanh(gi + gh)
    if kind == "rnn_relu":
        return np.maximum(gi + gh, 0)
    if kind == "lstm":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = sigmoid(f) * state[1] + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    H = h.shape[-1]
    r = sigmoid(gi[..., :H] + gh[..., :H])
    z = sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
    n = np.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
    return (1 - z) * n + z * h


def make(kind, bias=True, input_size=3, hidden_size=4):
    cls, extra = CELLS[kind]
    return cls(input_size, hidden_size, bias=bias, dtype=d2l.float64, **extra)


def random_state(kind, shape, rng):
    if kind == "lstm":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    return rng.standard_normal(shape)


def as_tensors(state):
    return tuple(d2l.tensor(s) for s in state) if isinstance(state, tuple) else d2l.tensor(state)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_parameters_have_torch_names_shapes_and_init(kind, bias):
    cell = make(kind, bias, hidden_size=25)
    G = GATES[kind]
    expected = {"weight_ih": (G * 25, 3), "weight_hh": (G * 25, 25)}
    if bias:
        expected.update(bias_ih=(G * 25,), bias_hh=(G * 25,))
    assert {k: p.shape for k, p in cell.named_parameters()} == expected
    bound = 1 / math.sqrt(25)
    for p in cell.parameters():
        assert p.dtype == np.float64 and np.abs(p.numpy()).max() <= bound
    assert np.abs(cell.weight_hh.numpy()).max() > 0.8 * bound  # uniform over the whole range


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_matches_numpy_equations(kind, bias, batched):
    rng = np.random.default_rng(0)
    cell = make(kind, bias)
    P = cell.state_dict()
    x = rng.standard_normal((2, 3) if batched else (3,))
    state = random_state(kind, (2, 4) if batched else (4,), rng)
    got = cell(d2l.tensor(x), as_tensors(state))
    want = numpy_cell(kind, x, state, P, bias)
    for g, w in zip(got if kind == "lstm" else [got], want if kind == "lstm" else [want]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", list(CELLS))
def test_missing_state_is_zeros(kind):
    rng = np.random.default_rng(0)
    cell = make(kind)
    x = rng.standard_normal((2, 3))
    zeros = random_state(kind, (2, 4), rng)
    zeros = tuple(np.zeros_like(z) for z in zeros) if kind == "lstm" else np.zeros_like(zeros)
    got = cell(d2l.tensor(x))
    want = numpy_cell(kind, x, zeros, cell.state_dict())
    np.testing.assert_allclose((got[0] if kind == "lstm" else got).numpy(), want[0] if kind == "lstm" else want)


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_gradients_match_finite_differences(kind):
    cell = make(kind)
    names = [name for name, _ in cell.named_parameters()]

    def run(x, h, c, *weights):
        for name, w in zip(names, weights):
            setattr(cell, name, w)
        return cell(x, (h, c)) if kind == "lstm" else cell(x, h)

    rng = np.random.default_rng(0)
    d2l.gradcheck(run, rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4)),
                  *[p.numpy() for p in cell.parameters()])


def test_cells_take_dtype_and_device():
    cell = nn.GRUCell(2, 3, device="cpu")
    assert cell.weight_ih.dtype == np.float32 and cell.weight_ih.device == "cpu"
    assert nn.LSTMCell(2, 3, dtype="float64").bias_hh.dtype == np.float64


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.RNNCell(3, 4)(d2l.zeros(2, 5)), ValueError, r"RNNCell: input must have shape \(batch, 3\)"),
    (lambda: nn.RNNCell(3, 4)(d2l.zeros(2, 3, 1)), ValueError, r"got shape \(2, 3, 1\)"),
    (lambda: nn.GRUCell(3, 4)(d2l.zeros(2, 3), d2l.zeros(2, 5)), ValueError,
     r"GRUCell: hx must have shape \(2, 4\) \(batch, hidden_size\), got shape \(2, 5\)"),
    (lambda: nn.GRUCell(3, 4)(d2l.zeros(3), d2l.zeros(1, 4)), ValueError, r"hx must have shape \(4,\)"),
    (lambda: nn.LSTMCell(3, 4)(d2l.zeros(2, 3), d2l.zeros(2, 4)), TypeError, r"hx must be the pair \(h, c\)"),
    (lambda: nn.LSTMCell(3, 4)(d2l.zeros(2, 3, dtype="float64")), TypeError,
     r"input has dtype float64 but the parameters have dtype float32"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="sigmoid"), ValueError,
     r"nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"),
    (lambda: nn.LSTMCell(0, 4), ValueError, r"input_size"),
])
def test_bad_cell_input_gets_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.torch
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_matches_torch_values_and_gradients(kind, bias, batched):
    import torch

    torch_cls = {"rnn_tanh": torch.nn.RNNCell, "rnn_relu": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell,
                 "gru": torch.nn.GRUCell}[kind]
    extra = {"nonlinearity": "relu"} if kind == "rnn_relu" else {}
    torch.manual_seed(0)
    theirs = torch_cls(3, 4, bias=bias, dtype=torch.float64, **extra)
    ours = make(kind, bias)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3) if batched else (3,))
    state = random_state(kind, (2, 4) if batched else (4,), rng)
    states = state if kind == "lstm" else (state,)
    x_o, x_t = d2l.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s_o = [d2l.tensor(s, requires_grad=True) for s in states]
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    out_o = ours(x_o, tuple(s_o) if kind == "lstm" else s_o[0])
    out_t = theirs(x_t, tuple(s_t) if kind == "lstm" else s_t[0])
    out_o = out_o if kind == "lstm" else (out_o,)
    out_t = out_t if kind == "lstm" else (out_t,)
    weights = [rng.standard_normal(o.shape) for o in out_o]
    for a, b in zip(out_o, out_t):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    sum(((o * w).sum() for o, w in zip(out_o, weights)), d2l.tensor(0.0, dtype="float64")).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(out_t, weights)).backward()
    np.testing.assert_allclose(x_o.grad, x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(s_o, s_t):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, theirs_params[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
