"""Optimizers against their update formulas written out in NumPy here (and against torch.optim),
over several steps with changing gradients; and clip_grad_norm.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn

STEPS = 5


def gradients(shape, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]


def run(optimizer_class, start, grads, **options):
    """Parameters after each step of the d2lrnn optimizer fed the given gradients."""
    p = nn.Parameter(start.copy())
    optimizer = optimizer_class([p], **options)
    history = []
    for g in grads:
        optimizer.zero_grad()
        p.grad = g.copy()
        optimizer.step()
        history.append(p.numpy().copy())
    return history


# --------------------------------------------------------- the formulas, in NumPy
def numpy_sgd(p, grads, lr, momentum=0.0, weight_decay=0.0):
    history, buf = [], None
    for g in grads:
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = buf
        p = p - lr * g
        history.append(p)
    return history


def numpy_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    history, m, v = [], np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g**2
        m_hat = m / (1 - betas[0] ** t)
        v_hat = v / (1 - betas[1] ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(p)
    return history


def numpy_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0):
    history, v, buf = [], np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        v = alpha * v + (1 - alpha) * g**2
        step = g / (np.sqrt(v) + eps)
        if momentum:
            buf = momentum * buf + step
            step = buf
        p = p - lr * step
        history.append(p)
    return history


CASES = [
    ("sgd", nn.SGD, numpy_sgd, {"lr": 0.1}),
    ("sgd_momentum", nn.SGD, numpy_sgd, {"lr": 0.1, "momentum": 0.9}),
    ("sgd_momentum_weight_decay", nn.SGD, numpy_sgd, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01}),
    ("adam_defaults", nn.Adam, numpy_adam, {}),
    ("adam", nn.Adam, numpy_adam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("rmsprop_defaults", nn.RMSprop, numpy_rmsprop, {}),
    ("rmsprop_momentum", nn.RMSprop, numpy_rmsprop, {"lr": 0.005, "alpha": 0.9, "momentum": 0.8}),
]


@pytest.mark.parametrize("name, ours, formula, options", CASES, ids=[c[0] for c in CASES])
def test_optimizer_follows_its_update_formula(name, ours, formula, options):
    start = np.random.default_rng(1).standard_normal((3, 4))
    grads = gradients((3, 4))
    for got, expected in zip(run(ours, start, grads, **options), formula(start, grads, **options)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("name, ours, formula, options", CASES, ids=[c[0] for c in CASES])
def test_optimizer_agrees_with_torch_optim(name, ours, formula, options):
    import torch

    start = np.random.default_rng(2).standard_normal((4, 2))
    grads = gradients((4, 2), seed=3)
    p = torch.tensor(start.copy(), requires_grad=True)
    reference = getattr(torch.optim, ours.__name__)([p], **options)
    for got, g in zip(run(ours, start, grads, **options), grads):
        p.grad = torch.tensor(g)
        reference.step()
        np.testing.assert_allclose(got, p.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_optimizer_defaults_are_pytorchs():
    params = [nn.Parameter(np.zeros(2))]
    adam = nn.Adam(params)
    assert (adam.lr, adam.betas, adam.eps) == (1e-3, (0.9, 0.999), 1e-8)
    rmsprop = nn.RMSprop(params)
    assert (rmsprop.lr, rmsprop.alpha, rmsprop.eps, rmsprop.momentum) == (1e-2, 0.99, 1e-8, 0.0)
    sgd = nn.SGD(params, lr=0.5)
    assert (sgd.momentum, sgd.weight_decay) == (0.0, 0.0)


@pytest.mark.parametrize("optimizer_class", [nn.SGD, nn.Adam, nn.RMSprop])
def test_step_keeps_float32_and_skips_parameters_without_gradient(optimizer_class):
    with_grad = nn.Parameter(np.ones(3, dtype=np.float32))
    without = nn.Parameter(np.ones(3, dtype=np.float32))
    optimizer = optimizer_class([with_grad, without], lr=0.1)
    with_grad.grad = np.full(3, 0.5, dtype=np.float32)
    optimizer.step()
    assert with_grad.dtype == np.float32
    assert (with_grad.numpy() < 1).all()
    np.testing.assert_array_equal(without.numpy(), np.ones(3))
    optimizer.zero_grad()
    assert with_grad.grad is None and without.grad is None


def test_step_gives_the_parameter_a_new_array():
    shared = np.ones(2)
    p = nn.Parameter(shared)
    assert np.shares_memory(p.data, shared)  # a parameter may share its array with its source...
    p.grad = np.ones(2)
    nn.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(shared, [1.0, 1.0])  # ...which the update leaves alone


def test_sgd_trains_a_linear_regression():
    d2l.seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = x @ np.array([[2.0], [-3.0]], dtype=np.float32) + 1.0
    layer = nn.Linear(2, 1)
    optimizer = nn.SGD(layer.parameters(), lr=0.1)
    for _ in range(200):
        optimizer.zero_grad()
        nn.MSELoss()(layer(x), y).backward()
        optimizer.step()
    np.testing.assert_allclose(layer.weight.numpy(), [[2.0, -3.0]], atol=1e-3)
    np.testing.assert_allclose(layer.bias.numpy(), [1.0], atol=1e-3)


# ------------------------------------------------------------ clip_grad_norm
def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)))
        p.grad = None if g is None else np.array(g, dtype=float)
        params.append(p)
    return params


def test_clip_grad_norm_scales_all_gradients_by_the_global_norm():
    params = params_with_grads([3.0, 0.0], [[0.0, 4.0]], None, 12.0)
    originals = [p.grad for p in params]
    norm = nn.clip_grad_norm(iter(params), max_norm=6.5)  # any iterable of parameters
    assert isinstance(norm, float) and norm == pytest.approx(13.0)  # sqrt(9 + 16 + 144)
    scale = 6.5 / 13.0
    np.testing.assert_allclose(params[0].grad, [1.5, 0.0])
    np.testing.assert_allclose(params[1].grad, [[0.0, 4.0 * scale]])
    assert params[2].grad is None
    np.testing.assert_allclose(params[3].grad, 12.0 * scale)
    new_norm = np.sqrt(sum((p.grad**2).sum() for p in params if p.grad is not None))
    assert new_norm == pytest.approx(6.5)
    # the old arrays were replaced, not scaled in place: whoever shares them keeps their values
    np.testing.assert_array_equal(originals[0], [3.0, 0.0])
    assert params[0].grad is not originals[0]


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = params_with_grads([0.3, 0.4])
    before = params[0].grad
    assert nn.clip_grad_norm(params, max_norm=1.0) == pytest.approx(0.5)
    assert params[0].grad is before


def test_clip_grad_norm_of_no_gradients_is_zero():
    assert nn.clip_grad_norm(params_with_grads(None, None), 1.0) == 0.0


@pytest.mark.torch
def test_clip_grad_norm_agrees_with_torch():
    import torch

    grads = gradients((3, 5), steps=3, seed=4)
    ours = params_with_grads(*[g * 10 for g in grads])
    theirs = [torch.zeros(3, 5, dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g * 10)
    norm = nn.clip_grad_norm(ours, 2.0)
    reference_norm = torch.nn.utils.clip_grad_norm_(theirs, 2.0)
    assert norm == pytest.approx(reference_norm.item(), rel=1e-12)
    for p, t in zip(ours, theirs):  # torch divides by norm + 1e-6, the book by the norm
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-5)


# ----------------------------------------------------------------------- GPU
@pytest.mark.gpu
@pytest.mark.parametrize("name, ours, formula, options", CASES, ids=[c[0] for c in CASES])
def test_optimizer_on_gpu_matches_cpu(name, ours, formula, options):
    from d2lrnn import backend

    start = np.random.default_rng(5).standard_normal((3, 4))
    grads = gradients((3, 4), seed=6)
    p = nn.Parameter(start.copy(), device="gpu")
    optimizer = ours([p], **options)
    for g, expected in zip(grads, formula(start, grads, **options)):
        p.grad = backend.to_device(g, "gpu")
        optimizer.step()
        assert p.device == "gpu"
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-10, atol=1e-12)
    p.grad = backend.to_device(grads[0] * 100, "gpu")
    norm = nn.clip_grad_norm([p], 1.0)
    assert norm == pytest.approx(np.sqrt((grads[0] ** 2).sum()) * 100)
    assert backend.is_gpu_array(p.grad)
