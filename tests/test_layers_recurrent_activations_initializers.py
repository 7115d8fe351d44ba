"""Activations and initializers looked up by name, against NumPy formulas and Keras's definitions."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.layers import activations, initializers

X = np.linspace(-6, 6, 25)

FORMULAS = {
    "linear": lambda x: x,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),  # Keras 3, not Keras 2's 0.2 x + 0.5
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "exponential": np.exp,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_activation_values_and_gradients(name):
    fn = activations.get(name)
    np.testing.assert_allclose(fn(d2l.tensor(X, dtype="float64")).numpy(), FORMULAS[name](X), rtol=1e-12, atol=1e-12)
    # Away from the kinks (relu and friends at 0, hard_sigmoid at +-3) the gradient is smooth.
    points = np.array([-2.3, -0.7, 0.4, 1.9, 3.6]).reshape(1, 5)
    assert d2l.gradcheck(lambda t: fn(t), points)


def test_activation_lookup():
    assert activations.get(None) is activations.linear
    custom = lambda t: t * 2  # noqa: E731
    assert activations.get(custom) is custom
    assert activations.serialize(activations.get("tanh")) == "tanh"
    with pytest.raises(ValueError, match="unknown activation 'gelux'.*'hard_sigmoid'"):
        activations.get("gelux")
    with pytest.raises(TypeError, match="activation: expected a name"):
        activations.get(3)


def test_large_inputs_do_not_overflow():
    big = d2l.tensor([-1000.0, 1000.0], dtype="float64", requires_grad=True)
    for name in ("softplus", "elu", "selu"):
        out = activations.get(name)(big)
        out.sum().backward()
        assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(big.grad))
        big.grad = None


def test_variance_scaling_limits():
    d2l.seed(0)
    shape = (300, 200)
    fan_in, fan_out = shape
    cases = {"glorot_uniform": np.sqrt(6 / (fan_in + fan_out)), "he_uniform": np.sqrt(6 / fan_in),
             "lecun_uniform": np.sqrt(3 / fan_in)}
    for name, limit in cases.items():
        values = initializers.get(name)(shape)
        assert values.dtype == np.float32 and np.abs(values).max() <= limit
        assert np.abs(values).max() > 0.99 * limit
    for name, variance in {"glorot_normal": 2 / (fan_in + fan_out), "he_normal": 2 / fan_in,
                           "lecun_normal": 1 / fan_in}.items():
        values = initializers.get(name)(shape, "float64")
        np.testing.assert_allclose(values.var(), variance, rtol=0.03)  # the truncation keeps the variance
        stddev = np.sqrt(variance) / 0.87962566103423978
        assert np.abs(values).max() <= 2 * stddev


def test_simple_initializers_and_keras_defaults():
    uniform = initializers.get("uniform")((1000,))
    assert uniform.min() >= -0.05 and uniform.max() <= 0.05
    np.testing.assert_allclose(initializers.get("normal")((20000,), "float64").std(), 0.05, rtol=0.03)
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2,)), np.ones(2))
    np.testing.assert_array_equal(initializers.Constant(0.5)((3,)), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(initializers.get("identity")((2, 3)), np.eye(2, 3))
    assert initializers.compute_fans((3, 4, 5, 6)) == (5 * 12, 6 * 12)


def test_orthogonal_rows_or_columns():
    wide = initializers.Orthogonal(gain=2.0)((3, 12), "float64")
    np.testing.assert_allclose(wide @ wide.T, 4 * np.eye(3), atol=1e-12)
    tall = initializers.get("orthogonal")((12, 3), "float64")
    np.testing.assert_allclose(tall.T @ tall, np.eye(3), atol=1e-12)


def test_seeds_and_serialization():
    seeded = initializers.GlorotUniform(seed=4)
    np.testing.assert_array_equal(seeded((3, 3)), seeded((3, 3)))
    d2l.seed(1)
    first = initializers.get("glorot_uniform")((3, 3))
    d2l.seed(1)
    np.testing.assert_array_equal(first, initializers.get("glorot_uniform")((3, 3)))
    config = initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3))
    original = initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3)
    np.testing.assert_array_equal(initializers.get(config)((4, 4)), original((4, 4)))
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="mode must be one of"):
        initializers.VarianceScaling(mode="fan")
