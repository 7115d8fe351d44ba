"""Gradients of the recurrent layers: float64 finite differences, and fused path == generic path.

Each check differentiates sum(R * output) for fixed random R (so no symmetry hides an error)
with respect to the inputs, the initial states and every weight, and compares with central
differences computed by re-running the layer with one number nudged.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers

KINDS = ["simple", "lstm", "gru", "gru_before"]


def make_layer(kind, units=3, **kwargs):
    kwargs.setdefault("dtype", "float64")
    if kind == "simple":
        return layers.SimpleRNN(units, **kwargs)
    if kind == "lstm":
        return layers.LSTM(units, **kwargs)
    return layers.GRU(units, reset_after=(kind == "gru"), **kwargs)


def as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def check_gradients(layer, x, initial_state=None, mask=None, eps=1e-6):
    """Autograd against central differences for x, every initial state and every weight."""
    rng = np.random.default_rng(1)
    arrays = [x] + list(initial_state or [])
    leaves = [d2l.tensor(a, requires_grad=True, dtype="float64") for a in arrays]
    outputs = as_tuple(layer(leaves[0], initial_state=leaves[1:] or None, mask=mask))
    projections = [rng.normal(size=o.shape) for o in outputs]
    loss = sum((o * r).sum() for o, r in zip(outputs, projections))
    layer.zero_grad()
    loss.backward()

    def value():
        with d2l.no_grad():
            outs = as_tuple(layer(arrays[0], initial_state=arrays[1:] or None, mask=mask))
        return sum(float((o.numpy() * r).sum()) for o, r in zip(outs, projections))

    targets = [(f"input {i}", a, leaf.grad) for i, (a, leaf) in enumerate(zip(arrays, leaves))]
    targets += [(w.path, w.data, w.grad) for w in layer.weights]
    for name, array, analytic in targets:
        numeric = np.zeros(array.shape)
        for i in np.ndindex(array.shape):
            saved = array[i]
            array[i] = saved + eps
            plus = value()
            array[i] = saved - eps
            minus = value()
            array[i] = saved
            numeric[i] = (plus - minus) / (2 * eps)
        assert analytic is not None, f"{name}: no gradient"
        np.testing.assert_allclose(analytic, numeric, atol=1e-7, rtol=1e-5, err_msg=name)


def initial_states(kind, rng, batch=2, units=3):
    return [rng.normal(size=(batch, units)) for _ in range(2 if kind == "lstm" else 1)]


@pytest.mark.parametrize("use_fused", [None, False])
@pytest.mark.parametrize("kind", KINDS)
def test_finite_differences_sequence_and_state(kind, use_fused, rng):
    layer = make_layer(kind, return_sequences=True, return_state=True, use_fused=use_fused)
    check_gradients(layer, rng.normal(size=(2, 4, 2)), initial_states(kind, rng))


@pytest.mark.parametrize("use_fused", [None, False])
@pytest.mark.parametrize("kind", KINDS)
def test_finite_differences_masked_backwards(kind, use_fused, rng):
    layer = make_layer(kind, go_backwards=True, return_sequences=True, use_fused=use_fused)
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)
    check_gradients(layer, rng.normal(size=(2, 4, 2)), initial_states(kind, rng), mask=mask)


def test_finite_differences_mask_with_holes_and_zero_outputs(rng):
    layer = make_layer("lstm", return_sequences=True, zero_output_for_mask=True)
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
    check_gradients(layer, rng.normal(size=(2, 4, 2)), initial_states("lstm", rng), mask=mask)


def test_finite_differences_stacked_cells(rng):
    cells = [layers.LSTMCell(2, dtype="float64"), layers.GRUCell(3, reset_after=False, dtype="float64")]
    layer = layers.RNN(cells, return_sequences=True, dtype="float64")
    check_gradients(layer, rng.normal(size=(2, 3, 2)))


# ------------------------------------------------------- fused == generic
def run_both(kind, x, mask=None, initial=None, training=False, **options):
    """Outputs and gradients of the same layer on the fused and the generic path."""
    results = []
    weights = None
    for use_fused in (None, False):
        layer = make_layer(kind, return_sequences=True, return_state=True, use_fused=use_fused, seed=5, **options)
        layer(x[:, :1])
        if weights is None:
            weights = layer.get_weights()
        layer.set_weights(weights)
        if layer.stateful:
            layer.reset_state()
        x_t = d2l.tensor(x, requires_grad=True, dtype="float64")
        states = [d2l.tensor(s, requires_grad=True, dtype="float64") for s in initial] if initial else None
        outputs = layer(x_t, initial_state=states, mask=mask, training=training)
        rng = np.random.default_rng(2)
        sum((o * rng.normal(size=o.shape)).sum() for o in outputs).backward()
        results.append((layer.last_call_path, [o.numpy() for o in outputs], x_t.grad,
                        [s.grad for s in states or []], [w.grad for w in layer.weights]))
    return results


@pytest.mark.parametrize("zero_output_for_mask", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_fused_equals_generic(kind, go_backwards, zero_output_for_mask, rng):
    x = rng.normal(size=(4, 6, 3))
    lengths = np.array([6, 3, 1, 0])  # a fully padded row too
    mask = np.arange(6)[None, :] < lengths[:, None]
    fused, generic = run_both(kind, x, mask=mask, initial=initial_states(kind, rng, batch=4),
                              go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask)
    assert (fused[0], generic[0]) == ("fused", "generic")
    for a, b in zip(fused[1], generic[1]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(fused[2], generic[2], atol=1e-12)
    for a, b in zip(fused[3] + fused[4], generic[3] + generic[4]):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_fused_equals_generic_with_input_dropout(kind, rng):
    x = rng.normal(size=(3, 5, 4))
    fused, generic = run_both(kind, x, training=True, dropout=0.4)
    assert (fused[0], generic[0]) == ("fused", "generic")
    for a, b in zip(fused[1] + [fused[2]] + fused[4], generic[1] + [generic[2]] + generic[4]):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_fused_float32_matches_generic_float32(rng):
    x = rng.normal(size=(8, 20, 5)).astype(np.float32)
    fused, generic = run_both("lstm", x, dtype="float32")
    for a, b in zip(fused[1], generic[1]):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for a, b in zip(fused[4], generic[4]):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)
