"""Keras-style SimpleRNN, LSTM, GRU and RNN against the Keras 3 fixtures and a NumPy reference.

The fixtures are the numbers of spec/keras_rnn_semantics.md §12 (computed by Keras 3.15.1).
The NumPy reference below writes the equations of §1.2-1.4 and the masking rules of §2.4
directly, without the library. Every numeric test runs on both paths: the fused kernels
(use_fused=None, where the configuration allows it) and the generic cell loop.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, regularizers
from d2lrnn.layers import initializers

X = np.array([[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],
              [[0.7, -0.8], [0.9, 0.0], [0.0, 0.0]]], dtype=np.float32)
MASK = np.array([[1, 1, 1], [1, 1, 0]], dtype=bool)
GATES = {"simple": 1, "lstm": 4, "gru": 3, "gru_before": 3}
PATHS = [None, False]  # use_fused: fused where possible, then forced generic


def fixture_weights(kind, D=2, U=2):
    """The spec's linspace weights: kernel, recurrent_kernel, bias (GRU reset_after: (2, 3U))."""
    G = GATES[kind]
    kernel = np.linspace(-0.5, 0.5, D * G * U).reshape(D, G * U)
    recurrent = np.linspace(-0.3, 0.3, U * G * U).reshape(U, G * U)
    if kind == "gru":
        bias = np.linspace(-0.1, 0.1, 2 * G * U).reshape(2, G * U)
    else:
        bias = np.linspace(-0.1, 0.1, G * U)
    return [kernel, recurrent, bias]


def make_layer(kind, units=2, **kwargs):
    if kind == "simple":
        return layers.SimpleRNN(units, **kwargs)
    if kind == "lstm":
        return layers.LSTM(units, **kwargs)
    return layers.GRU(units, reset_after=(kind == "gru"), **kwargs)


def built(kind, x=X, weights=None, **kwargs):
    layer = make_layer(kind, **kwargs)
    layer(x[:, :1])
    layer.set_weights(weights if weights is not None else fixture_weights(kind))
    return layer


