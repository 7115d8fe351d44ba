"""Bidirectional against the Keras fixture, against two separately run layers, and its errors.

The composition tests rebuild what Bidirectional must compute from two plain layers (tested
on their own in test_layers_recurrent.py) and NumPy: flip the backward sequence, merge.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers

X = np.array([[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],
              [[0.7, -0.8], [0.9, 0.0], [0.0, 0.0]]], dtype=np.float32)
MASK = np.array([[1, 1, 1], [1, 1, 0]], dtype=bool)
LSTM_WEIGHTS = [np.linspace(-0.5, 0.5, 16).reshape(2, 8), np.linspace(-0.3, 0.3, 16).reshape(2, 8),
                np.linspace(-0.1, 0.1, 8)]
FIXTURE = [[(-0.015681, -0.010965, 0.011589, 0.031087), (0.007335, 0.029984, 0.060346, 0.092335),
            (0.102025, 0.128807, 0.096255, 0.109381)],
           [(-0.058444, -0.056941, -0.069810, -0.063943), (-0.063821, -0.052614, -0.034966, -0.021344),
            (0, 0, 0, 0)]]


@pytest.mark.parametrize("use_fused", [None, False])
def test_keras_fixture_concat_masked(use_fused):
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=True, use_fused=use_fused))
    layer(X)
    layer.set_weights(LSTM_WEIGHTS + LSTM_WEIGHTS)
    out = layer(X, mask=MASK)
    np.testing.assert_allclose(out.numpy(), FIXTURE, atol=1.5e-6)
    assert layer.last_call_path == ("generic" if use_fused is False else "fused")


def separate_halves(template, weights, x, mask=None, initial_state=None):
    """The forward and backward outputs computed by two plain layers, in time order."""
    config = template.get_config()
    config["zero_output_for_mask"] = template.return_sequences
    forward = type(template).from_config({**config, "name": "f"})
    backward = type(template).from_config({**config, "name": "b", "go_backwards": True})
    half = len(weights) // 2
    states = [None, None] if initial_state is None else [initial_state[:len(initial_state) // 2],
                                                          initial_state[len(initial_state) // 2:]]
    results = []
    for layer, w, state in [(forward, weights[:half], states[0]), (backward, weights[half:], states[1])]:
        layer(x)
        layer.set_weights(w)
        out = layer(x, initial_state=state, mask=mask)
        results.append([o.numpy() for o in out] if isinstance(out, tuple) else [out.numpy()])
    if template.return_sequences:
        results[1][0] = results[1][0][:, ::-1]
    return results


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_merge_modes_match_two_layers(merge_mode, return_sequences, rng):
    x = rng.normal(size=(3, 5, 4))
    mask = np.arange(5)[None, :] < np.array([5, 3, 4])[:, None]
    template = layers.GRU(3, return_sequences=return_sequences, dtype="float64")
    bidirectional = layers.Bidirectional(template, merge_mode=merge_mode)
    out = bidirectional(x, mask=mask)
    (forward,), (backward,) = separate_halves(template, bidirectional.get_weights(), x, mask)
    expected = {"concat": lambda: np.concatenate([forward, backward], axis=-1), "sum": lambda: forward + backward,
                "mul": lambda: forward * backward, "ave": lambda: (forward + backward) / 2,
                None: lambda: (forward, backward)}[merge_mode]()
    if merge_mode is None:
        assert isinstance(out, tuple) and len(out) == 2
        for got, want in zip(out, expected):
            np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    else:
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    if return_sequences:  # masked steps are zeros in both halves
        assert np.all(backward[1, 3:] == 0) and np.all(forward[1, 3:] == 0)


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_return_state_order_and_initial_state_halves(merge_mode, rng):
    x = rng.normal(size=(2, 4, 3))
    initial = [rng.normal(size=(2, 2)) for _ in range(4)]  # h_f, c_f, h_b, c_b
    template = layers.LSTM(2, return_state=True, dtype="float64")
    bidirectional = layers.Bidirectional(template, merge_mode=merge_mode)
    out = bidirectional(x, initial_state=initial)
    forward, backward = separate_halves(template, bidirectional.get_weights(), x, initial_state=initial)
    outputs = [np.concatenate([forward[0], backward[0]], -1)] if merge_mode else [forward[0], backward[0]]
    expected = outputs + forward[1:] + backward[1:]  # output(s), h_f, c_f, h_b, c_b
    assert len(out) == len(expected) == (5 if merge_mode else 6)
    for got, want in zip(out, expected):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


def test_initial_state_of_the_wrong_length():
    layer = layers.Bidirectional(layers.LSTM(2))
    with pytest.raises(ValueError, match=r"4 arrays \(\[h_f, c_f, h_b, c_b\]\), got 2"):
        layer(X, initial_state=[np.zeros((2, 2)), np.zeros((2, 2))])


def test_weights_order_names_and_count():
    layers.clear_session()
    layer = layers.Bidirectional(layers.LSTM(32, return_sequences=True))
    layer(np.zeros((1, 2, 64)))
    assert layer.count_params() == 24832  # 2 x 4 x (32 x 96 + 32)
    assert [w.path for w in layer.weights][::3] == ["bidirectional/forward_lstm/lstm_cell/kernel",
                                                    "bidirectional/backward_lstm/lstm_cell/kernel"]
    assert layer.forward_layer.name == "forward_lstm" and layer.backward_layer.go_backwards


def test_the_wrapped_layer_is_a_template():
    template = layers.LSTM(2)
    template(X)
    layer = layers.Bidirectional(template)
    layer(X)
    assert layer.forward_layer is not template
    assert not np.array_equal(layer.get_weights()[0], template.get_weights()[0])


def test_custom_backward_layer_is_used_as_given(rng):
    forward = layers.LSTM(3, return_sequences=True)
    backward = layers.LSTM(3, activation="relu", return_sequences=True, go_backwards=True)
    layer = layers.Bidirectional(forward, backward_layer=backward)
    out = layer(rng.normal(size=(2, 5, 4)))
    assert layer.backward_layer is backward and out.shape == (2, 5, 6)
    assert backward.last_call_path == "generic" and layer.last_call_path == "mixed"


def test_weights_argument_is_applied_when_built():
    layer = layers.Bidirectional(layers.LSTM(2), weights=LSTM_WEIGHTS + LSTM_WEIGHTS)
    layer(X)
    for got, want in zip(layer.get_weights(), LSTM_WEIGHTS + LSTM_WEIGHTS):
        np.testing.assert_allclose(got, want, atol=1e-7)


def test_masks_and_shapes():
    layer = layers.Bidirectional(layers.GRU(4, return_sequences=True))
    out = layer(X, mask=MASK)
    np.testing.assert_array_equal(layers.mask_of(out), MASK)
    assert layer.compute_output_shape((None, 7, 2)) == (None, 7, 8)
    assert layers.Bidirectional(layers.GRU(4), merge_mode="sum").compute_output_shape((None, 7, 2)) == (None, 4)
    none_merge = layers.Bidirectional(layers.GRU(4, return_sequences=True), merge_mode=None)
    assert none_merge.compute_output_shape((None, 7, 2)) == [(None, 7, 4), (None, 7, 4)]
    with_state = layers.Bidirectional(layers.LSTM(4, return_state=True))
    assert with_state.compute_output_shape((None, 7, 2)) == [(None, 8)] + [(None, 4)] * 4
    assert layers.mask_of(layers.Bidirectional(layers.GRU(4))(X, mask=MASK)) is None


def test_config_round_trip_keeps_names_and_results(rng):
    layers.clear_session()
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="ave")
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    out = layer(x)
    config = layer.get_config()
    assert config["layer"]["config"]["name"] == "forward_lstm"
    assert config["backward_layer"]["config"]["name"] == "backward_lstm"
    clone = layers.Bidirectional.from_config(config)
    assert clone.forward_layer.name == "forward_lstm" and clone.backward_layer.name == "backward_lstm"
    assert clone.get_config() == config
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), out.numpy(), atol=1e-6)


def test_use_fused_is_copied_to_both_directions():
    layer = layers.Bidirectional(layers.GRU(2, use_fused=False))
    layer(X)
    assert layer.forward_layer.use_fused is False and layer.backward_layer.use_fused is False
    assert layer.last_call_path == "generic"


def test_stateful_bidirectional_resets_both_directions(rng):
    layer = layers.Bidirectional(layers.GRU(2, stateful=True))
    layer(rng.normal(size=(3, 4, 2)))
    assert len(layer.states) == 2 and np.abs(layer.states[0].numpy()).sum() > 0
    layer.reset_states()
    assert all(np.all(s.numpy() == 0) for s in layer.states)
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        layers.Bidirectional(layers.GRU(2)).reset_state()


def test_gradients_by_finite_differences(rng):
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=True, dtype="float64"), merge_mode="mul")
    x = rng.normal(size=(2, 3, 2))
    mask = np.array([[1, 1, 1], [1, 1, 0]], dtype=bool)
    weights_r = rng.normal(size=(2, 3, 2))
    x_t = d2l.tensor(x, requires_grad=True, dtype="float64")
    (layer(x_t, mask=mask) * weights_r).sum().backward()

    def value():
        with d2l.no_grad():
            return float((layer(x, mask=mask).numpy() * weights_r).sum())

    for array, analytic in [(x, x_t.grad)] + [(w.data, w.grad) for w in layer.weights]:
        numeric = np.zeros(array.shape)
        for i in np.ndindex(array.shape):
            saved = array[i]
            array[i] = saved + 1e-6
            plus = value()
            array[i] = saved - 1e-6
            numeric[i] = (plus - value()) / 2e-6
            array[i] = saved
        np.testing.assert_allclose(analytic, numeric, atol=1e-7, rtol=1e-5)


def test_construction_errors():
    with pytest.raises(ValueError, match="Invalid merge mode. Received: max"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(layers.LSTM(2, go_backwards=True))
    with pytest.raises(ValueError, match="cell LSTMCell.*use LSTM\\(units\\)"):
        layers.Bidirectional(layers.LSTMCell(4))
    with pytest.raises(ValueError, match="must be a recurrent layer.*Dense"):
        layers.Bidirectional(layers.Dense(4))
    with pytest.raises(ValueError, match="with a `Layer` instance"):
        layers.Bidirectional("lstm")


def test_backward_layer_of_another_kind_sets_shapes_and_state_split():
    """A GRU(6) forward and an LSTM(2) backward: widths add up, each half keeps its own states."""
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    bi = layers.Bidirectional(
        layers.GRU(6, return_sequences=True, return_state=True),
        backward_layer=layers.LSTM(2, return_sequences=True, return_state=True, go_backwards=True))
    out = bi(x)
    assert [tuple(o.shape) for o in out] == [(2, 4, 8), (2, 6), (2, 2), (2, 2)]
    assert bi.compute_output_shape((None, 4, 3)) == [(None, 4, 8), (None, 6), (None, 2), (None, 2)]
    h_f = np.random.default_rng(2).normal(size=(2, 6)).astype("float32")
    out = bi(x, initial_state=[h_f, np.zeros((2, 2), "float32"), np.zeros((2, 2), "float32")])
    expected = bi.forward_layer(x, initial_state=[h_f])
    np.testing.assert_allclose(out[1].numpy(), expected[1].numpy(), rtol=1e-6)


def test_elementwise_merge_of_different_widths_names_both():
    x = np.zeros((2, 4, 3), "float32")
    bi = layers.Bidirectional(layers.GRU(6), merge_mode="sum", backward_layer=layers.LSTM(2, go_backwards=True))
    with pytest.raises(ValueError, match="6 features and the backward layer 2"):
        bi(x)


@pytest.mark.parametrize("mask", [MASK, np.array([[1, 1, 0], [0, 0, 0]], dtype=bool)], ids=["padded", "empty_row"])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("make", [lambda **k: layers.LSTM(3, **k), lambda **k: layers.GRU(3, **k),
                                  lambda **k: layers.SimpleRNN(3, activation="relu", **k)],
                         ids=["lstm", "gru", "simple_rnn"])
def test_one_bidirectional_kernel_call_equals_the_generic_loops(make, return_sequences, return_state, mask,
                                                                monkeypatch):
    from d2lrnn import kernels

    calls = []
    for name in ("rnn_bidirectional", "lstm_bidirectional", "gru_bidirectional"):
        original = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _f=original, **k: calls.append(1) or _f(*a, **k))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 2)).astype(np.float64)
    options = dict(return_sequences=return_sequences, return_state=return_state, dtype="float64")
    fused = layers.Bidirectional(make(**options))
    generic = layers.Bidirectional(make(use_fused=False, **options))
    fused(x), generic(x)
    generic.set_weights(fused.get_weights())
    calls.clear()
    results = []
    for layer in (fused, generic):
        inputs = d2l.tensor(x, requires_grad=True)
        out = layer(inputs, mask=mask)
        outputs = list(out) if isinstance(out, tuple) else [out]
        sum(((o * o).sum() for o in outputs), d2l.tensor(0.0, dtype="float64")).backward()
        results.append(([o.numpy() for o in outputs], inputs.grad, [w.grad for w in layer.trainable_weights]))
    assert calls == [1] and fused.last_call_path == "fused" and generic.last_call_path == "generic"
    for got, want in zip(results[0][0] + [results[0][1]] + results[0][2], results[1][0] + [results[1][1]] + results[1][2]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_dropout_in_training_runs_the_directions_apart(monkeypatch):
    from d2lrnn import kernels

    monkeypatch.setattr(kernels, "gru_bidirectional", lambda *a, **k: pytest.fail("one call cannot draw two masks"))
    layer = layers.Bidirectional(layers.GRU(2, dropout=0.5))
    layer(X, training=True)
    assert layer.last_call_path == "fused"
