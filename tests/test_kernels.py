"""The fused sequence kernels against a reference loop built from the cell equations.

The reference runs the same recurrence step by step with primitive ops and
``d2lrnn.nn.cell_equations`` (so autograd differentiates it), handling lengths with
``where`` exactly as the masking rules say. Kernel and reference must agree in float64 on
outputs, final states and the gradients of every argument; the kernels' hand-written BPTT
is also checked against finite differences.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.kernels import (gru_bidirectional, gru_sequence, lstm_bidirectional, lstm_sequence, rnn_bidirectional,
                            rnn_sequence)
from d2lrnn.nn import cell_equations

KINDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def make_arguments(kind, T=5, B=4, D=3, H=6, dtype="float64", seed=0):
    """Random kernel arguments as float leaves: x, states..., W_x, W_h, biases..."""
    rng = np.random.default_rng(seed)
    G = GATES[kind]

    def leaf(*shape, scale=0.5):
        return d2l.tensor(rng.standard_normal(shape) * scale, requires_grad=True, dtype=dtype)

    states = [leaf(B, H) for _ in range(2 if kind == "lstm" else 1)]
    biases = [leaf(G * H) for _ in range(2 if kind == "gru" else 1)]
    return [leaf(T, B, D), *states, leaf(D, G * H), leaf(H, G * H, scale=0.4), *biases]


def run_kernel(kind, args, **options):
    if kind == "lstm":
        return lstm_sequence(*args, **options)
    if kind == "gru":
        return gru_sequence(*args, **options)
    return rnn_sequence(*args, activation=kind[4:], **options)


def make_bidirectional_arguments(kind, **sizes):
    """x, then the forward direction's states and weights, then the backward direction's (distinct leaves)."""
    forward = make_arguments(kind, seed=0, **sizes)
    backward = make_arguments(kind, seed=1, **sizes)
    return [forward[0], *forward[1:], *backward[1:]]


def run_bidirectional(kind, args, **options):
    """The bidirectional kernel on arguments from make_bidirectional_arguments; returns (Y, *states_f, *states_b)."""
    half = (len(args) - 1) // 2
    forward, backward = tuple(args[1:1 + half]), tuple(args[1 + half:])
    if kind == "lstm":
        Y, (h_f, c_f), (h_b, c_b) = lstm_bidirectional(args[0], forward, backward, **options)
        return Y, h_f, c_f, h_b, c_b
    if kind == "gru":
        return gru_bidirectional(args[0], forward, backward, **options)
    return rnn_bidirectional(args[0], forward, backward, activation=kind[4:], **options)


def run_directions_apart(kind, args, **options):
    """The same as run_bidirectional with two single-direction kernel calls and a concat."""
    half = (len(args) - 1) // 2
    forward = run_kernel(kind, [args[0], *args[1:1 + half]], **options)
    backward = run_kernel(kind, [args[0], *args[1 + half:]], reverse=True, **options)
    return (d2l.concat([forward[0], backward[0]], axis=2), *forward[1:], *backward[1:])


def reference_step(kind, x_t, state, W_x, W_h, biases):
    """One step from the cell equations with the kernels' packed layout; returns the new state list."""
    h = state[0]
    H = h.shape[1]
    if kind.startswith("rnn"):
        activation = (lambda a: a.tanh()) if kind == "rnn_tanh" else (lambda a: a.relu())
        return [cell_equations.rnn_update(x_t @ W_x + h @ W_h + biases[0], activation)]
    if kind == "lstm":
        z = x_t @ W_x + h @ W_h + biases[0]
        h_new, c_new = cell_equations.lstm_update(z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:], state[1])
        return [h_new, c_new]
    a = x_t @ W_x + biases[0]  # GRU, gates z, r, n, reset after the recurrent matmul
    m = h @ W_h + biases[1]
    z, r = cell_equations.gru_gates(a[:, :H] + m[:, :H], a[:, H:2 * H] + m[:, H:2 * H])
    candidate = (a[:, 2 * H:] + r * m[:, 2 * H:]).tanh()
    return [cell_equations.gru_blend(z, h, candidate)]