# ------------------------------------------------------------------ reference
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_step(kind, x, states, kernel, recurrent, bias):
    """One step of §1.2-1.4 in NumPy; returns (output, new states)."""
    h = states[0]
    U = recurrent.shape[0]
    if kind == "simple":
        h = np.tanh(x @ kernel + bias + h @ recurrent)
        return h, [h]
    if kind == "lstm":
        z = x @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * U:(k + 1) * U] for k in range(4))
        c = sigmoid(f) * states[1] + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    if kind == "gru":
        a = x @ kernel + bias[0]
        m = h @ recurrent + bias[1]
        z = sigmoid(a[:, :U] + m[:, :U])
        r = sigmoid(a[:, U:2 * U] + m[:, U:2 * U])
        candidate = np.tanh(a[:, 2 * U:] + r * m[:, 2 * U:])
    else:  # GRU, reset gate before the recurrent matmul
        a = x @ kernel + bias
        z = sigmoid(a[:, :U] + h @ recurrent[:, :U])
        r = sigmoid(a[:, U:2 * U] + h @ recurrent[:, U:2 * U])
        candidate = np.tanh(a[:, 2 * U:] + (r * h) @ recurrent[:, 2 * U:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def reference(kind, x, weights, mask=None, go_backwards=False, zero_output_for_mask=False, initial=None):
    """The Keras loop of §2.4: returns (outputs in processing order (B, T, U), final states)."""
    B, T, _ = x.shape
    U = weights[1].shape[0]
    states = [np.array(s, dtype=np.float64) for s in initial] if initial is not None else \
        [np.zeros((B, U)) for _ in range(2 if kind == "lstm" else 1)]
    # The TF/torch backends' rule (spec 2.4): the previously emitted output, zeros before the first one
    # (JAX/NumPy would repeat h0 at leading masked steps; d2lrnn follows the torch backend).
    previous = np.zeros((B, U))
    outputs = []
    for t in (range(T - 1, -1, -1) if go_backwards else range(T)):
        y, new = reference_step(kind, x[:, t].astype(np.float64), states, *weights)
        if mask is not None:
            keep = mask[:, t][:, None]
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
            y = np.where(keep, y, 0.0 if zero_output_for_mask else previous)
        states, previous = new, y
        outputs.append(y)
    return np.stack(outputs, axis=1), states


# ------------------------------------------------------------------- fixtures
FIXTURES = {
    "simple": [[(-0.181307, -0.016665), (-0.129870, 0.257222), (0.304692, 0.517915)],
               [(-0.525084, -0.394119), (-0.406897, -0.115213), (0.010547, 0.105729)]],
    "lstm": [[(-0.015681, -0.010965), (0.007335, 0.029984), (0.102025, 0.128807)],
             [(-0.058444, -0.056941), (-0.063821, -0.052614), (-0.029577, -0.017131)]],
    "gru": [[(-0.044915, -0.034623), (0.053247, 0.100363), (0.180368, 0.220026)],
            [(-0.243704, -0.232361), (-0.173691, -0.114073), (-0.081589, -0.043033)]],
    "gru_before": [[(-0.019126, -0.002418), (0.092298, 0.146809), (0.221290, 0.268482)],
                   [(-0.215260, -0.195913), (-0.129364, -0.058135), (-0.032748, 0.018506)]],
}
LSTM_BACKWARDS = [[(0.096255, 0.109381), (0.060346, 0.092335), (0.011589, 0.031087)],
                  [(0.003514, 0.010840), (-0.033373, -0.016379), (-0.069230, -0.062285)]]
LSTM_FINAL_C = [(0.172888, 0.216284), (-0.057451, -0.032871)]
ATOL = 1.5e-6  # the fixtures are rounded to 6 decimals


@pytest.mark.parametrize("use_fused", PATHS)
@pytest.mark.parametrize("kind", list(FIXTURES))
def test_keras_fixture_sequences(kind, use_fused):
    layer = built(kind, return_sequences=True, use_fused=use_fused)
    out = layer(X)
    np.testing.assert_allclose(out.numpy(), FIXTURES[kind], atol=ATOL)
    expected_path = "generic" if use_fused is False or kind == "gru_before" else "fused"
    assert layer.last_call_path == expected_path


@pytest.mark.parametrize("use_fused", PATHS)
def test_keras_fixture_lstm_states(use_fused):
    out, h, c = built("lstm", return_sequences=True, return_state=True, use_fused=use_fused)(X)
    np.testing.assert_allclose(h.numpy(), np.array(FIXTURES["lstm"])[:, -1], atol=ATOL)
    np.testing.assert_allclose(c.numpy(), LSTM_FINAL_C, atol=ATOL)
    np.testing.assert_allclose(out.numpy()[:, -1], h.numpy(), atol=0)


@pytest.mark.parametrize("use_fused", PATHS)
def test_keras_fixture_lstm_go_backwards(use_fused):
    out = built("lstm", return_sequences=True, go_backwards=True, use_fused=use_fused)(X)
    np.testing.assert_allclose(out.numpy(), LSTM_BACKWARDS, atol=ATOL)


@pytest.mark.parametrize("use_fused", PATHS)
def test_keras_fixture_masked_simple_rnn(use_fused):
    out, h = built("simple", return_sequences=True, return_state=True, use_fused=use_fused)(X, mask=MASK)
    expected = np.array(FIXTURES["simple"])
    expected[1, 2] = expected[1, 1]  # the masked step repeats the previous output
    np.testing.assert_allclose(out.numpy(), expected, atol=ATOL)
    np.testing.assert_allclose(h.numpy(), [expected[0, 2], expected[1, 1]], atol=ATOL)


@pytest.mark.parametrize("use_fused", PATHS)
def test_keras_fixture_masked_gru(use_fused):
    out = built("gru", return_sequences=True, use_fused=use_fused)(X, mask=MASK)
    expected = np.array(FIXTURES["gru"])
    expected[1, 2] = expected[1, 1]
    np.testing.assert_allclose(out.numpy(), expected, atol=ATOL)


# --------------------------------------------------------- random vs reference
def random_weights(kind, D, U, rng):
    G = GATES[kind]
    bias_shape = (2, G * U) if kind == "gru" else (G * U,)
    return [rng.normal(0, 0.5, (D, G * U)), rng.normal(0, 0.5, (U, G * U)), rng.normal(0, 0.3, bias_shape)]


@pytest.mark.parametrize("use_fused", PATHS)
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", list(GATES))
def test_matches_numpy_reference_with_mask_and_state(kind, go_backwards, use_fused, rng):
    B, T, D, U = 3, 5, 4, 3
    x = rng.normal(size=(B, T, D))
    weights = random_weights(kind, D, U, rng)
    lengths = np.array([5, 2, 4])
    mask = np.arange(T)[None, :] < lengths[:, None]  # right-padded: both paths can take it
    initial = [rng.normal(size=(B, U)) for _ in range(2 if kind == "lstm" else 1)]
    layer = built(kind, x=x, weights=weights, units=U, return_sequences=True, return_state=True,
                  go_backwards=go_backwards, use_fused=use_fused, dtype="float64")
    out, *states = layer(x, initial_state=initial, mask=mask)
    expected_out, expected_states = reference(kind, x, weights, mask, go_backwards, initial=initial)
    np.testing.assert_allclose(out.numpy(), expected_out, atol=1e-12)
    for got, want in zip(states, expected_states):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_mask_with_holes_runs_generic_and_freezes_states(kind, rng):
    B, T, D, U = 2, 6, 3, 4
    x = rng.normal(size=(B, T, D))
    weights = random_weights(kind, D, U, rng)
    mask = np.array([[1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 1, 1]], dtype=bool)
    layer = built(kind, x=x, weights=weights, units=U, return_sequences=True, return_state=True, dtype="float64")
    out, *states = layer(x, mask=mask)
    assert layer.last_call_path == "generic"
    expected_out, expected_states = reference(kind, x, weights, mask)
    np.testing.assert_allclose(out.numpy(), expected_out, atol=1e-12)
    np.testing.assert_allclose(states[-1].numpy(), expected_states[-1], atol=1e-12)
    # Masked steps leave every state unchanged: the final state equals running the valid steps only.
    for b in range(B):
        _, alone = reference(kind, x[b:b + 1, mask[b]], weights)
        np.testing.assert_allclose(states[0].numpy()[b], alone[0][0], atol=1e-12)


@pytest.mark.parametrize("use_fused", PATHS)
def test_zero_output_for_mask_zeroes_masked_steps_even_the_last(use_fused, rng):
    x = rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)
    weights = random_weights("lstm", 3, 2, rng)
    seq = built("lstm", x=x, weights=weights, return_sequences=True, zero_output_for_mask=True,
                use_fused=use_fused, dtype="float64")(x, mask=mask)
    last = built("lstm", x=x, weights=weights, zero_output_for_mask=True, use_fused=use_fused,
                 dtype="float64")(x, mask=mask)
    expected, _ = reference("lstm", x, weights, mask, zero_output_for_mask=True)
    np.testing.assert_allclose(seq.numpy(), expected, atol=1e-12)
    assert np.all(seq.numpy()[1, 2:] == 0)
    # Keras applies the zeros even without return_sequences: a right-padded row returns 0.
    np.testing.assert_array_equal(last.numpy()[1], [0.0, 0.0])


def test_leading_masked_steps_output_zeros_not_the_initial_state(rng):
    # Keras's TF/torch backends (spec 2.4): zeros before the first unmasked step, even with an initial_state.
    x = rng.normal(size=(1, 3, 2))
    h0 = rng.normal(size=(1, 2))
    mask = np.array([[0, 1, 1]], dtype=bool)
    out = built("gru", x=x, weights=random_weights("gru", 2, 2, rng), return_sequences=True,
                dtype="float64")(x, initial_state=[h0], mask=mask)
    np.testing.assert_array_equal(out.numpy()[0, 0], [0.0, 0.0])


@pytest.mark.parametrize("use_fused", PATHS)
@pytest.mark.parametrize("kind", list(GATES))
def test_go_backwards_equals_reversed_input(kind, use_fused, rng):
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    weights = random_weights(kind, 3, 4, rng)
    backwards = built(kind, x=x, weights=weights, units=4, return_sequences=True, go_backwards=True,
                      use_fused=use_fused)(x)
    forwards = built(kind, x=x, weights=weights, units=4, return_sequences=True, use_fused=use_fused)(x[:, ::-1])
    np.testing.assert_allclose(backwards.numpy(), forwards.numpy(), atol=1e-6)


@pytest.mark.parametrize("kind,count", [("simple", 1), ("lstm", 2), ("gru", 1)])
def test_return_state_structure(kind, count):
    out = make_layer(kind, units=3, return_state=True)(np.ones((2, 4, 5)))
    assert isinstance(out, tuple) and len(out) == 1 + count
    assert all(t.shape == (2, 3) for t in out)
    np.testing.assert_array_equal(out[0].numpy(), out[1].numpy())  # the output is h


# ------------------------------------------------------------------- weights
@pytest.mark.parametrize("make,count", [
    (lambda: layers.SimpleRNN(4), 4 * (3 + 4) + 4),
    (lambda: layers.LSTM(4), 128),
    (lambda: layers.GRU(4), 108),
    (lambda: layers.GRU(4, reset_after=False), 96),
    (lambda: layers.LSTM(4, use_bias=False), 4 * 4 * 7),
])
def test_parameter_counts(make, count):
    layer = make()
    layer(np.zeros((1, 2, 3)))
    assert layer.count_params() == count


def test_weight_order_shapes_and_paths():
    layers.clear_session()
    lstm = layers.LSTM(4)
    lstm(np.zeros((1, 2, 3)))
    assert [w.path for w in lstm.weights] == ["lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel",
                                              "lstm/lstm_cell/bias"]
    assert [w.shape for w in lstm.get_weights()] == [(3, 16), (4, 16), (16,)]
    gru = layers.GRU(4)
    gru(np.zeros((1, 2, 3)))
    assert [w.shape for w in gru.get_weights()] == [(3, 12), (4, 12), (2, 12)]
    assert len(lstm.parameters()) == 3


def test_unit_forget_bias_sets_the_forget_block_to_one():
    layer = layers.LSTM(2)
    layer(np.zeros((1, 1, 3)))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])
    layer = layers.LSTM(2, bias_initializer=initializers.Constant(0.5))
    layer(np.zeros((1, 1, 3)))
    np.testing.assert_array_equal(layer.get_weights()[2], [.5, .5, 1, 1, .5, .5, .5, .5])
    layer = layers.LSTM(2, unit_forget_bias=False)
    layer(np.zeros((1, 1, 3)))
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(8))


