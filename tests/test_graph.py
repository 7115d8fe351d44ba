"""Graph semantics of backward: reuse, diamonds, accumulation, freeing, deep chains, no_grad, detach.

Expected gradients are derived by hand in each test (NumPy formulas), never read from the engine.
"""
import sys

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.autograd.function import is_grad_enabled


def leaf(values, dtype="float64"):
    return d2l.tensor(np.asarray(values, dtype=float), dtype=dtype, requires_grad=True)


def test_a_node_used_twice_gets_both_contributions():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()  # d sum(x^2) = 2x
    np.testing.assert_allclose(x.grad, 2 * x.numpy())

    a = leaf([0.5, 2.0])
    b = leaf([3.0, -1.0])
    z = a * b
    (z + z * z).sum().backward()  # d(z + z^2)/dz = 1 + 2z
    dz = 1 + 2 * a.numpy() * b.numpy()
    np.testing.assert_allclose(a.grad, dz * b.numpy())
    np.testing.assert_allclose(b.grad, dz * a.numpy())


def test_diamond():
    a = leaf([0.3, -0.7])
    top = a * 2.0
    bottom = a.exp()
    (top * bottom).sum().backward()  # d(2a e^a) = 2 e^a (1 + a)
    np.testing.assert_allclose(a.grad, 2 * np.exp(a.numpy()) * (1 + a.numpy()))


def test_paths_of_different_depth_meet_in_topological_order():
    x = leaf([1.5, -0.5])
    y = x
    for _ in range(5):
        y = y * 2.0
    (y * x).sum().backward()  # 32 x^2 -> 64 x
    np.testing.assert_allclose(x.grad, 64 * x.numpy())


def test_gradients_accumulate_over_two_backwards():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 + 2 * x.numpy())
    x.zero_grad()
    assert x.grad is None


def test_a_freed_graph_refuses_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.tanh() * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([0.1, 0.2])
    y = x.tanh().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * (1 - np.tanh(x.numpy()) ** 2))


def test_intermediate_tensors_keep_no_gradient():
    x = leaf([1.0])
    h = x * 2.0
    (h * 3.0).backward()
    assert h.grad is None and not h.is_leaf
    np.testing.assert_allclose(x.grad, [6.0])


def test_a_100000_op_chain_needs_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    np.testing.assert_allclose(x.grad, [1.00001**100_000], rtol=1e-9)
    assert y.creator.inputs is None  # the graph was freed


def test_explicit_gradient_for_a_non_scalar_output():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([[1.0, 0.0], [2.0, -1.0]])
    (x * x).backward(g)
    np.testing.assert_allclose(x.grad, 2 * x.numpy() * g)


def test_backward_on_a_leaf_accumulates_the_given_gradient():
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_allclose(x.grad, [3.0, 4.0])


def test_unused_outputs_of_a_multi_output_op_get_zero_gradients():
    x = leaf(np.arange(6.0).reshape(3, 2))
    first, second, third = x.split(3, axis=0)
    (second * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0], [5, 5], [0, 0]])


def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf([1.0, 2.0])
    with d2l.no_grad():
        y = x * 2.0
        assert not is_grad_enabled()
        with d2l.enable_grad():
            z = x * 2.0
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad and z.creator is not None
    with pytest.raises(ZeroDivisionError):
        with d2l.no_grad():
            1 / 0
    assert is_grad_enabled()


def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    cut = h.detach()
    assert np.shares_memory(cut.data, h.data)
    assert not cut.requires_grad and cut.creator is None
    (h * cut).sum().backward()  # cut is a constant 3x: d(3x * 3x_const) = 9x
    np.testing.assert_allclose(x.grad, 9 * x.numpy())


def tanh_chain_grad(s0, w, steps):
    """d s_T / d w for s_{t+1} = tanh(w s_t), with s_0 a constant (forward-mode by hand)."""
    s, ds = s0, 0.0
    for _ in range(steps):
        pre = w * s
        ds = (1 - np.tanh(pre) ** 2) * (s + w * ds)
        s = np.tanh(pre)
    return s, ds


def test_truncated_bptt_chunks_are_independent():
    w = leaf([0.5])
    state = d2l.tensor([1.0], dtype="float64")
    grads = []
    for _ in range(2):
        for _ in range(3):
            state = (state * w).tanh()
        state.sum().backward()
        grads.append(w.grad[0])
        w.zero_grad()
        state = state.detach()
    s3, first = tanh_chain_grad(1.0, 0.5, 3)
    _, second = tanh_chain_grad(s3, 0.5, 3)  # starts from a constant: 3 steps of gradient only
    np.testing.assert_allclose(grads, [first, second], rtol=1e-12)


def test_leaves_never_share_a_gradient_array():
    a = leaf([1.0, 2.0])
    b = leaf([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (a + b).backward(g)  # add hands the same array to both inputs
    assert a.grad is not b.grad and a.grad is not g
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])

    x = leaf([[1.0, 2.0]])
    g = np.ones(2)
    x.reshape(2).backward(g)  # reshape passes a view of g
    x.grad *= 7
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_leaves_get_writable_gradients_after_a_broadcast():
    x = leaf([1.0, 2.0])
    x.sum().backward()  # sum's backward broadcasts a scalar
    x.grad += 1  # must not fail on a read-only broadcast view
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_a_broadcast_input_receives_the_summed_gradient():
    bias = leaf([1.0, 2.0, 3.0])
    x = leaf(np.ones((4, 3)))
    (x * bias).sum().backward()
    np.testing.assert_allclose(bias.grad, [4.0, 4.0, 4.0])
    np.testing.assert_allclose(x.grad, np.tile([1.0, 2.0, 3.0], (4, 1)))


def test_float32_leaf_gets_float32_gradient_from_float64_partner():
    w = leaf([1.0, 2.0], dtype="float32")
    x = d2l.tensor([0.5, 0.25], dtype="float64")
    (w * x).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, [0.5, 0.25])


def test_integer_and_boolean_results_do_not_require_gradients():
    x = d2l.tensor([1.5, -2.5], requires_grad=True)
    as_int = x.astype("int64")
    assert as_int.dtype == np.int64 and not as_int.requires_grad and as_int.creator is None
    assert not x.astype(bool).requires_grad
    assert x.astype("float64").requires_grad  # a floating cast still carries the gradient


def test_sums_of_gradients_never_change_arrays_held_elsewhere():
    # A weight used at many steps: its gradients are summed in place over the pass, which must
    # leave alone the gradient the caller passed, arrays an op passed through (add), the
    # gradients of other leaves and the .grad of an earlier backward.
    w = leaf([1.0, 2.0])
    v = leaf([3.0, -1.0])
    g = np.array([1.0, 10.0])
    h = v
    for _ in range(4):
        h = h * w + w  # d/dw and d/dv by hand below
    h.backward(g)
    # h_k = h_{k-1} w + w; dh_4/dv = w^4; dh_4/dw = sum over steps of (h_{k-1} + 1) w^(4-k)
    wv, vv = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    hs = [vv]
    for _ in range(4):
        hs.append(hs[-1] * wv + wv)
    expected_w = sum((hs[k - 1] + 1) * wv ** (4 - k) for k in range(1, 5)) * g
    np.testing.assert_allclose(w.grad, expected_w)
    np.testing.assert_allclose(v.grad, wv ** 4 * g)
    np.testing.assert_array_equal(g, [1.0, 10.0])
    first = w.grad
    kept = first.copy()
    (w + w + w).sum().backward()  # add passes the same array to all three uses of w
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_allclose(w.grad, kept + 3)
