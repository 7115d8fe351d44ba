"""Dense, Embedding, Masking, Dropout and Input against NumPy; gradients by finite differences."""
import warnings

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, regularizers


# ------------------------------------------------------------------------- Dense
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (2, 2, 2, 3)])
def test_dense_matches_numpy_on_the_last_axis(shape, rng):
    x = rng.normal(size=shape)
    dense = layers.Dense(6, activation="tanh", dtype="float64")
    y = dense(x)
    kernel, bias = dense.get_weights()
    assert kernel.shape == (3, 6) and bias.shape == (6,)
    np.testing.assert_allclose(y.numpy(), np.tanh(x @ kernel + bias), rtol=1e-12)
    assert y.shape == shape[:-1] + (6,) == dense.compute_output_shape(shape)


def test_dense_defaults_glorot_uniform_kernel_and_zero_bias():
    dense = layers.Dense(200)
    dense(np.zeros((1, 300)))
    kernel, bias = dense.get_weights()
    limit = np.sqrt(6 / (300 + 200))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert abs(kernel.mean()) < 0.01 and np.all(bias == 0)
    assert dense.count_params() == 300 * 200 + 200
    assert [w.name for w in dense.weights] == ["kernel", "bias"]


def test_dense_without_bias(rng):
    dense = layers.Dense(2, use_bias=False, dtype="float64")
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(dense(x).numpy(), x @ dense.get_weights()[0])
    assert dense.count_params() == 8


def test_dense_layer_gradients_match_finite_differences(rng):
    # Finite differences through the layer itself: perturb a weight with set_weights, call again.
    dense = layers.Dense(3, activation="tanh", dtype="float64")
    x = rng.normal(size=(2, 4, 5))
    upstream = rng.normal(size=(2, 4, 3))
    dense(x)
    kernel0, bias0 = dense.get_weights()

    def loss_at(kernel, bias, x_):
        dense.set_weights([kernel, bias])
        return float((dense(x_).numpy() * upstream).sum())

    xt = d2l.tensor(x, dtype="float64", requires_grad=True)
    (dense(xt) * upstream).sum().backward()
    for analytic, array, index in [(dense.kernel.grad, kernel0, 0), (dense.bias.grad, bias0, 1), (xt.grad, x, 2)]:
        numeric = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            args = [kernel0.copy(), bias0.copy(), x.copy()]
            args[index][i] += 1e-6
            plus = loss_at(*args)
            args[index][i] -= 2e-6
            numeric[i] = (plus - loss_at(*args)) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_dense_errors():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="at least 2 axes"):
        layers.Dense(2)(np.zeros(3))
    dense = layers.Dense(2)
    dense(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="built for 4 input features.*\\(1, 5\\)"):
        dense(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="activation"):
        layers.Dense(2, activation="tanhh")
    with pytest.raises(TypeError, match="kernel_constraint: expected None or a callable"):
        layers.Dense(2, kernel_constraint="max_norm")
    with pytest.raises(TypeError, match="bias_constraint: expected None or a callable"):
        layers.Dense(2, bias_constraint=3.0)


def test_dense_regularizers_appear_in_losses(rng):
    dense = layers.Dense(3, kernel_regularizer=regularizers.L2(0.1), bias_regularizer="l1",
                         bias_initializer="ones", dtype="float64")
    dense(rng.normal(size=(2, 4)))
    kernel, bias = dense.get_weights()
    penalties = [p.item() for p in dense.losses]
    np.testing.assert_allclose(penalties, [0.1 * (kernel**2).sum(), 0.01 * np.abs(bias).sum()])


def test_dense_activity_regularizer_is_divided_by_batch_size(rng):
    dense = layers.Dense(3, activity_regularizer=regularizers.L2(0.5), dtype="float64")
    y = dense(rng.normal(size=(4, 2))).numpy()
    np.testing.assert_allclose(dense.losses[0].item(), 0.5 * (y**2).sum() / 4)


def test_dense_config_round_trip():
    dense = layers.Dense(5, activation="relu", use_bias=False, kernel_regularizer=regularizers.L1(0.2), name="d")
    clone = layers.Dense.from_config(dense.get_config())
    assert clone.get_config() == dense.get_config()
    assert clone.get_config()["activation"] == "relu"


def test_dense_keeps_the_mask(rng):
    x = rng.normal(size=(2, 3, 4))
    x[0, 2] = 0.0
    y = layers.Dense(2)(layers.Masking()(x))
    np.testing.assert_array_equal(layers.mask_of(y), [[True, True, False], [True, True, True]])


# --------------------------------------------------------------------- Embedding
def test_embedding_looks_up_rows(rng):
    emb = layers.Embedding(10, 4)
    ids = np.array([[1, 2, 0], [9, 9, 3]])
    out = emb(ids)
    table = emb.get_weights()[0]
    assert out.shape == (2, 3, 4) == emb.compute_output_shape(ids.shape)
    np.testing.assert_array_equal(out.numpy(), table[ids])
    assert np.abs(table).max() <= 0.05  # 'uniform' is U(-0.05, 0.05) in Keras
    assert emb.count_params() == 40
    assert layers.mask_of(out) is None