def test_default_initializers_follow_keras_formulas():
    d2l.seed(3)
    layer = layers.LSTM(8)
    layer(np.zeros((1, 1, 5)))
    kernel, recurrent, _ = layer.get_weights()
    limit = np.sqrt(6 / (5 + 32))  # glorot_uniform counts all four gates in fan_out
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(8), atol=1e-5)  # orthonormal rows
    block = recurrent[:, :8]
    assert not np.allclose(block @ block.T, np.eye(8), atol=1e-2)  # a gate block alone is not


def test_set_weights_checks_count_and_shape():
    layer = built("lstm")
    with pytest.raises(ValueError, match="lstm_cell/kernel.*shape \\(2, 8\\).*\\(2, 4\\)"):
        layer.set_weights([np.zeros((2, 4)), np.zeros((2, 8)), np.zeros(8)])
    with pytest.raises(ValueError, match="has 3 weights"):
        layer.set_weights([np.zeros((2, 8))])
    with pytest.raises(ValueError, match="not built"):
        layers.LSTM(2).set_weights([np.zeros((2, 8))])


# ------------------------------------------------------------- initial state
def test_initial_state_positional_and_keyword_agree(rng):
    x = rng.normal(size=(2, 3, 2)).astype(np.float32)
    h0, c0 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    layer = built("lstm", x=x)
    by_keyword = layer(x, initial_state=[h0, c0]).numpy()
    positional = layer(x, [h0, c0]).numpy()
    expected, _ = reference("lstm", x, fixture_weights("lstm"), initial=[h0, c0])
    np.testing.assert_allclose(by_keyword, expected[:, -1], atol=1e-6)
    np.testing.assert_array_equal(by_keyword, positional)


