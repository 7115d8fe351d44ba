"""Concise PyTorch-style RNN, LSTM and GRU: parameters, shapes, and numbers.

Always: against a reference written here from ``cell_equations`` on the PyTorch-layout
parameters directly (so it shares nothing with the kernels or the layout adapters).
With PyTorch installed: against torch.nn.RNN/LSTM/GRU loaded with the same weights, in
float64, comparing outputs, final states and every gradient.
"""
import math

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.nn import cell_equations

MODULES = {"rnn_tanh": (nn.RNN, {}), "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}), "lstm": (nn.LSTM, {}),
           "gru": (nn.GRU, {})}
CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=2, batch_first=True),
    dict(num_layers=1, bidirectional=True, bias=False),
]


def build(kind, input_size=3, hidden_size=4, **config):
    cls, extra = MODULES[kind]
    return cls(input_size, hidden_size, dtype="float64", **extra, **config)


def random_inputs(module, T=5, B=2, seed=0):
    """x in the module's layout and random initial states (as a pair for LSTM)."""
    rng = np.random.default_rng(seed)
    shape = (B, T, module.input_size) if module.batch_first else (T, B, module.input_size)
    x = d2l.tensor(rng.standard_normal(shape), requires_grad=True, dtype="float64")
    states = [d2l.tensor(rng.standard_normal((module.num_layers * module.num_directions, B, module.hidden_size)),
                         requires_grad=True, dtype="float64") for _ in range(module.state_count)]
    return x, states


def call(module, x, states):
    return module(x, tuple(states) if module.state_count == 2 else states[0])


def flatten(result):
    output, states = result
    return [output, *(states if isinstance(states, tuple) else [states])]


