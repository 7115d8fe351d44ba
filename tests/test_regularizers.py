"""Regularizers: penalties against NumPy formulas, gradients by finite differences, identifiers."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import regularizers


@pytest.fixture
def weight(rng):
    return rng.normal(size=(4, 3))


@pytest.mark.parametrize("regularizer, l1, l2", [
    (regularizers.L1(), 0.01, 0.0),
    (regularizers.L2(), 0.0, 0.01),
    (regularizers.L1(0.3), 0.3, 0.0),
    (regularizers.L2(0.2), 0.0, 0.2),
    (regularizers.L1L2(l1=0.1, l2=0.05), 0.1, 0.05),
    (regularizers.L1L2(), 0.0, 0.0),
])
def test_penalty_matches_numpy(regularizer, l1, l2, weight):
    expected = l1 * np.abs(weight).sum() + l2 * (weight**2).sum()
    penalty = regularizer(d2l.tensor(weight, dtype="float64"))
    assert penalty.shape == ()
    assert penalty.dtype == np.float64
    np.testing.assert_allclose(penalty.item(), expected, rtol=1e-12)


def test_penalty_keeps_float32():
    assert regularizers.L2()(d2l.ones(3, 2)).dtype == np.float32


def test_penalty_is_differentiable(weight):
    # Keep |w| away from 0, where |w| has a kink that finite differences cannot check.
    weight = np.where(np.abs(weight) < 0.1, 0.5, weight)
    d2l.gradcheck(regularizers.L1L2(l1=0.1, l2=0.05), weight)


def test_gradient_is_l1_sign_plus_twice_l2_w(weight):
    w = d2l.tensor(weight, dtype="float64", requires_grad=True)
    regularizers.L1L2(l1=0.1, l2=0.05)(w).backward()
    np.testing.assert_allclose(w.grad, 0.1 * np.sign(weight) + 2 * 0.05 * weight)


def test_lowercase_names_are_the_classes_with_keras3_defaults():
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.l1().get_config() == {"l1": 0.01}
    assert regularizers.l2().get_config() == {"l2": 0.01}


@pytest.mark.parametrize("name, cls, config", [
    ("l1", regularizers.L1, {"l1": 0.01}),
    ("L1", regularizers.L1, {"l1": 0.01}),
    ("l2", regularizers.L2, {"l2": 0.01}),
    ("L2", regularizers.L2, {"l2": 0.01}),
    ("l1l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("L1L2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
])
def test_get_by_name(name, cls, config):
    r = regularizers.get(name)
    assert type(r) is cls and r.get_config() == config


def test_get_rejects_l1_l2_string_like_keras3():
    with pytest.raises(ValueError, match="l1_l2"):
        regularizers.get("l1_l2")


def test_get_other_identifiers():
    r = regularizers.L2(0.5)
    assert regularizers.get(r) is r
    assert regularizers.get(None) is None
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1

    def custom(w):
        return w.sum()

    assert regularizers.get(custom) is custom
    with pytest.raises(ValueError, match="regularizer identifier"):
        regularizers.get(3)


def test_config_round_trips():
    for r in [regularizers.L1(0.2), regularizers.L2(0.3), regularizers.L1L2(0.1, 0.4)]:
        assert type(r).from_config(r.get_config()) == r
        assert regularizers.get(regularizers.serialize(r)) == r
    assert regularizers.serialize(regularizers.L2(0.3)) == {"class_name": "L2", "config": {"l2": 0.3}}


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_invalid_factor_names_the_argument(bad):
    with pytest.raises(ValueError, match="l2"):
        regularizers.L2(bad)
    with pytest.raises(ValueError, match="l1"):
        regularizers.L1L2(l1=bad)