def reference(kind, args, lengths=None, reverse=False, zero_masked_outputs=True):
    """The recurrence step by step on primitive ops; returns (Y, *final_states)."""
    n_states = 2 if kind == "lstm" else 1
    x, state = args[0], list(args[1:1 + n_states])
    W_x, W_h = args[1 + n_states:3 + n_states]
    biases = args[3 + n_states:]
    T, B = x.shape[:2]
    valid = None if lengths is None else (np.arange(T)[:, None] < np.asarray(lengths)[None, :])[..., None]
    outputs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        new = reference_step(kind, x[t], state, W_x, W_h, biases)
        if valid is None:
            state = new
            outputs[t] = state[0]
        else:
            state = [d2l.where(valid[t], n, s) for n, s in zip(new, state)]
            outputs[t] = state[0] * valid[t] if zero_masked_outputs else state[0]
    return (d2l.stack(outputs, axis=0), *state)


def gradients(results, args, seed=1):
    """Backpropagate a random weighting of every result; returns the gradient of every argument."""
    rng = np.random.default_rng(seed)
    for a in args:
        a.grad = None
    loss = None
    for r in results:
        weights = d2l.tensor(rng.standard_normal(r.shape), dtype=r.dtype, device=r.device)  # on r's device
        term = (r * weights).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return [a.grad for a in args]


CASES = [
    dict(),
    dict(reverse=True),
    dict(lengths=[5, 3, 0, 1]),
    dict(lengths=[5, 3, 0, 1], reverse=True),
    dict(lengths=[2, 5, 4, 0], zero_masked_outputs=False),
    dict(lengths=[2, 5, 4, 0], reverse=True, zero_masked_outputs=False),
]