def test_embedding_gradient_accumulates_repeated_ids(rng):
    emb = layers.Embedding(5, 3, dtype="float64")
    ids = np.array([[1, 1, 4], [0, 1, 2]])
    upstream = rng.normal(size=(2, 3, 3))
    (emb(ids) * upstream).sum().backward()
    expected = np.zeros((5, 3))
    np.add.at(expected, ids.reshape(-1), upstream.reshape(-1, 3))
    np.testing.assert_allclose(emb.embeddings.grad, expected)


def test_embedding_mask_zero():
    emb = layers.Embedding(6, 2, mask_zero=True)
    out = emb(np.array([[3, 1, 0, 0], [2, 0, 5, 0]]))
    np.testing.assert_array_equal(layers.mask_of(out), [[True, True, False, False], [True, False, True, False]])
    np.testing.assert_array_equal(out.numpy()[0, 2], emb.get_weights()[0][0])  # row 0 is still looked up


def test_embedding_float_ids_must_be_whole_numbers():
    # Keras truncates 3.7 to 3 silently; d2lrnn casts whole-number floats and refuses fractions.
    emb = layers.Embedding(5, 2)
    np.testing.assert_array_equal(emb(np.array([[1.0, 3.0]])).numpy(), emb.get_weights()[0][[1, 3]][None])
    with pytest.raises(TypeError, match="whole numbers"):
        emb(np.array([[1.0, 3.7]]))


def test_embedding_errors():
    emb = layers.Embedding(1000, 8)
    with pytest.raises(ValueError, match="id 1000 is outside \\[0, input_dim\\) with input_dim=1000"):
        emb(np.array([[3, 1000]]))
    with pytest.raises(ValueError, match="id -1"):
        emb(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        layers.Embedding(3, True)
    with pytest.warns(UserWarning, match="input_length"):
        layers.Embedding(3, 2, input_length=10)
    with pytest.raises(TypeError, match="embeddings_constraint: expected None or a callable"):
        layers.Embedding(3, 2, embeddings_constraint="non_neg")


def test_embedding_regularizer_and_config():
    emb = layers.Embedding(4, 2, embeddings_regularizer=regularizers.L2(0.5), mask_zero=True, dtype="float64")
    emb(np.array([[1, 2]]))
    np.testing.assert_allclose(emb.losses[0].item(), 0.5 * (emb.get_weights()[0] ** 2).sum())
    clone = layers.Embedding.from_config(emb.get_config())
    assert clone.get_config() == emb.get_config() and clone.mask_zero


# ----------------------------------------------------------------------- Masking
def test_masking_follows_keras():
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [-1.0, 3.0]], [[-1.0, -1.0], [0.0, 0.0], [5.0, 6.0]]])
    out = layers.Masking(mask_value=-1.0)(x)
    expected_mask = np.array([[True, False, True], [False, True, True]])  # masked only if all features match
    np.testing.assert_array_equal(layers.mask_of(out), expected_mask)
    np.testing.assert_array_equal(out.numpy(), x * expected_mask[..., None])  # masked steps become 0


def test_masking_gradient_is_zero_at_masked_steps(rng):
    x = rng.normal(size=(2, 3, 2))
    x[1, 0] = 0.0
    xt = d2l.tensor(x, dtype="float64", requires_grad=True)
    layers.Masking(dtype="float64")(xt).sum().backward()
    expected = np.ones_like(x)
    expected[1, 0] = 0.0
    np.testing.assert_array_equal(xt.grad, expected)


# ----------------------------------------------------------------------- Dropout
def test_dropout_only_when_training(rng):
    x = np.ones((200, 50))
    drop = layers.Dropout(0.25, dtype="float64")
    np.testing.assert_array_equal(drop(x).numpy(), x)
    out = drop(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.01


def test_dropout_gradient_uses_the_same_mask(rng):
    x = d2l.tensor(rng.normal(size=(30, 20)), dtype="float64", requires_grad=True)
    out = layers.Dropout(0.5, dtype="float64")(x, training=True)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(out.numpy() != 0, 2.0, 0.0))


def test_dropout_rate_one_drops_everything_in_training(rng):
    x = d2l.tensor(rng.normal(size=(6, 4)), dtype="float64", requires_grad=True)
    drop = layers.Dropout(1, dtype="float64")
    out = drop(x, training=True)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), np.zeros((6, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((6, 4)))
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())


def test_dropout_rate_is_checked():
    for bad in (-0.1, 1.01, "0.5"):
        with pytest.raises(ValueError, match="rate"):
            layers.Dropout(bad)


# ------------------------------------------------------------------------- Input
def test_input_shapes():
    assert layers.Input((20,)).shape == (None, 20)
    assert layers.Input((None, 8), batch_size=4).shape == (4, None, 8)
    assert layers.Input(batch_shape=(2, 3)).shape == (2, 3)
    assert layers.Input(5, dtype="int32").dtype == "int32"
    with pytest.raises(ValueError, match="exactly one"):
        layers.Input()
    with pytest.raises(ValueError, match="positive integer or None"):
        layers.Input((0,))


def test_non_masking_layer_warns_when_given_a_mask():
    class Square(layers.Layer):
        def call(self, x):
            return x * x

    out = layers.Embedding(4, 2, mask_zero=True)(np.array([[1, 0]]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Square()(out)
    assert any("destroy the mask" in str(w.message) for w in caught)
