"""PyTorch-layout adapters: values rearranged as the formulas say, and gradients reach the originals."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.kernels import gru_sequence, layouts, lstm_sequence, rnn_sequence


def torch_layout(G, H=3, D=2, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(G * H, D), (G * H, H), (G * H,), (G * H,)]
    return [d2l.tensor(rng.standard_normal(s), requires_grad=True, dtype="float64") for s in shapes]


def test_rnn_and_lstm_transpose_and_merge_biases():
    for G, adapter in ((1, layouts.rnn_from_torch), (4, layouts.lstm_from_torch)):
        w_ih, w_hh, b_ih, b_hh = torch_layout(G)
        W_x, W_h, b = adapter(w_ih, w_hh, b_ih, b_hh)
        np.testing.assert_array_equal(W_x.numpy(), w_ih.numpy().T)
        np.testing.assert_array_equal(W_h.numpy(), w_hh.numpy().T)
        np.testing.assert_array_equal(b.numpy(), b_ih.numpy() + b_hh.numpy())


def test_gru_swaps_r_and_z_blocks():
    H = 3
    w_ih, w_hh, b_ih, b_hh = torch_layout(3, H=H)
    W_x, W_h, b_x, b_h = layouts.gru_from_torch(w_ih, w_hh, b_ih, b_hh)

    def keras_order(a):  # rows r, z, n -> z, r, n
        return np.concatenate([a[H:2 * H], a[:H], a[2 * H:]])

    np.testing.assert_array_equal(W_x.numpy(), keras_order(w_ih.numpy()).T)
    np.testing.assert_array_equal(W_h.numpy(), keras_order(w_hh.numpy()).T)
    np.testing.assert_array_equal(b_x.numpy(), keras_order(b_ih.numpy()))
    np.testing.assert_array_equal(b_h.numpy(), keras_order(b_hh.numpy()))


def test_missing_biases_become_zeros():
    w_ih, w_hh, _, _ = torch_layout(3)
    _, _, b_x, b_h = layouts.gru_from_torch(w_ih, w_hh)
    assert b_x.shape == (9,) and not b_x.requires_grad and not b_x.numpy().any() and not b_h.numpy().any()
    _, _, b = layouts.lstm_from_torch(*torch_layout(4)[:2])
    assert b.shape == (12,) and not b.numpy().any()


@pytest.mark.parametrize("G, adapter, kernel", [
    (1, layouts.rnn_from_torch, rnn_sequence),
    (4, layouts.lstm_from_torch, lstm_sequence),
    (3, layouts.gru_from_torch, gru_sequence),
])
def test_gradients_flow_through_the_adapters_to_torch_layout_parameters(G, adapter, kernel):
    rng = np.random.default_rng(1)
    x = d2l.tensor(rng.standard_normal((3, 2, 2)), dtype="float64")
    states = [d2l.tensor(rng.standard_normal((2, 3)), dtype="float64") for _ in range(2 if G == 4 else 1)]

    def run(w_ih, w_hh, b_ih, b_hh):
        return kernel(x, *states, *adapter(w_ih, w_hh, b_ih, b_hh), lengths=[3, 1], reverse=True)

    assert d2l.gradcheck(run, *torch_layout(G), atol=1e-6, rtol=1e-5)


def test_shapes_are_checked():
    w_ih, w_hh, b_ih, b_hh = torch_layout(4, H=3, D=2)
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(4\*H, H\), got shape \(12, 4\)"):
        layouts.lstm_from_torch(w_ih, d2l.zeros(12, 4), b_ih, b_hh)
    with pytest.raises(ValueError, match=r"weight_ih must have shape \(12, input_size\) for H = 3"):
        layouts.lstm_from_torch(w_ih[:9], w_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match=r"bias_hh must have shape \(12,\), got shape \(9,\)"):
        layouts.lstm_from_torch(w_ih, w_hh, b_ih, b_hh[:9])
