"""Random recurrent-layer configurations compared with Keras 3 itself (torch backend).

Skipped when Keras is absent (``pip install keras``; it runs on the installed PyTorch). Each
case builds the same layer in both libraries, copies the Keras weights over with
``set_weights``, and compares outputs, states and weight gradients.
"""

import numpy as np
import pytest

from d2lrnn import layers

pytestmark = pytest.mark.keras

KINDS = ["SimpleRNN", "LSTM", "GRU"]


def random_case(index):
    """A reproducible random configuration: layer kind, its arguments and the call's inputs."""
    rng = np.random.default_rng(100 + index)
    kind = KINDS[index % 3]
    kwargs = {"return_sequences": bool(rng.integers(2)), "return_state": bool(rng.integers(2)),
              "go_backwards": bool(rng.integers(2)), "use_bias": bool(rng.integers(4))}
    kwargs["activation"] = str(rng.choice(["tanh", "relu", "sigmoid", "softsign"]))
    if kind != "SimpleRNN":
        kwargs["recurrent_activation"] = str(rng.choice(["sigmoid", "hard_sigmoid", "tanh"]))
    if kind == "GRU":
        kwargs["reset_after"] = bool(rng.integers(2))
    if kind == "LSTM":
        kwargs["unit_forget_bias"] = bool(rng.integers(2))
    B, T, D, U = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    x = rng.normal(size=(B, T, D)).astype(np.float32)
    mask = None
    if rng.integers(2):
        mask = rng.random((B, T)) < 0.7
        # The first processed step is valid: leading masked steps with a non-zero h0 differ between Keras backends.
        mask[:, -1 if kwargs["go_backwards"] else 0] = True
    initial = None
    if rng.integers(2):
        initial = [rng.normal(size=(B, U)).astype(np.float32) for _ in range(2 if kind == "LSTM" else 1)]
    return kind, U, kwargs, x, mask, initial


def keras_call(keras, layer, x, mask, initial):
    import torch

    out = layer(x, initial_state=[torch.tensor(s) for s in initial] if initial else None,
                mask=None if mask is None else torch.tensor(mask))
    return out if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("index", range(24))
def test_random_configuration_matches_keras(keras, index):
    kind, units, kwargs, x, mask, initial = random_case(index)
    theirs = getattr(keras.layers, kind)(units, **kwargs)
    their_outputs = keras_call(keras, theirs, x, mask, initial)
    ours = getattr(layers, kind)(units, **kwargs)
    ours(x)
    ours.set_weights([w.numpy() for w in theirs.weights])
    our_outputs = ours(x, initial_state=initial, mask=mask)
    our_outputs = our_outputs if isinstance(our_outputs, tuple) else [our_outputs]
    assert len(our_outputs) == len(their_outputs)
    for got, want in zip(our_outputs, their_outputs):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=2e-5, rtol=1e-4)

    # Weight gradients of one random projection of the outputs.
    rng = np.random.default_rng(index)
    projections = [rng.normal(size=tuple(o.shape)).astype(np.float32) for o in their_outputs]
    import torch

    their_loss = sum((o * torch.tensor(r)).sum() for o, r in zip(their_outputs, projections))
    their_grads = torch.autograd.grad(their_loss, [w.value for w in theirs.weights])
    sum((o * r).sum() for o, r in zip(our_outputs, projections)).backward()
    for w, want in zip(ours.weights, their_grads):
        np.testing.assert_allclose(w.grad, want.numpy(), atol=1e-4, rtol=1e-3, err_msg=w.path)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_matches_keras(keras, merge_mode):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 5, 4)).astype(np.float32)
    mask = np.arange(5)[None, :] < np.array([5, 2, 4])[:, None]
    initial = [rng.normal(size=(3, 3)).astype(np.float32) for _ in range(4)]
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True, return_state=True),
                                        merge_mode=merge_mode)
    their_outputs = keras_call(keras, theirs, x, mask, initial)
    ours = layers.Bidirectional(layers.LSTM(3, return_sequences=True, return_state=True), merge_mode=merge_mode)
    ours(x)
    ours.set_weights([w.numpy() for w in theirs.weights])
    our_outputs = ours(x, initial_state=initial, mask=mask)
    flat_theirs = [t for item in their_outputs for t in (item if isinstance(item, (list, tuple)) else [item])]
    assert len(our_outputs) == len(flat_theirs)
    for got, want in zip(our_outputs, flat_theirs):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=2e-5)


def test_stacked_cells_match_keras(keras):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    theirs = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2), keras.layers.SimpleRNNCell(4)],
                              return_sequences=True, return_state=True)
    their_outputs = theirs(x)
    ours = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2), layers.SimpleRNNCell(4)], return_sequences=True,
                      return_state=True)
    ours(x)
    ours.set_weights([w.numpy() for w in theirs.weights])
    our_outputs = ours(x)
    np.testing.assert_allclose(our_outputs[0].numpy(), their_outputs[0].detach().numpy(), atol=2e-5)
    for our_states, their_states in zip(our_outputs[1:], their_outputs[1:]):
        for got, want in zip(our_states, their_states):
            np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=2e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_weights_counts_and_config_keys_match_keras(keras, kind):
    x = np.zeros((1, 2, 5), dtype=np.float32)
    theirs, ours = getattr(keras.layers, kind)(4), getattr(layers, kind)(4)
    theirs(x)
    ours(x)
    assert [tuple(w.shape) for w in theirs.weights] == [w.shape for w in ours.weights]
    assert theirs.count_params() == ours.count_params()
    their_keys, our_keys = set(theirs.get_config()), set(ours.get_config())
    assert their_keys <= our_keys and our_keys - their_keys <= {"seed"}  # Keras's SimpleRNN omits its seed
