"""Linear, Embedding, Dropout, init, losses and saving parameters, against NumPy formulas (and PyTorch)."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn


def np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# ----------------------------------------------------------------------- Linear
def test_linear_layout_and_default_init():
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert abs(w.mean()) < 0.02 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound  # U(-k, k) has std k / sqrt(3)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_forward_and_gradients_match_numpy():
    layer = nn.Linear(4, 3)
    rng = np.random.default_rng(0)
    x_data = rng.standard_normal((2, 5, 4)).astype(np.float32)
    g = rng.standard_normal((2, 5, 3)).astype(np.float32)
    x = d2l.tensor(x_data, requires_grad=True)
    y = layer(x)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), x_data @ w.T + b, rtol=1e-5, atol=1e-6)
    y.backward(g)
    flat_x, flat_g = x_data.reshape(-1, 4), g.reshape(-1, 3)
    np.testing.assert_allclose(layer.weight.grad, flat_g.T @ flat_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad, flat_g.sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad, g @ w, rtol=1e-5, atol=1e-5)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy().T, rtol=1e-6)


@pytest.mark.torch
def test_linear_loads_pytorch_weights_and_agrees():
    import torch

    torch.manual_seed(0)
    reference = torch.nn.Linear(6, 4)
    layer = nn.Linear(6, 4)
    layer.load_state_dict(reference.state_dict())
    x = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    tx = torch.tensor(x)
    reference(tx).pow(2).sum().backward()
    (layer(x) ** 2).sum().backward()
    np.testing.assert_allclose(layer(x).numpy(), reference(tx).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-4, atol=1e-5)


# -------------------------------------------------------------------- Embedding
def test_embedding_looks_up_rows_and_adds_gradients_of_repeats():
    table = nn.Embedding(6, 3)
    indices = np.array([[0, 2, 2], [5, 0, 2]])
    out = table(d2l.tensor(indices))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), table.weight.numpy()[indices])
    g = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    out.backward(g)
    expected = np.zeros((6, 3), dtype=np.float32)
    np.add.at(expected, indices, g)
    np.testing.assert_allclose(table.weight.grad, expected, rtol=1e-6)


def test_embedding_accepts_lists_and_starts_from_a_standard_normal():
    table = nn.Embedding(2000, 16)
    assert table([3, 1]).shape == (2, 16)
    w = table.weight.numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


# ---------------------------------------------------------------------- Dropout
class TwoLayers(nn.Module):
    def __init__(self):
        self.blocks = [nn.Linear(3, 8), nn.Dropout(0.5)]
        self.embedding = nn.Embedding(10, 3)

    def forward(self, indices):
        x = self.embedding(indices)
        for block in self.blocks:
            x = block(x)
        return x


def test_dropout_follows_train_and_eval():
    layer = nn.Dropout(0.25)
    x = d2l.ones(400, 100)
    y = layer(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert (layer(x).numpy() == 0).any()


def test_eval_reaches_dropout_inside_a_container():
    model = TwoLayers().eval()
    indices = np.array([1, 2, 3])
    np.testing.assert_array_equal(model(indices).numpy(), model(indices).numpy())
    assert not model.blocks[1].training
    model.train()
    assert model.blocks[1].training


# ------------------------------------------------------------------------- init
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_keeps_the_parameter_dtype_and_object(dtype):
    p = nn.Parameter(np.zeros((30, 40), dtype=dtype))
    for initializer in (nn.init.normal_, nn.init.uniform_, nn.init.zeros_, nn.init.xavier_uniform_,
                        nn.init.orthogonal_):
        assert initializer(p) is p
        assert p.dtype == dtype and p.shape == (30, 40) and p.requires_grad


def test_normal_uniform_and_zeros_draw_what_they_say():
    p = nn.Parameter(np.empty((300, 200), dtype=np.float32))
    w = nn.init.normal_(p, sigma=0.01).numpy()
    assert abs(w.mean()) < 1e-4 and abs(w.std() - 0.01) < 2e-4
    w = nn.init.uniform_(p, -0.3, 0.1).numpy()
    assert w.min() >= -0.3 and w.max() <= 0.1 and abs(w.mean() + 0.1) < 3e-3
    assert not nn.init.zeros_(p).numpy().any()


def test_xavier_uniform_bound():
    p = nn.Parameter(np.empty((200, 300), dtype=np.float32))
    bound = 2.0 * np.sqrt(6 / (300 + 200))
    w = nn.init.xavier_uniform_(p, gain=2.0).numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert nn.init.fans((8, 4, 3, 3)) == (4 * 9, 8 * 9)


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 6), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    p = nn.Parameter(np.empty(shape, dtype=np.float64))
    w = nn.init.orthogonal_(p, gain=1.5).numpy().reshape(shape[0], -1)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(len(gram)), atol=1e-12)


def test_seed_repeats_the_initial_weights():
    d2l.seed(42)
    first = nn.Linear(5, 3).weight.numpy()
    d2l.seed(42)
    np.testing.assert_array_equal(nn.Linear(5, 3).weight.numpy(), first)


# ----------------------------------------------------------------------- losses
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_loss_value_and_gradient(reduction):
    rng = np.random.default_rng(0)
    logits_data = rng.standard_normal((5, 4)) * 3
    targets = rng.integers(0, 4, 5)
    logits = d2l.tensor(logits_data, dtype="float64", requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction)(logits, targets)
    per_example = -np_log_softmax(logits_data)[np.arange(5), targets]
    expected = {"mean": per_example.mean(), "sum": per_example.sum(), "none": per_example}[reduction]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    loss.sum().backward()
    softmax = np.exp(np_log_softmax(logits_data))
    scale = 1 / 5 if reduction == "mean" else 1.0
    np.testing.assert_allclose(logits.grad, (softmax - np.eye(4)[targets]) * scale, rtol=1e-10, atol=1e-12)


def test_cross_entropy_over_time_steps_and_huge_logits():
    logits = d2l.tensor(np.array([[[1e4, 0.0], [0.0, 1e4]]]), requires_grad=True)  # (1, 2 steps, 2 classes)
    loss = nn.losses.cross_entropy(logits, np.array([[0, 0]]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [[0.0, 1e4]])
    loss.sum().backward()
    assert np.isfinite(logits.grad).all()


def test_mse_loss_value_and_gradient():
    rng = np.random.default_rng(1)
    p_data, t_data = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    prediction = d2l.tensor(p_data, dtype="float64", requires_grad=True)
    loss = nn.MSELoss()(prediction, t_data)
    np.testing.assert_allclose(loss.item(), np.mean((p_data - t_data) ** 2), rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(prediction.grad, 2 * (p_data - t_data) / 12, rtol=1e-12)
    np.testing.assert_allclose(nn.MSELoss("sum")(prediction, t_data).item(), np.sum((p_data - t_data) ** 2))


# ------------------------------------------------------------- saving weights
def test_state_dict_round_trip_through_an_npz_file(tmp_path):
    d2l.seed(0)
    model = TwoLayers()
    path = tmp_path / "weights.npz"
    model.save(str(path))
    with np.load(path) as stored:
        assert sorted(stored.files) == ["blocks.0.bias", "blocks.0.weight", "embedding.weight"]
        np.testing.assert_array_equal(stored["embedding.weight"], model.embedding.weight.numpy())

    d2l.seed(1)
    other = TwoLayers()
    assert not np.array_equal(other.blocks[0].weight.numpy(), model.blocks[0].weight.numpy())
    other.load(str(path))
    for (name, mine), (_, theirs) in zip(model.named_parameters(), other.named_parameters()):
        assert theirs.dtype == np.float32
        np.testing.assert_array_equal(theirs.numpy(), mine.numpy(), err_msg=name)
    model.eval()
    other.eval()
    np.testing.assert_array_equal(other(np.array([4, 7])).numpy(), model(np.array([4, 7])).numpy())
