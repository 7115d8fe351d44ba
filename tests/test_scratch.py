"""The book's scratch recurrent layers against NumPy evaluations of the book's equations,
and their gradients against float64 finite differences."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.scratch import BiRNNScratch, GRUScratch, LSTMScratch, RNNScratch, StackedRNNScratch


# ------------------------------------------------------------------ NumPy references
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def rnn_reference(X, p, H=None):
    """The book's RNN: H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h). X: (T, B, D)."""
    H = np.zeros((X.shape[1], p["W_hh"].shape[0])) if H is None else H
    outputs = []
    for x in X:
        H = np.tanh(x @ p["W_xh"] + H @ p["W_hh"] + p["b_h"])
        outputs.append(H)
    return np.stack(outputs), H


def lstm_reference(X, p):
    H = C = np.zeros((X.shape[1], p["W_hi"].shape[0]))
    outputs = []
    for x in X:
        I = sigmoid(x @ p["W_xi"] + H @ p["W_hi"] + p["b_i"])
        F = sigmoid(x @ p["W_xf"] + H @ p["W_hf"] + p["b_f"])
        O = sigmoid(x @ p["W_xo"] + H @ p["W_ho"] + p["b_o"])
        C_tilde = np.tanh(x @ p["W_xc"] + H @ p["W_hc"] + p["b_c"])
        C = F * C + I * C_tilde
        H = O * np.tanh(C)
        outputs.append(H)
    return np.stack(outputs), (H, C)


def gru_reference(X, p):
    H = np.zeros((X.shape[1], p["W_hz"].shape[0]))
    outputs = []
    for x in X:
        Z = sigmoid(x @ p["W_xz"] + H @ p["W_hz"] + p["b_z"])
        R = sigmoid(x @ p["W_xr"] + H @ p["W_hr"] + p["b_r"])
        H_tilde = np.tanh(x @ p["W_xh"] + (R * H) @ p["W_hh"] + p["b_h"])
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(H)
    return np.stack(outputs), H


def sub_params(params, prefix):
    return {name[len(prefix):]: value for name, value in params.items() if name.startswith(prefix)}


def bi_reference(X, params, layer_reference=rnn_reference):
    """Concatenate the forward layer's output at t with the backward layer's output at t."""
    forward, _ = layer_reference(X, sub_params(params, "f_rnn."))
    backward, _ = layer_reference(X[::-1], sub_params(params, "b_rnn."))
    return np.concatenate([forward, backward[::-1]], axis=-1)


def weights(model):
    return {name: value.astype(np.float64) for name, value in model.state_dict().items()}


def as_array(outputs):
    return np.stack([o.numpy() for o in outputs])


# ------------------------------------------------------------------ helpers
def set_parameter(model, dotted_name, value):
    """Replace the parameter at ``rnns.0.W_xh``-style ``dotted_name`` by ``value``."""
    *path, last = dotted_name.split(".")
    owner = model
    for part in path:
        owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
    setattr(owner, last, value)


def check_gradients(model, X):
    """Finite-difference check of d(weighted sum of outputs) / d(inputs and every parameter)."""
    names = [name for name, _ in model.named_parameters()]
    initial = [p.numpy() for p in model.parameters()]
    outputs, _ = model(d2l.tensor(X))
    projection = np.random.default_rng(1).standard_normal(as_array(outputs).shape)

    def loss(X, *params):
        for name, value in zip(names, params):
            set_parameter(model, name, value)
        outputs, _ = model(X)
        return (d2l.stack(outputs) * projection).sum()

    assert d2l.gradcheck(loss, X, *initial)


SCRATCH_CASES = [
    (RNNScratch, rnn_reference),
    (LSTMScratch, lstm_reference),
    (GRUScratch, gru_reference),
]


# ------------------------------------------------------------------ outputs
def test_rnn_scratch_shapes_as_in_the_book():
    model = RNNScratch(num_inputs=16, num_hiddens=32)
    outputs, state = model(d2l.ones((100, 2, 16)))
    assert len(outputs) == 100
    assert outputs[0].shape == (2, 32)
    assert state.shape == (2, 32)