@pytest.mark.parametrize("options", CASES, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
@pytest.mark.parametrize("kind", KINDS)
def test_kernel_matches_reference_loop(kind, options):
    args = make_arguments(kind)
    fused = run_kernel(kind, args, **options)
    expected = reference(kind, args, **options)
    assert len(fused) == len(expected)
    for got, want in zip(fused, expected):
        assert got.shape == want.shape and got.dtype == np.float64
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(gradients(fused, args), gradients(expected, args)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


BIDIRECTIONAL_CASES = [dict(), dict(lengths=[5, 3, 0, 1]), dict(lengths=[2, 5, 4, 0], zero_masked_outputs=False)]


@pytest.mark.parametrize("options", BIDIRECTIONAL_CASES,
                         ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
@pytest.mark.parametrize("kind", KINDS)
def test_bidirectional_kernel_equals_the_two_directions_apart(kind, options):
    args = make_bidirectional_arguments(kind)
    fused = run_bidirectional(kind, args, **options)
    expected = run_directions_apart(kind, args, **options)
    assert fused[0].shape == (5, 4, 12)
    for got, want in zip(fused, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-13)
    for got, want in zip(gradients(fused, args), gradients(expected, args)):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_bidirectional_gradients_match_finite_differences(kind):
    args = make_bidirectional_arguments(kind, T=3, B=3, D=2, H=2)
    assert d2l.gradcheck(lambda *a: run_bidirectional(kind, list(a), lengths=[3, 1, 2]), *args, atol=1e-6, rtol=1e-5)


def test_bidirectional_directions_must_match():
    args = make_bidirectional_arguments("lstm")
    x, forward, backward = args[0], tuple(args[1:6]), tuple(args[6:])
    with pytest.raises(TypeError, match=r"lstm_bidirectional: backward must be a tuple \(h0, c0, W_x, W_h, b\)"):
        lstm_bidirectional(x, forward, backward[:4])
    other_H = make_arguments("lstm", H=5)[1:]
    with pytest.raises(ValueError, match="both directions must have the same hidden size H, got 6 .forward. and 5"):
        lstm_bidirectional(x, forward, tuple(other_H))
    with pytest.raises(ValueError, match=r"lstm_bidirectional \(backward\): c0 must have shape \(4, 6\)"):
        lstm_bidirectional(x, forward, (backward[0], backward[1][:2], *backward[2:]))


@pytest.mark.parametrize("options", [dict(), dict(lengths=[3, 1, 0], reverse=True),
                                     dict(lengths=[2, 3, 1], zero_masked_outputs=False)])
@pytest.mark.parametrize("kind", KINDS)
def test_kernel_gradients_match_finite_differences(kind, options):
    args = make_arguments(kind, T=3, B=3, D=2, H=2)
    assert d2l.gradcheck(lambda *a: run_kernel(kind, list(a), **options), *args, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_agrees_with_float64(kind):
    args64 = make_arguments(kind)
    args32 = [d2l.tensor(a.numpy().astype(np.float32), requires_grad=True) for a in args64]
    fused32 = run_kernel(kind, args32, lengths=[5, 2, 4, 1])
    fused64 = run_kernel(kind, args64, lengths=[5, 2, 4, 1])
    for got, want in zip(fused32, fused64):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)
    for got, want in zip(gradients(fused32, args32), gradients(fused64, args64)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_full_lengths_equal_no_lengths_and_empty_sequences_keep_the_initial_state(kind):
    args = make_arguments(kind)
    plain = run_kernel(kind, args)
    full = run_kernel(kind, args, lengths=np.full(4, 5))
    for a, b in zip(plain, full):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    empty = run_kernel(kind, args, lengths=[0, 0, 0, 0], reverse=True)
    np.testing.assert_array_equal(empty[0].numpy(), 0.0)
    for final, initial in zip(empty[1:], args[1:]):
        np.testing.assert_array_equal(final.numpy(), initial.numpy())


@pytest.mark.parametrize("kind", KINDS)
def test_reverse_equals_forward_on_flipped_time(kind):
    args = make_arguments(kind)
    backward_run = run_kernel(kind, args, reverse=True)
    flipped = [d2l.tensor(args[0].numpy()[::-1].copy(), dtype="float64"), *args[1:]]
    forward_run = run_kernel(kind, flipped)
    np.testing.assert_allclose(backward_run[0].numpy(), forward_run[0].numpy()[::-1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(backward_run[1].numpy(), forward_run[1].numpy(), rtol=1e-12, atol=1e-14)


def test_backward_twice_with_retained_graph_doubles_the_gradients():
    args = make_arguments("lstm")
    Y, h, c = lstm_sequence(*args, lengths=[5, 3, 0, 1])
    loss = (Y * Y).sum() + h.sum() + (c * 2).sum()
    loss.backward(retain_graph=True)
    first = [a.grad.copy() for a in args]
    loss.backward()
    for a, g in zip(args, first):
        np.testing.assert_allclose(a.grad, 2 * g, rtol=1e-12)


def test_inputs_without_gradient_get_none():
    args = make_arguments("gru")
    x = args[0].detach()
    Y, h = gru_sequence(x, *args[1:])
    Y.sum().backward()
    assert x.grad is None and all(a.grad is not None for a in args[1:])


def test_no_grad_records_nothing():
    args = make_arguments("rnn_tanh")
    with d2l.no_grad():
        Y, h = rnn_sequence(*args)
    assert not Y.requires_grad and Y.creator is None


# ------------------------------------------------------------------------------ bad input
def test_wrong_shapes_name_the_argument():
    x, h0, c0, W_x, W_h, b = make_arguments("lstm")
    with pytest.raises(ValueError, match=r"x must have shape \(time, batch, features\)"):
        lstm_sequence(x[0], h0, c0, W_x, W_h, b)
    with pytest.raises(ValueError, match=r"W_x must have shape \(3, 24\).*got shape \(4, 24\)"):
        lstm_sequence(x, h0, c0, d2l.zeros(4, 24, dtype="float64"), W_h, b)
    with pytest.raises(ValueError, match=r"c0 must have shape \(4, 6\)"):
        lstm_sequence(x, h0, c0[:2], W_x, W_h, b)
    with pytest.raises(ValueError, match=r"W_h must have shape \(H, 4\*H\)"):
        lstm_sequence(x, h0, c0, W_x, d2l.zeros(6, 18, dtype="float64"), b)
    with pytest.raises(ValueError, match=r"b must have shape \(24,\)"):
        lstm_sequence(x, h0, c0, W_x, W_h, b[:5])


def test_dtypes_and_types_are_checked():
    x, h0, W_x, W_h, b = make_arguments("rnn_tanh")
    with pytest.raises(TypeError, match="h0 has dtype float32"):
        rnn_sequence(x, h0.astype("float32"), W_x, W_h, b)
    with pytest.raises(TypeError, match="W_h must be a d2lrnn Tensor, got ndarray"):
        rnn_sequence(x, h0, W_x, W_h.numpy(), b)
    with pytest.raises(TypeError, match="float32 or float64"):
        rnn_sequence(d2l.tensor(np.zeros((2, 4, 3), dtype=np.float16)), h0, W_x, W_h, b)
    with pytest.raises(ValueError, match="activation must be one of"):
        rnn_sequence(x, h0, W_x, W_h, b, activation="sigmoid")


def test_lengths_are_checked():
    args = make_arguments("gru")
    with pytest.raises(ValueError, match=r"lengths: expected shape \(batch,\) = \(4,\), got shape \(3,\)"):
        gru_sequence(*args, lengths=[1, 2, 3])
    with pytest.raises(ValueError, match=r"lengths: expected values in \[0, 5\]"):
        gru_sequence(*args, lengths=[1, 2, 3, 6])
    with pytest.raises(TypeError, match="lengths: expected integers, got dtype float64"):
        gru_sequence(*args, lengths=[1.0, 2.0, 3.0, 4.0])


# ----------------------------------------------------------------------------------- GPU
@pytest.mark.gpu
@pytest.mark.parametrize("options", [dict(), dict(lengths=[5, 3, 0, 1], reverse=True),
                                     dict(lengths=[2, 5, 4, 0], zero_masked_outputs=False)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS)
def test_cupy_matches_numpy(kind, dtype, options):
    args_cpu = make_arguments(kind, dtype=dtype)
    args_gpu = [d2l.tensor(a.numpy(), requires_grad=True, device="gpu") for a in args_cpu]
    fused_cpu = run_kernel(kind, args_cpu, **options)
    fused_gpu = run_kernel(kind, args_gpu, **options)
    rtol, atol = (1e-4, 1e-5) if dtype == "float32" else (1e-10, 1e-12)
    for got, want in zip(fused_gpu, fused_cpu):
        assert got.device == "gpu"
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=atol)
    grads_gpu = [d2l.backend.to_numpy(g) for g in gradients(fused_gpu, args_gpu)]
    for got, want in zip(grads_gpu, gradients(fused_cpu, args_cpu)):
        np.testing.assert_allclose(got, want, rtol=10 * rtol, atol=10 * atol)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS)
def test_cupy_bidirectional_matches_numpy(kind, dtype):
    args_cpu = [d2l.tensor(a.numpy(), requires_grad=True) for a in make_bidirectional_arguments(kind, dtype=dtype)]
    args_gpu = [d2l.tensor(a.numpy(), requires_grad=True, device="gpu") for a in args_cpu]
    fused_cpu = run_bidirectional(kind, args_cpu, lengths=[5, 3, 0, 1])
    fused_gpu = run_bidirectional(kind, args_gpu, lengths=[5, 3, 0, 1])
    rtol, atol = (1e-4, 1e-5) if dtype == "float32" else (1e-10, 1e-12)
    for got, want in zip(fused_gpu, fused_cpu):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=atol)
    grads_gpu = [d2l.backend.to_numpy(g) for g in gradients(fused_gpu, args_gpu)]
    for got, want in zip(grads_gpu, gradients(fused_cpu, args_cpu)):
        np.testing.assert_allclose(got, want, rtol=10 * rtol, atol=10 * atol)


@pytest.mark.parametrize("kind", KINDS)
def test_reused_buffers_never_change_results_still_held(kind):
    # The kernels keep large buffers between calls (sequence.workspace) and reuse one only
    # when nothing else holds it: outputs still held, and graphs not yet backpropagated,
    # keep theirs.
    args = make_arguments(kind)
    first = run_kernel(kind, args)
    kept = [r.numpy().copy() for r in first]
    other = [d2l.tensor(a.numpy() * 0.5, requires_grad=True) for a in args]
    second = run_kernel(kind, other)
    for r, k in zip(first, kept):
        np.testing.assert_array_equal(r.numpy(), k)
    grads_first = gradients(first, args)
    expected = gradients(run_kernel(kind, args), args)
    for got, want in zip(grads_first, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert second[0].shape == first[0].shape


def test_workspace_hands_out_a_buffer_again_only_when_free():
    from d2lrnn.kernels.sequence import Workspace

    pool = Workspace(max_bytes=100, per_shape=1)
    a = pool.empty(np, (3, 4), np.float32)
    assert pool.empty(np, (3, 4), np.float32) is not a  # held by the caller
    view = a[1:]
    del a
    assert pool.empty(np, (3, 4), np.float32) is not view.base  # held through a view
    base = view.base
    del view, base
    reused = pool.empty(np, (3, 4), np.float32)
    assert reused.shape == (3, 4) and reused.dtype == np.float32
    pool.empty(np, (5,), np.float64), pool.empty(np, (6,), np.float64)  # over 100 bytes: the oldest shape goes
    assert ((3, 4), np.dtype(np.float32)) not in pool._buffers and pool._kept <= 100