# ------------------------------------------------------------------------- reference
def reference_step(kind, x_t, state, w_ih, w_hh, b_ih, b_hh):
    """One step in PyTorch's layout and gate order, from the cell equations."""
    h = state[0]
    H = h.shape[1]
    gi = x_t @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    if kind.startswith("rnn"):
        activation = (lambda a: a.tanh()) if kind == "rnn_tanh" else (lambda a: a.relu())
        return [cell_equations.rnn_update(gi + gh, activation)]
    if kind == "lstm":
        z = gi + gh
        return list(cell_equations.lstm_update(z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:], state[1]))
    z, r = cell_equations.gru_gates(gi[:, H:2 * H] + gh[:, H:2 * H], gi[:, :H] + gh[:, :H])  # rows r, z, n
    candidate = (gi[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
    return [cell_equations.gru_blend(z, h, candidate)]


def reference(kind, module, x, states):
    """Every layer and direction step by step; returns [output, *final states] like the module."""
    if module.batch_first:
        x = x.transpose(1, 0, 2)
    T = x.shape[0]
    finals = [[] for _ in states]
    layer_input = x
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(module.num_directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            weights = [getattr(module, f"{name}{suffix}", None) for name in ("weight_ih", "weight_hh", "bias_ih",
                                                                            "bias_hh")]
            k = layer * module.num_directions + direction
            state = [s[k] for s in states]
            per_step = [None] * T
            for t in (range(T - 1, -1, -1) if direction else range(T)):
                state = reference_step(kind, layer_input[t], state, *weights)
                per_step[t] = state[0]
            outputs.append(d2l.stack(per_step, axis=0))
            for final, s in zip(finals, state):
                final.append(s)
        layer_input = d2l.concat(outputs, axis=2)
    output = layer_input.transpose(1, 0, 2) if module.batch_first else layer_input
    return [output] + [d2l.stack(f, axis=0) for f in finals]


def weighted_loss(results, seed=1):
    rng = np.random.default_rng(seed)
    return sum(((r * rng.standard_normal(r.shape)).sum() for r in results[1:]),
               (results[0] * rng.standard_normal(results[0].shape)).sum())


def all_gradients(module, x, states, results):
    module.zero_grad()
    for leaf in [x, *states]:
        leaf.grad = None
    weighted_loss(results).backward()
    return {"x": x.grad, **{f"state{i}": s.grad for i, s in enumerate(states)},
            **{name: p.grad for name, p in module.named_parameters()}}


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("kind", list(MODULES))
def test_module_matches_reference_loop(kind, config):
    module = build(kind, **config)
    x, states = random_inputs(module)
    results = flatten(call(module, x, states))
    expected = reference(kind, module, x, states)
    for got, want in zip(results, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    got_grads = all_gradients(module, x, states, results)
    want_grads = all_gradients(module, x, states, expected)
    assert set(got_grads) == set(want_grads)
    for name in want_grads:
        np.testing.assert_allclose(got_grads[name], want_grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


# -------------------------------------------------------------------------- PyTorch
def torch_twin(kind, **config):
    """(a float64 torch module of this kind and config, the d2lrnn module holding its weights)."""
    import torch

    torch_cls = {"rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    extra = {"nonlinearity": "relu"} if kind == "rnn_relu" else {}
    torch.manual_seed(0)
    reference_model = torch_cls(3, 4, dtype=torch.float64, **extra, **config)
    module = build(kind, **config)
    module.load_state_dict(reference_model.state_dict())
    return reference_model, module


@pytest.mark.torch
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("kind", list(MODULES))
def test_module_matches_torch(kind, config):
    import torch

    reference_model, module = torch_twin(kind, **config)
    x, states = random_inputs(module)
    results = flatten(call(module, x, states))
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tstates = [torch.tensor(s.numpy(), requires_grad=True) for s in states]
    toutput, tfinal = reference_model(tx, tuple(tstates) if kind == "lstm" else tstates[0])
    tresults = [toutput, *(tfinal if kind == "lstm" else (tfinal,))]
    for got, want in zip(results, tresults):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)

    got_grads = all_gradients(module, x, states, results)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(r.shape) for r in tresults]
    sum((r * torch.from_numpy(w)).sum() for r, w in zip(tresults, weights)).backward()
    want_grads = {"x": tx.grad, **{f"state{i}": s.grad for i, s in enumerate(tstates)},
                  **{name: p.grad for name, p in reference_model.named_parameters()}}
    assert set(got_grads) == set(want_grads)
    for name, want in want_grads.items():
        np.testing.assert_allclose(got_grads[name], want.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.torch
def test_parameter_names_and_shapes_are_torchs():
    import torch

    for cls, torch_cls in ((nn.RNN, torch.nn.RNN), (nn.LSTM, torch.nn.LSTM), (nn.GRU, torch.nn.GRU)):
        ours = cls(5, 7, num_layers=3, bidirectional=True)
        theirs = torch_cls(5, 7, num_layers=3, bidirectional=True)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == \
               [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]


# ------------------------------------------------------------------- API and shapes
def test_parameters_shapes_and_initialisation():
    lstm = nn.LSTM(5, 16, num_layers=2, bidirectional=True)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                         "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert lstm.weight_ih_l0.shape == (64, 5) and lstm.weight_ih_l1.shape == (64, 32)
    assert lstm.weight_hh_l1_reverse.shape == (64, 16) and lstm.bias_hh_l1.shape == (64,)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.numpy().ravel() for p in lstm.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound and values.std() > bound / 3
    assert [n for n, _ in nn.GRU(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize("kind", list(MODULES))
def test_output_shapes_default_states_and_batch_first(kind):
    module = build(kind, input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).standard_normal((6, 2, 3))
    output, states = module(x)
    states = states if isinstance(states, tuple) else (states,)
    assert output.shape == (6, 2, 8) and all(s.shape == (4, 2, 4) for s in states)
    zero = tuple(np.zeros((4, 2, 4)) for _ in states)
    explicit, _ = module(x, zero if kind == "lstm" else zero[0])
    np.testing.assert_array_equal(output.numpy(), explicit.numpy())

    module.batch_first = True
    batch_major, _ = module(x.transpose(1, 0, 2))
    np.testing.assert_allclose(batch_major.numpy(), output.numpy().transpose(1, 0, 2), rtol=1e-12)


@pytest.mark.parametrize("kind", list(MODULES))
def test_unbatched_input_is_batch_of_one(kind):
    module = build(kind, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).standard_normal((5, 3))
    output, states = module(x)
    batched_output, batched_states = module(x[:, None, :])
    assert output.shape == (5, 8)
    np.testing.assert_allclose(output.numpy(), batched_output.numpy()[:, 0], rtol=1e-12)
    states = states if isinstance(states, tuple) else (states,)
    batched_states = batched_states if isinstance(batched_states, tuple) else (batched_states,)
    for s, b in zip(states, batched_states):
        assert s.shape == (4, 4)
        np.testing.assert_allclose(s.numpy(), b.numpy()[:, 0], rtol=1e-12)


def test_dropout_acts_between_layers_in_training_only():
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    single = nn.GRU(3, 4, dropout=0.5)
    np.testing.assert_array_equal(single(x)[0].numpy(), single.eval()(x)[0].numpy())  # nothing between layers
    stacked = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    evaluated = stacked.eval()(x)[0].numpy()
    np.testing.assert_array_equal(evaluated, stacked(x)[0].numpy())
    trained = stacked.train()(x)[0].numpy()
    assert not np.allclose(trained, evaluated)
    d2l.seed(3)
    first = stacked(x)[0].numpy()
    d2l.seed(3)
    np.testing.assert_array_equal(first, stacked(x)[0].numpy())


def test_float32_module_accepts_float64_arrays_and_returns_float32():
    lstm = nn.LSTM(3, 4)
    output, (h, c) = lstm(np.ones((2, 1, 3)))
    assert output.dtype == np.float32 and h.dtype == np.float32 and c.dtype == np.float32


def test_bad_input_gets_clear_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"input must have shape \(time, batch, features\)"):
        lstm(np.zeros((2, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"input must have 3 features \(input_size\).*got shape \(5, 2, 4\)"):
        lstm(np.zeros((5, 2, 4)))
    with pytest.raises(TypeError, match=r"initial state must be a pair \(h0, c0\)"):
        lstm(np.zeros((5, 2, 3)), np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"c0 must have shape \(2, 2, 4\).*got shape \(1, 2, 4\)"):
        lstm(np.zeros((5, 2, 3)), (np.zeros((2, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(TypeError, match="input has dtype float64 but the parameters have dtype float32"):
        lstm(d2l.tensor(np.zeros((5, 2, 3)), dtype="float64"))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size: expected a positive int, got 0"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match=r"dropout must be a probability in \[0, 1\), got 1.5"):
        nn.GRU(3, 4, dropout=1.5)


def test_repr_reads_like_pytorch():
    assert repr(nn.LSTM(10, 20, num_layers=2, bidirectional=True)) == "LSTM(10, 20, num_layers=2, bidirectional=True)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu", batch_first=True)) == \
        "RNN(3, 4, nonlinearity='relu', batch_first=True)"


def test_an_initial_state_of_another_dtype_is_named():
    lstm = nn.LSTM(3, 4)
    x = d2l.zeros(5, 2, 3)
    h0 = d2l.zeros(1, 2, 4, dtype="float64")
    with pytest.raises(TypeError, match="LSTM: h0 has dtype float64 but the input has dtype float32"):
        lstm(x, (h0, d2l.zeros(1, 2, 4)))