def test_initial_state_errors_name_the_states():
    layer = built("lstm")
    with pytest.raises(ValueError, match=r"2 state\(s\).*\[h, c\].*got 1"):
        layer(X, initial_state=[np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"state 1 .* shape \(batch, 2\) = \(2, 2\), got shape \(3, 2\)"):
        layer(X, initial_state=[np.zeros((2, 2)), np.zeros((3, 2))])
    with pytest.raises(ValueError, match="initial_state=\\[...\\]"):
        layer([X, np.zeros((2, 2)), np.zeros((2, 2))])


def test_gradient_reaches_the_initial_state(rng):
    h0 = d2l.tensor(rng.normal(size=(2, 2)), requires_grad=True)
    layer = built("gru")
    layer(X, initial_state=[h0]).sum().backward()
    assert h0.grad is not None and np.abs(h0.grad).sum() > 0


# ------------------------------------------------------------------- stateful
@pytest.mark.parametrize("use_fused", PATHS)
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_stateful_continues_across_calls_and_resets(kind, use_fused, rng):
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    weights = random_weights(kind, 3, 4, rng)
    whole = built(kind, x=x, weights=weights, units=4, return_sequences=True, use_fused=use_fused)(x).numpy()
    layer = built(kind, x=x, weights=weights, units=4, return_sequences=True, stateful=True, use_fused=use_fused)
    layer.reset_state()  # building it ran one step
    first, second = layer(x[:, :4]).numpy(), layer(x[:, 4:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-6)
    assert layer.count_params() == sum(w.size for w in weights)  # states are not weights
    layer.reset_state()
    assert all(np.all(s.numpy() == 0) for s in layer.states)
    np.testing.assert_allclose(layer(x[:, :4]).numpy(), whole[:, :4], atol=1e-6)


def test_stateful_rejects_another_batch_size():
    layer = layers.LSTM(3, stateful=True)
    layer(np.zeros((4, 2, 5)))
    with pytest.raises(ValueError, match="Expected batch size: 4\n- Received batch size: 2"):
        layer(np.zeros((2, 2, 5)))


def test_stateful_states_are_detached_between_calls(rng):
    layer = layers.SimpleRNN(3, stateful=True)
    layer(rng.normal(size=(2, 4, 3))).sum().backward()
    out = layer(rng.normal(size=(2, 4, 3)))
    assert all(not s.requires_grad for s in layer.states)
    out.sum().backward()  # a second backward works: the first graph is not needed


def test_reset_state_is_a_no_op_when_not_stateful():
    layer = built("gru")
    layer.reset_states()
    assert layer.states is None


# ------------------------------------------------------------------ stacks
def test_stacked_cells_state_structure_and_equivalence(rng):
    x = rng.normal(size=(2, 4, 3))
    cells = [layers.LSTMCell(3), layers.GRUCell(2), layers.SimpleRNNCell(5)]
    stack = layers.RNN(cells, return_sequences=True, return_state=True, dtype="float64")
    assert isinstance(stack.cell, layers.StackedRNNCells)
    assert stack.cell.state_size == [[3, 3], 2, 5]
    out, *states = stack(x)
    assert [[tuple(s.shape) for s in cell_states] for cell_states in states] == [[(2, 3), (2, 3)], [(2, 2)], [(2, 5)]]
    assert out.shape == (2, 4, 5)
    # Stacking layers with return_sequences computes the same numbers with the same weights.
    separate = [layers.LSTM(3, return_sequences=True, dtype="float64"),
                layers.GRU(2, return_sequences=True, dtype="float64"),
                layers.SimpleRNN(5, return_sequences=True, dtype="float64")]
    y = x
    weights = stack.get_weights()
    for i, layer in enumerate(separate):
        layer(y)
        layer.set_weights(weights[3 * i:3 * i + 3])
        y = layer(y)
    np.testing.assert_allclose(out.numpy(), y.numpy(), atol=1e-12)


def test_stacked_cells_with_mask_freeze_every_cell(rng):
    x = rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)
    stack = layers.RNN([layers.GRUCell(2), layers.GRUCell(2)], return_state=True, dtype="float64")
    out, first, second = stack(x, mask=mask)
    _, short_first, short_second = stack(x[1:, :2])
    np.testing.assert_allclose(first[0].numpy()[1], short_first[0].numpy()[0], atol=1e-12)
    np.testing.assert_allclose(out.numpy()[1], short_second[0].numpy()[0], atol=1e-12)


# -------------------------------------------------------------- custom cells
class MinimalRNNCell(layers.AbstractRNNCell):
    """h_t = tanh(x_t W + h_{t-1} U), the docstring example."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), "orthogonal", name="recurrent_kernel")

    def call(self, inputs, states):
        h = (inputs @ self.kernel + states[0] @ self.recurrent_kernel).tanh()
        return h, h  # a bare tensor as the new state is accepted

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_cell_matches_simple_rnn_without_bias(rng):
    x = rng.normal(size=(2, 5, 3))
    custom = layers.RNN(MinimalRNNCell(4), return_sequences=True, dtype="float64")
    out = custom(x)
    assert custom.last_call_path == "generic"
    simple = layers.SimpleRNN(4, use_bias=False, return_sequences=True, dtype="float64")
    simple(x)
    simple.set_weights(custom.get_weights())
    np.testing.assert_allclose(out.numpy(), simple(x).numpy(), atol=1e-12)
    clone = layers.RNN.from_config(custom.get_config())
    assert isinstance(clone.cell, MinimalRNNCell) and clone.cell.units == 4


def test_plain_layer_with_state_size_works_as_a_cell():
    class Accumulator(layers.Layer):
        state_size = 3

        def call(self, inputs, states):
            total = states[0] + inputs
            return total, [total]

    out = layers.RNN(Accumulator())(np.ones((2, 4, 3)))
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 4.0))


def test_checklist_cell_without_state_size_gets_a_clear_error():
    class MyRNNCell(layers.AbstractRNNCell):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def call(self, inputs, state):
            return inputs + state, inputs + state

    with pytest.raises(ValueError, match="state_size.*self.state_size = units"):
        layers.RNN(MyRNNCell(64), return_sequences=True)


# ----------------------------------------------------------------- dropout
def identity_rnn(dropout, recurrent_dropout=0.0):
    """A linear SimpleRNN whose output is x_t (with dropout applied): kernel I, no recurrence."""
    layer = layers.SimpleRNN(4, activation=None, return_sequences=True, dropout=dropout,
                             recurrent_dropout=recurrent_dropout)
    layer(np.ones((1, 1, 4)))
    layer.set_weights([np.eye(4), np.zeros((4, 4)), np.zeros(4)])
    return layer


def test_dropout_mask_is_shared_by_every_step():
    layer = identity_rnn(0.5)
    x = np.ones((8, 6, 4), dtype=np.float32)
    out = layer(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}  # inverted dropout: kept units scaled by 1 / (1 - 0.5)
    assert (out == 0).any() and (out == 2).any()
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 6, axis=1))  # the same mask at each step
    again = layer(x, training=True).numpy()
    assert not np.array_equal(out, again)  # a new call draws a new mask


def test_dropout_is_off_at_inference():
    layer = identity_rnn(0.5, recurrent_dropout=0.3)
    x = np.ones((2, 3, 4), dtype=np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


def test_recurrent_dropout_uses_one_mask_per_gate_and_the_generic_path():
    layer = layers.LSTM(3, recurrent_dropout=0.2, dropout=0.1)
    assert layer.cell.implementation == 1 and layer.cell.dropout_mask_count == 4
    out = layer(np.ones((2, 5, 3)), training=True)
    assert out.shape == (2, 3) and layer.last_call_path == "generic"
    with pytest.raises(ValueError, match="use_fused=True.*recurrent_dropout=0.2"):
        layers.LSTM(3, recurrent_dropout=0.2, use_fused=True)(np.ones((2, 5, 3)))


def test_dropout_rates_are_clipped_and_lstm_ignores_a_rate_of_one():
    assert layers.GRUCell(2, dropout=1.5).dropout == 1.0
    assert layers.GRUCell(2, dropout=-1).dropout == 0.0
    layer = layers.LSTM(2, dropout=1.0)
    x = np.ones((2, 3, 2), dtype=np.float32)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), layer(x).numpy())


def test_fused_path_applies_input_dropout_like_the_generic_loop():
    x = np.ones((16, 4, 3), dtype=np.float32)
    outputs = {}
    for use_fused in PATHS:
        layer = built("simple", x=x, weights=fixture_weights("simple", D=3), dropout=0.5, return_sequences=True,
                      use_fused=use_fused, seed=7)
        outputs[use_fused] = layer(x, training=True).numpy()
        assert layer.last_call_path == ("generic" if use_fused is False else "fused")
    np.testing.assert_allclose(outputs[None], outputs[False], atol=1e-6)  # same seed, same mask


# ------------------------------------------------------------ regularizers
def test_weight_and_activity_penalties(rng):
    x = rng.normal(size=(4, 3, 2)).astype(np.float32)
    layer = built("lstm", x=x, kernel_regularizer=regularizers.L2(0.01), bias_regularizer="l1",
                  activity_regularizer=regularizers.L1(0.1), return_state=True)
    out, h, c = layer(x)
    kernel, _, bias = layer.get_weights()
    losses = [float(loss.item()) for loss in layer.losses]
    activity = [0.1 * np.abs(t.numpy()).sum() / 4 for t in (out, h, c)]
    np.testing.assert_allclose(losses, activity + [0.01 * (kernel ** 2).sum(), 0.01 * np.abs(bias).sum()],
                               rtol=1e-5)
    layer.set_weights([np.zeros_like(kernel), layer.get_weights()[1], np.zeros_like(bias)])
    assert [float(loss.item()) for loss in layer.losses][3:] == [0.0, 0.0]  # recomputed on each read


def test_simple_rnn_applies_its_activity_regularizer():
    layer = layers.SimpleRNN(2, activity_regularizer=regularizers.L2(1.0))
    out = layer(np.ones((2, 3, 2)))
    np.testing.assert_allclose(layer.losses[0].item(), (out.numpy() ** 2).sum() / 2, rtol=1e-6)


# ------------------------------------------------------------------- config
@pytest.mark.parametrize("make", [
    lambda: layers.SimpleRNN(3, activation="relu", dropout=0.1, return_sequences=True, seed=2),
    lambda: layers.LSTM(3, recurrent_activation="hard_sigmoid", unit_forget_bias=False, go_backwards=True,
                        kernel_regularizer=regularizers.L2(0.02), return_state=True),
    lambda: layers.GRU(3, reset_after=False, stateful=True, kernel_initializer="he_normal",
                       recurrent_dropout=0.2),
    lambda: layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)], return_sequences=True),
    lambda: layers.RNN(layers.SimpleRNNCell(2), zero_output_for_mask=True),
])
def test_config_round_trip(make, rng):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    layer.reset_state()
    clone.reset_state()
    out, cloned = layer(x), clone(x)
    for a, b in zip(out if isinstance(out, tuple) else [out], cloned if isinstance(cloned, tuple) else [cloned]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_lstm_config_holds_the_keras_keys():
    config = layers.LSTM(4).get_config()
    assert set(config) == {
        "name", "trainable", "dtype", "units", "activation", "recurrent_activation", "use_bias",
        "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias",
        "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
        "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
        "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"}
    assert config["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert "reset_after" in layers.GRU(2).get_config()


# ------------------------------------------------------------ shapes, masks
def test_compute_output_shape_with_unknown_batch():
    assert layers.LSTM(4).compute_output_shape((None, 20, 8)) == (None, 4)
    assert layers.GRU(4, return_sequences=True).compute_output_shape((None, 20, 8)) == (None, 20, 4)
    assert layers.LSTM(4, return_state=True).compute_output_shape((None, 20, 8)) == [(None, 4)] * 3


def test_output_mask_propagates_only_with_return_sequences():
    mask = np.array([[1, 1, 0]], dtype=bool)
    x = np.ones((1, 3, 2))
    assert layers.mask_of(layers.LSTM(2)(x, mask=mask)) is None
    np.testing.assert_array_equal(layers.mask_of(layers.LSTM(2, return_sequences=True)(x, mask=mask)), mask)
    # With go_backwards the output is in reversed time order, and so is its mask.
    backwards = layers.LSTM(2, return_sequences=True, go_backwards=True)(x, mask=mask)
    np.testing.assert_array_equal(layers.mask_of(backwards), mask[:, ::-1])


def test_unique_default_names():
    layers.clear_session()
    assert [layers.LSTM(2).name, layers.LSTM(2).name, layers.SimpleRNN(2).name] == ["lstm", "lstm_1", "simple_rnn"]
    assert layers.GRU(2).cell.name == "gru_cell"


def test_float64_layers_keep_float64():
    layer = layers.GRU(3, dtype="float64")
    out = layer(np.ones((2, 4, 3), dtype=np.float32))
    assert out.dtype == np.float64 and all(w.dtype == np.float64 for w in layer.weights)


# ------------------------------------------------------------------- errors
def test_errors_that_teach():
    with pytest.raises(ValueError, match="expected a positive integer, got 0"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="unknown activation 'tanhh'.*'tanh'"):
        layers.GRU(2, activation="tanhh")
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        layers.SimpleRNN(2, kernel_initializer="glorot")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2.*x\\[None\\]"):
        layers.LSTM(2)(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="mask: .*\\(2, 3\\), got shape \\(2, 4\\)"):
        built("lstm")(X, mask=np.ones((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to LSTM.*batch_input_shape"):
        layers.LSTM(2, batch_input_shape=(4, 3, 2))
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.LSTM(2, use_cudnn="yes")
    with pytest.raises(TypeError, match="Embedding"):
        layers.LSTM(2)(np.array([[[1], [2]]]))


def test_feeding_outputs_back_as_inputs_names_both_sizes():
    """The checklist's generation loop: a 64-unit output fed back into a layer built for 5 features."""
    rnn = layers.SimpleRNN(64, return_sequences=True)
    output = rnn(np.ones((1, 3, 5)))
    with pytest.raises(ValueError, match="value 5 .*shape \\(1, 3, 64\\)"):
        rnn(output)


def test_get_initial_state_takes_a_batch_size():
    rnn = layers.SimpleRNN(4)
    states = rnn.get_initial_state(3)
    assert [s.shape for s in states] == [(3, 4)]
    with pytest.raises(TypeError, match="batch_size.*x.shape\\[0\\]"):
        rnn.get_initial_state(d2l.tensor(np.ones((1, 3, 5))))


def test_layers_are_not_cells():
    with pytest.raises(ValueError, match="StackedRNNCells takes cells.*LSTMCell\\(units\\).*layer LSTM"):
        layers.StackedRNNCells([layers.LSTM(64, return_sequences=True), layers.LSTM(64, return_sequences=True)])
    with pytest.raises(ValueError, match="RNN takes cells.*GRUCell"):
        layers.RNN(layers.GRU(4))


def test_forcing_the_fast_path_names_the_reason():
    for layer, reason in [(layers.GRU(2, reset_after=False, use_fused=True), "reset_after=False"),
                          (layers.LSTM(2, activation="relu", use_fused=True), "activation='relu'"),
                          (layers.SimpleRNN(2, use_bias=False, use_fused=True), "use_bias=False"),
                          (layers.LSTM(2, unroll=True, use_fused=True), "unroll=True")]:
        with pytest.raises(ValueError, match=reason):
            layer(X)
    left_padded = np.array([[0, 1, 1], [1, 1, 1]], dtype=bool)
    with pytest.raises(ValueError, match="not right-padded"):
        layers.LSTM(2, use_fused=True)(X, mask=left_padded)
    auto = layers.LSTM(2)
    auto(X, mask=left_padded)
    assert auto.last_call_path == "generic"


def test_a_cell_runs_one_step_by_hand_and_refuses_sequences(rng):
    cell = layers.GRUCell(3, dtype="float64")
    x_t, h = rng.normal(size=(2, 4)), rng.normal(size=(2, 3))
    output, (new_h,) = cell(x_t, [h])
    weights = cell.get_weights()
    expected, _ = reference_step("gru", x_t, [h], *weights)
    np.testing.assert_allclose(output.numpy(), expected, atol=1e-12)
    np.testing.assert_array_equal(new_h.numpy(), output.numpy())
    with pytest.raises(ValueError, match="one time step.*RNN\\(GRUCell\\(units\\)\\) or GRU\\(units\\)"):
        cell(rng.normal(size=(2, 5, 4)), [h])
    with pytest.raises(TypeError, match="needs the states"):
        cell(x_t)


def test_stateful_needs_a_known_batch_size():
    with pytest.raises(ValueError, match="batch size must be static"):
        layers.LSTM(2, stateful=True).build((None, 5, 3))
