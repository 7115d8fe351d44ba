"""Every primitive op and composite, table-driven: forward against NumPy formulas written here,
gradients against float64 central finite differences, shapes drawn by hypothesis (broadcasting,
size-1 axes, 0-d arrays). The same table runs on CuPy against NumPy when a GPU is present.

Each table entry draws one example: the input arrays (the differentiable inputs), the d2lrnn
function of Tensors, and a NumPy reference of arrays. Constants an op needs (an index array, a
condition, class targets) are closed over and moved to the inputs' device with ``like``.
"""
from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import d2lrnn as d2l
from d2lrnn import backend
from d2lrnn import functional as F

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)
TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=3)
MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=2, min_side=1,
                                                  max_side=3)


# ------------------------------------------------------------------ input domains
def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    """|x| in [0.2, 2]: keeps finite differences off the kinks of relu, abs and 1/x."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


def distinct(rng, shape):
    """All values differ by at least 0.3: max has no ties to split."""
    size = math.prod(shape)
    return ((rng.permutation(size) - size / 2) * 0.3 + rng.uniform(-0.1, 0.1)).reshape(shape)


def away_from_limits(rng, shape):
    """Values in (-1.5, -0.6) u (-0.4, 0.4) u (0.6, 1.5): off the clip limits +-0.5."""
    inside = rng.uniform(-0.4, 0.4, shape)
    outside = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.6, 1.5, shape)
    return np.where(rng.random(shape) < 0.5, inside, outside)


def like(t, array):
    """A constant array on the device of Tensor ``t``."""
    return backend.to_device(array, t.device)


# ----------------------------------------------------------------------- the table
def binary(ours, reference, domain_b=normal):
    def draw(data, rng):
        shape_a, shape_b = data.draw(PAIRS).input_shapes
        return [normal(rng, shape_a), domain_b(rng, shape_b)], ours, reference
    return draw


def unary(ours, reference, domain=normal, shapes=SHAPES):
    def draw(data, rng):
        return [domain(rng, data.draw(shapes))], ours, reference
    return draw


def draw_pow(data, rng):
    exponent = data.draw(st.sampled_from([2, 3, 0.5, -1.0, 1.5, -0.5]))
    domain = normal if exponent in (2, 3) else positive
    return [domain(rng, data.draw(SHAPES))], lambda a: a**exponent, lambda a: a**exponent


def draw_maximum(data, rng):
    shape_a, shape_b = data.draw(PAIRS).input_shapes
    return [normal(rng, shape_a), normal(rng, shape_b)], d2l.maximum, np.maximum


def draw_where(data, rng):
    shape_c, shape_a, shape_b = data.draw(TRIPLES).input_shapes
    condition = rng.random(shape_c) < 0.5
    return ([normal(rng, shape_a), normal(rng, shape_b)],
            lambda a, b: d2l.where(like(a, condition), a, b),
            lambda a, b: np.where(condition, a, b))


def draw_matmul(data, rng):
    shape_a, shape_b = data.draw(MATMUL_SHAPES).input_shapes
    return [normal(rng, shape_a), normal(rng, shape_b)], lambda a, b: a @ b, np.matmul


def draw_axis(data, ndim):
    """None, one axis (maybe negative) or a tuple of distinct axes (maybe empty)."""
    if ndim == 0:
        return None
    return data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim)))


def reduction(method, reference, domain=normal):
    def draw(data, rng):
        shape = data.draw(SHAPES)
        axis = draw_axis(data, len(shape))
        keepdims = data.draw(st.booleans())
        return ([domain(rng, shape)],
                lambda a: getattr(a, method)(axis=axis, keepdims=keepdims),
                lambda a: reference(a, axis=axis, keepdims=keepdims))
    return draw


def draw_reshape(data, rng):
    shape = data.draw(SHAPES)
    size = math.prod(shape)
    target = data.draw(st.sampled_from([(-1,), tuple(reversed(shape)), (1,) + shape, (size, 1), shape + (1,)]))
    return [normal(rng, shape)], lambda a: a.reshape(target), lambda a: a.reshape(target)


def draw_transpose(data, rng):
    shape = data.draw(SHAPES)
    axes = data.draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return [normal(rng, shape)], lambda a: a.transpose(axes), lambda a: np.transpose(a, axes)


def draw_swapaxes(data, rng):
    shape = data.draw(NONEMPTY_SHAPES)
    axis1, axis2 = data.draw(st.tuples(*[st.integers(-len(shape), len(shape) - 1)] * 2))
    return [normal(rng, shape)], lambda a: a.swapaxes(axis1, axis2), lambda a: np.swapaxes(a, axis1, axis2)


def draw_basic_index(data, rng):
    shape = data.draw(SHAPES)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return [normal(rng, shape)], lambda a: a[index], lambda a: a[index]


def draw_integer_index(data, rng):
    """Integer arrays may repeat an element: its gradient must add up, not overwrite."""
    shape = data.draw(NONEMPTY_SHAPES)
    index = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=4)))
    return ([normal(rng, shape)],
            lambda a: a[tuple(like(a, i) for i in index)],
            lambda a: a[index])


def draw_rows_and_slice(data, rng):
    """An embedding-style lookup: integer rows (with repeats) and a slice of columns."""
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
    rows = rng.integers(0, shape[0], size=data.draw(st.integers(1, 5)))
    return ([normal(rng, shape)],
            lambda a: a[like(a, rows), 1:],
            lambda a: a[rows, 1:])


def draw_boolean_mask(data, rng):
    shape = data.draw(NONEMPTY_SHAPES)
    mask = rng.random(shape) < 0.5
    return [normal(rng, shape)], lambda a: a[like(a, mask)], lambda a: a[mask]


def draw_concat(data, rng):
    base = data.draw(NONEMPTY_SHAPES)
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = [base[:axis % len(base)] + (n,) + base[axis % len(base) + 1:] for n in sizes]
    return ([normal(rng, s) for s in shapes],
            lambda *xs: d2l.concat(list(xs), axis=axis),
            lambda *xs: np.concatenate(xs, axis=axis))


def draw_stack(data, rng):
    shape = data.draw(SHAPES)
    count = data.draw(st.integers(1, 3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return ([normal(rng, shape) for _ in range(count)],
            lambda *xs: d2l.stack(list(xs), axis=axis),
            lambda *xs: np.stack(xs, axis=axis))


def draw_split(data, rng):
    shape = data.draw(NONEMPTY_SHAPES)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    length = shape[axis]
    if data.draw(st.booleans()):
        sections = data.draw(st.sampled_from([n for n in range(1, length + 1) if length % n == 0]))
        bounds = list(range(length // sections, length, length // sections))
    else:
        cuts = sorted(data.draw(st.sets(st.integers(1, length - 1), max_size=length - 1))) if length > 1 else []
        bounds = cuts
        sections = [b - a for a, b in zip([0] + cuts, cuts + [length])]
    return ([normal(rng, shape)],
            lambda a: a.split(sections, axis=axis),
            lambda a: tuple(np.split(a, bounds, axis=axis)))


def draw_unused_split_output(data, rng):
    """Only one piece of a split feeds the result: the others must receive zero gradients."""
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    return ([normal(rng, shape)],
            lambda a: d2l.split(a, [1, shape[0] - 1], axis=0)[1] * 2.0,
            lambda a: a[1:] * 2.0)


def along_axis(ours, reference):
    def draw(data, rng):
        shape = data.draw(NONEMPTY_SHAPES)
        axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        return [normal(rng, shape)], lambda a: ours(a, axis), lambda a: reference(a, axis)
    return draw


def np_log_softmax(a, axis):
    return a - np.log(np.exp(a).sum(axis=axis, keepdims=True))


def draw_logsumexp(data, rng):
    shape = data.draw(NONEMPTY_SHAPES)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdims = data.draw(st.booleans())
    return ([normal(rng, shape)],
            lambda a: F.logsumexp(a, axis=axis, keepdims=keepdims),
            lambda a: np.log(np.exp(a).sum(axis=axis, keepdims=keepdims)))


def draw_cross_entropy(data, rng):
    batch, classes = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    targets = rng.integers(0, classes, size=batch)
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    return ([normal(rng, (batch, classes))],
            lambda logits: F.cross_entropy(logits, like(logits, targets), reduction=reduction),
            lambda logits: reduce(-np_log_softmax(logits, -1)[np.arange(batch), targets]))


def draw_mse(data, rng):
    shape = data.draw(SHAPES)
    return [normal(rng, shape), normal(rng, shape)], F.mse, lambda a, b: np.mean((a - b) ** 2)


CASES = {
    "add": binary(lambda a, b: a + b, np.add),
    "sub": binary(lambda a, b: a - b, np.subtract),
    "mul": binary(lambda a, b: a * b, np.multiply),
    "div": binary(lambda a, b: a / b, np.divide, domain_b=away_from_zero),
    "maximum": draw_maximum,
    "where": draw_where,
    "neg": unary(lambda a: -a, np.negative),
    "pow": draw_pow,
    "sqrt": unary(lambda a: a.sqrt(), np.sqrt, domain=positive),
    "exp": unary(lambda a: a.exp(), np.exp),
    "log": unary(lambda a: a.log(), np.log, domain=positive),
    "tanh": unary(lambda a: a.tanh(), np.tanh),
    "sigmoid": unary(lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    "relu": unary(lambda a: a.relu(), lambda a: np.maximum(a, 0), domain=away_from_zero),
    "abs": unary(lambda a: a.abs(), np.abs, domain=away_from_zero),
    "clip": unary(lambda a: a.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), domain=away_from_limits),
    "clip_low_only": unary(lambda a: F.clip(a, low=-0.5), lambda a: np.maximum(a, -0.5), domain=away_from_limits),
    "matmul": draw_matmul,
    "sum": reduction("sum", np.sum),
    "mean": reduction("mean", np.mean),
    "max": reduction("max", np.max, domain=distinct),
    "reshape": draw_reshape,
    "transpose": draw_transpose,
    "swapaxes": draw_swapaxes,
    "T": unary(lambda a: a.T, lambda a: a.T),
    "getitem_basic": draw_basic_index,
    "getitem_integer_arrays": draw_integer_index,
    "getitem_rows_and_slice": draw_rows_and_slice,
    "getitem_boolean_mask": draw_boolean_mask,
    "concat": draw_concat,
    "stack": draw_stack,
    "split": draw_split,
    "split_unused_outputs": draw_unused_split_output,
    "log_softmax": along_axis(F.log_softmax, np_log_softmax),
    "softmax": along_axis(F.softmax, lambda a, axis: np.exp(np_log_softmax(a, axis))),
    "logsumexp": draw_logsumexp,
    "cross_entropy": draw_cross_entropy,
    "mse": draw_mse,
}


# ------------------------------------------------------------------------ checks
def as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def draw_example(case, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    return CASES[case](data, rng)


@pytest.mark.parametrize("case", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_op_matches_numpy_and_finite_differences(case, data):
    inputs, ours, reference = draw_example(case, data)

    got = as_tuple(ours(*[d2l.tensor(x, dtype="float64") for x in inputs]))
    expected = as_tuple(reference(*inputs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == np.float64
        assert g.shape == np.shape(e)
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-10, atol=1e-12)

    d2l.gradcheck(ours, *inputs)

    # float32 in, float32 out, close to the float64 result
    got32 = as_tuple(ours(*[d2l.tensor(x.astype(np.float32)) for x in inputs]))
    for g, e in zip(got32, expected):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_op_on_gpu_matches_numpy(case, data):
    inputs, ours, _ = draw_example(case, data)
    results = {}
    for device in ("cpu", "gpu"):
        leaves = [d2l.tensor(x, dtype="float64", device=device, requires_grad=True) for x in inputs]
        outputs = as_tuple(ours(*leaves))
        assert all(o.device == device for o in outputs)
        total = outputs[0].sum()
        for o in outputs[1:]:
            total = total + o.sum()
        total.backward()
        results[device] = ([o.numpy() for o in outputs], [leaf.grad for leaf in leaves])
    (cpu_out, cpu_grads), (gpu_out, gpu_grads) = results["cpu"], results["gpu"]
    for c, g in zip(cpu_out, gpu_out):
        np.testing.assert_allclose(g, c, rtol=1e-10, atol=1e-12)
    for c, g in zip(cpu_grads, gpu_grads):
        assert backend.is_gpu_array(g)
        np.testing.assert_allclose(backend.to_numpy(g), c, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------ dtypes and scalars
SCALAR_OPS = {
    "x * 2.0": lambda x: x * 2.0,
    "2.0 * x": lambda x: 2.0 * x,
    "x + 1": lambda x: x + 1,
    "1 - x": lambda x: 1 - x,
    "x / 3": lambda x: x / 3,
    "3 / x": lambda x: 3 / x,
    "x ** 2": lambda x: x**2,
    "np.float64(2) * x": lambda x: np.float64(2.0) * x,
    "x * np.float64(2)": lambda x: x * np.float64(2.0),
    "maximum(x, 0.5)": lambda x: d2l.maximum(x, 0.5),
    "where(x > 0, x, 0.0)": lambda x: d2l.where(x > 0, x, 0.0),
    "x ** np.float64(2)": lambda x: x ** np.float64(2.0),
    "clip(x, np.float64(1), np.float64(2))": lambda x: x.clip(np.float64(1.0), np.float64(2.0)),
}


@pytest.mark.parametrize("expression", sorted(SCALAR_OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_and_numpy_scalars_keep_the_dtype(expression, dtype):
    x = d2l.tensor(np.array([0.5, 1.5, 2.5]), dtype=dtype, requires_grad=True)
    y = SCALAR_OPS[expression](x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_a_numpy_array_on_the_left_defers_to_the_tensor():
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    for y in (np.array([3.0, 4.0]) * x, np.array([3.0, 4.0]) + x, np.array([[1.0, 0.0], [0.0, 3.0]]) @ x):
        assert isinstance(y, d2l.Tensor) and y.requires_grad
    (np.array([3.0, 4.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_float64_stays_float64_through_a_small_network():
    x = d2l.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype="float64")
    w = d2l.tensor(np.random.default_rng(1).standard_normal((3, 5)), dtype="float64", requires_grad=True)
    h = (x @ w).tanh()
    loss = F.cross_entropy(h, np.array([0, 1, 2, 3]))
    assert h.dtype == np.float64 and loss.dtype == np.float64
    loss.backward()
    assert w.grad.dtype == np.float64


def test_astype_casts_forward_and_casts_the_gradient_back():
    x = d2l.tensor([1.0, 2.0], dtype="float32", requires_grad=True)
    y = x.astype("float64")
    assert y.dtype == np.float64
    (y * d2l.tensor([3.0, 4.0], dtype="float64")).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_default_dtype_is_float32_and_integers_stay_integers():
    assert d2l.tensor([1.0, 2.0]).dtype == np.float32
    assert d2l.tensor(np.array([1.0, 2.0])).dtype == np.float64  # an array keeps its own dtype
    assert d2l.tensor([1, 2]).dtype.kind == "i"
    assert d2l.randn(2, 3).dtype == np.float32


# --------------------------------------------------------------- special values
def test_sigmoid_saturates_without_overflow():
    values = np.array([-1000.0, -50.0, -3.0, 0.0, 3.0, 50.0, 1000.0])
    x = d2l.tensor(values, requires_grad=True)
    with np.errstate(all="raise"):
        y = x.sigmoid()
        y.sum().backward()
    exact = np.exp(-np.logaddexp(0.0, -values))  # 1 / (1 + e^-x) without overflow
    np.testing.assert_allclose(y.numpy(), exact, rtol=0, atol=1e-7)
    np.testing.assert_allclose(x.grad, exact * (1 - exact), rtol=0, atol=1e-7)


def test_log_softmax_and_cross_entropy_are_stable_for_huge_logits():
    logits = d2l.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, np.array([1]))
    loss.backward()
    assert np.isclose(loss.item(), 1000.0)
    np.testing.assert_allclose(logits.grad, [[1.0, -1.0, 0.0]], atol=1e-6)


def test_max_splits_the_gradient_between_ties():
    x = d2l.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])


def test_maximum_gives_ties_to_the_first_argument():
    a = d2l.tensor([1.0, 2.0], requires_grad=True)
    b = d2l.tensor([1.0, 3.0], requires_grad=True)
    d2l.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.0, 1.0])


def test_dropout_mask_scales_survivors_and_its_gradient():
    p = 0.3
    x = d2l.tensor(np.random.default_rng(0).uniform(1, 2, (200, 50)), requires_grad=True)
    y = F.dropout(x, p, training=True)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.02  # 10,000 Bernoulli draws: 4.5 standard deviations
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / (1 - p), rtol=1e-6)


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = d2l.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0, training=True) is x


def test_one_hot_matches_numpy_eye():
    indices = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(F.one_hot(indices, 3).numpy(), np.eye(3, dtype=np.float32)[indices])


# ------------------------------------------------------------ gradcheck can fail
class WrongTanh(d2l.Function):
    """A deliberately wrong backward: d tanh(a) taken as da."""

    def forward(self, a):
        return self.xp.tanh(a)

    def backward(self, grad):
        return grad


def test_gradcheck_reports_a_wrong_backward():
    with pytest.raises(AssertionError, match=r"input 0 \(shape \(3,\)\) differs at index"):
        d2l.gradcheck(lambda a: WrongTanh.apply(a), np.array([0.5, 1.0, 2.0]))
    assert d2l.gradcheck(lambda a: WrongTanh.apply(a), np.array([0.5]), raise_exception=False) is False


def test_mse_converts_an_array_target_to_the_prediction_dtype():
    prediction = d2l.tensor([1.0, 2.0, 4.0], requires_grad=True)
    target = np.array([0.5, 2.0, 1.0])  # float64
    loss = F.mse(prediction, target)
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), np.mean((np.array([1.0, 2.0, 4.0]) - target) ** 2), rtol=1e-6)
    loss.backward()
    assert prediction.grad.dtype == np.float32


def test_pow_zero_has_zero_gradient_even_at_zero():
    x = d2l.tensor([0.0, 2.0, -3.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])  # d(a^0)/da = 0, not nan at a = 0


def test_logsumexp_of_an_all_minus_infinity_slice_is_minus_infinity():
    x = d2l.tensor(np.array([[-np.inf, -np.inf], [1.0, 2.0]]))
    with np.errstate(divide="ignore"):  # log(0) = -inf is the answer here
        out = d2l.functional.logsumexp(x, axis=1).numpy()
    assert out[0] == -np.inf
    np.testing.assert_allclose(out[1], np.log(np.exp(1.0) + np.exp(2.0)), rtol=1e-6)