def test_parameters_follow_the_book_names_and_init():
    d2l.seed(3)
    model = LSTMScratch(num_inputs=200, num_hiddens=300, sigma=0.01)
    params = model.state_dict()
    assert set(params) == {f"{kind}{gate}" for gate in "ifoc" for kind in ("W_x", "W_h", "b_")}
    assert params["W_xi"].shape == (200, 300) and params["W_hi"].shape == (300, 300)
    assert params["W_xi"].dtype == np.float32
    for gate in "ifoc":
        assert np.all(params[f"b_{gate}"] == 0)
        assert abs(params[f"W_h{gate}"].std() - 0.01) < 0.0005
        assert abs(params[f"W_h{gate}"].mean()) < 0.0005


@pytest.mark.parametrize("cls, reference", SCRATCH_CASES)
def test_scratch_cell_matches_numpy_equations(cls, reference):
    model = cls(num_inputs=5, num_hiddens=4, sigma=0.7)
    X = np.random.default_rng(0).standard_normal((6, 3, 5)).astype(np.float32)
    outputs, state = model(d2l.tensor(X))
    expected, expected_state = reference(X.astype(np.float64), weights(model))
    np.testing.assert_allclose(as_array(outputs), expected, rtol=1e-5, atol=1e-6)
    final = state[0] if isinstance(state, tuple) else state
    np.testing.assert_allclose(final.numpy(), expected[-1], rtol=1e-5, atol=1e-6)
    if cls is LSTMScratch:
        np.testing.assert_allclose(state[1].numpy(), expected_state[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [RNNScratch, LSTMScratch, GRUScratch])
def test_list_of_steps_and_tensor_give_the_same_outputs(cls):
    model = cls(num_inputs=3, num_hiddens=4, sigma=0.5)
    X = d2l.randn(5, 2, 3)
    from_tensor, _ = model(X)
    from_list, _ = model([X[t] for t in range(5)])
    np.testing.assert_array_equal(as_array(from_tensor), as_array(from_list))


@pytest.mark.parametrize("cls", [RNNScratch, LSTMScratch, GRUScratch])
def test_state_is_carried_between_calls(cls):
    model = cls(num_inputs=3, num_hiddens=4, sigma=0.5)
    X = d2l.randn(6, 2, 3)
    whole, _ = model(X)
    first, state = model(X[:2])
    rest, _ = model(X[2:], state)
    np.testing.assert_allclose(as_array(first + rest), as_array(whole), rtol=1e-6)


def test_rnn_and_gru_accept_the_books_one_tuple_state():
    for cls in (RNNScratch, GRUScratch):
        model = cls(num_inputs=3, num_hiddens=4, sigma=0.5)
        X = d2l.randn(3, 2, 3)
        H = d2l.randn(2, 4)
        bare, _ = model(X, H)
        tupled, _ = model(X, (H,))
        np.testing.assert_array_equal(as_array(bare), as_array(tupled))


def test_stacked_matches_layer_by_layer_numpy():
    model = StackedRNNScratch(num_inputs=5, num_hiddens=4, num_layers=3, sigma=0.6)
    X = np.random.default_rng(2).standard_normal((6, 2, 5))
    outputs, Hs = model(d2l.tensor(X))
    params = weights(model)
    expected, finals = X, []
    for layer in range(3):
        expected, H = rnn_reference(expected, sub_params(params, f"rnns.{layer}."))
        finals.append(H)
    np.testing.assert_allclose(as_array(outputs), expected, rtol=1e-5, atol=1e-6)
    assert len(Hs) == 3
    for H, H_expected in zip(Hs, finals):
        np.testing.assert_allclose(H.numpy(), H_expected, rtol=1e-5, atol=1e-6)
    assert params["rnns.0.W_xh"].shape == (5, 4) and params["rnns.1.W_xh"].shape == (4, 4)


def test_stacked_lstm_layers():
    model = StackedRNNScratch(num_inputs=3, num_hiddens=4, num_layers=2, sigma=0.6, rnn=LSTMScratch)
    X = np.random.default_rng(2).standard_normal((5, 2, 3))
    outputs, Hs = model(d2l.tensor(X))
    params = weights(model)
    bottom, _ = lstm_reference(X, sub_params(params, "rnns.0."))
    top, (H, C) = lstm_reference(bottom, sub_params(params, "rnns.1."))
    np.testing.assert_allclose(as_array(outputs), top, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Hs[1][1].numpy(), C, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ bidirectional
def test_birnn_concatenates_steps_of_the_same_time():
    model = BiRNNScratch(num_inputs=5, num_hiddens=4, sigma=0.6)
    assert model.num_hiddens == 8
    X = np.random.default_rng(4).standard_normal((6, 2, 5))
    outputs, (f_H, b_H) = model(d2l.tensor(X))
    expected = bi_reference(X, weights(model))
    np.testing.assert_allclose(as_array(outputs), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f_H.numpy(), expected[-1, :, :4], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b_H.numpy(), expected[0, :, 4:], rtol=1e-5, atol=1e-6)


def test_birnn_backward_half_sees_only_the_future():
    model = BiRNNScratch(num_inputs=3, num_hiddens=4, sigma=0.8)
    X = np.random.default_rng(5).standard_normal((7, 2, 3)).astype(np.float32)
    before = as_array(model(d2l.tensor(X))[0])
    changed_step = 3
    X[changed_step] += 1.0
    after = as_array(model(d2l.tensor(X))[0])
    forward_half, backward_half = slice(0, 4), slice(4, 8)
    # The backward state at t reads x_t .. x_{T-1}: steps after the change are untouched.
    np.testing.assert_array_equal(after[changed_step + 1:, :, backward_half],
                                  before[changed_step + 1:, :, backward_half])
    assert np.all(np.abs(after[:changed_step + 1, :, backward_half] - before[:changed_step + 1, :, backward_half])
                  .max(axis=(1, 2)) > 1e-4)
    # The forward state at t reads x_0 .. x_t: steps before the change are untouched.
    np.testing.assert_array_equal(after[:changed_step, :, forward_half], before[:changed_step, :, forward_half])
    assert np.all(np.abs(after[changed_step:, :, forward_half] - before[changed_step:, :, forward_half])
                  .max(axis=(1, 2)) > 1e-4)


def test_birnn_with_different_sizes_per_direction():
    model = BiRNNScratch(num_inputs=3, num_hiddens=(2, 5), sigma=0.6)
    assert model.num_hiddens == 7
    X = np.random.default_rng(6).standard_normal((4, 2, 3))
    outputs, (f_H, b_H) = model(d2l.tensor(X))
    assert outputs[0].shape == (2, 7) and f_H.shape == (2, 2) and b_H.shape == (2, 5)
    np.testing.assert_allclose(as_array(outputs), bi_reference(X, weights(model)), rtol=1e-5, atol=1e-6)


def test_birnn_on_lstm_cores():
    model = BiRNNScratch(num_inputs=3, num_hiddens=4, sigma=0.6, rnn=LSTMScratch)
    X = np.random.default_rng(7).standard_normal((5, 2, 3))
    outputs, ((f_H, f_C), (b_H, b_C)) = model(d2l.tensor(X))
    expected = bi_reference(X, weights(model), layer_reference=lstm_reference)
    np.testing.assert_allclose(as_array(outputs), expected, rtol=1e-5, atol=1e-6)
    assert f_C.shape == b_C.shape == (2, 4)


def test_deep_bidirectional_stack():
    model = StackedRNNScratch(num_inputs=3, num_hiddens=4, num_layers=2, sigma=0.6, rnn=BiRNNScratch)
    assert model.num_hiddens == 8
    X = np.random.default_rng(8).standard_normal((5, 2, 3))
    outputs, Hs = model(d2l.tensor(X))
    params = weights(model)
    assert params["rnns.1.f_rnn.W_xh"].shape == (8, 4)
    layer1 = bi_reference(X, sub_params(params, "rnns.0."))
    layer2 = bi_reference(layer1, sub_params(params, "rnns.1."))
    np.testing.assert_allclose(as_array(outputs), layer2, rtol=1e-5, atol=1e-6)
    assert len(Hs) == 2 and len(Hs[0]) == 2


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("make", [
    lambda: RNNScratch(3, 4, sigma=0.6),
    lambda: LSTMScratch(3, 4, sigma=0.6),
    lambda: GRUScratch(3, 4, sigma=0.6),
    lambda: StackedRNNScratch(3, 3, 2, sigma=0.6),
    lambda: BiRNNScratch(3, (2, 3), sigma=0.6),
    lambda: BiRNNScratch(2, 2, sigma=0.6, rnn=GRUScratch),
], ids=["rnn", "lstm", "gru", "stacked", "birnn", "bigru"])
def test_gradients_match_finite_differences(make):
    model = make()
    X = np.random.default_rng(9).standard_normal((3, 2, model.num_inputs))
    check_gradients(model, X)


def test_truncated_bptt_detach_stops_the_gradient_at_the_cut():
    model = RNNScratch(num_inputs=3, num_hiddens=4, sigma=0.6)
    first_chunk = d2l.randn(4, 2, 3, requires_grad=True)
    second_chunk = d2l.randn(4, 2, 3)
    _, state = model(first_chunk)

    # Without the cut, the second chunk's loss reaches the first chunk's inputs.
    outputs, _ = model(second_chunk, state)
    d2l.stack(outputs).sum().backward()
    assert first_chunk.grad is not None and np.abs(first_chunk.grad).max() > 0

    # With state.detach(), it does not, and the weights get exactly the gradient of a
    # fresh start from the same (constant) state.
    first_chunk.grad = None
    model.zero_grad()
    _, state = model(first_chunk)
    outputs, _ = model(second_chunk, state.detach())
    d2l.stack(outputs).sum().backward()
    assert first_chunk.grad is None
    cut = {name: p.grad.copy() for name, p in model.named_parameters()}

    model.zero_grad()
    outputs, _ = model(second_chunk, d2l.tensor(state.numpy()))
    d2l.stack(outputs).sum().backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(cut[name], p.grad, rtol=1e-6)


def test_backward_through_5000_steps():
    model = RNNScratch(num_inputs=2, num_hiddens=3, sigma=0.5)
    outputs, state = model(d2l.randn(5000, 1, 2))
    state.sum().backward()
    for p in model.parameters():
        assert p.grad is not None and np.all(np.isfinite(p.grad))
    assert np.abs(model.W_xh.grad).max() > 0


# ------------------------------------------------------------------ bad input
def test_wrong_feature_size_is_named():
    model = RNNScratch(num_inputs=3, num_hiddens=4)
    with pytest.raises(ValueError, match=r"RNNScratch.*\(batch_size, 3\).*\(2, 5\)"):
        model(d2l.randn(4, 2, 5))


def test_wrong_rank_is_named():
    with pytest.raises(ValueError, match=r"LSTMScratch: inputs must have shape \(num_steps, batch_size, 3\)"):
        LSTMScratch(3, 4)(d2l.randn(2, 3))


def test_wrong_state_shape_is_named():
    with pytest.raises(ValueError, match=r"GRUScratch: the state must be .*\(2, 4\).*got \(3, 4\)"):
        GRUScratch(3, 4)(d2l.randn(5, 2, 3), d2l.zeros(3, 4))
    with pytest.raises(ValueError, match=r"LSTMScratch: the state must be the pair \(H, C\)"):
        LSTMScratch(3, 4)(d2l.randn(5, 2, 3), d2l.zeros(2, 4))
    with pytest.raises(ValueError, match=r"StackedRNNScratch: Hs must hold one state per layer \(2\), got 1"):
        StackedRNNScratch(3, 4, 2)(d2l.randn(5, 2, 3), [None])


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match=r"RNNScratch: num_hiddens must be a positive int, got 0"):
        RNNScratch(3, 0)
    with pytest.raises(ValueError, match=r"BiRNNScratch: num_hiddens must be an int or a pair"):
        BiRNNScratch(3, (1, 2, 3))
