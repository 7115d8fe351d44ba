"""The book's training machinery: save_hyperparameters, Module hooks and plotting, Classifier,
Trainer (gradient clipping, validation mode), and a short run that lowers the loss."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.nn import Parameter
from d2lrnn.scratch import RNNLMScratch, RNNScratch
from d2lrnn.training import Classifier, HyperParameters, Module, Trainer


# ------------------------------------------------------------------ helpers
class RecordingBoard:
    """Stands in for ProgressBoard and remembers every draw call."""

    def __init__(self):
        self.calls, self.xlabel, self.xlim, self.display, self.finished = [], None, None, False, False

    def draw(self, x, y, label, every_n=1):
        self.calls.append((x, y, label, every_n))

    def finish(self):
        self.finished = True

    def points(self, label):
        return [(x, every_n) for x, _, name, every_n in self.calls if name == label]


class Batches:
    """A data module made of fixed lists of batches."""

    def __init__(self, train, val=None):
        self.train, self.val = train, val

    def train_dataloader(self):
        return self.train

    def val_dataloader(self):
        return self.val


class LinearRegression(Module):
    """y_hat = X W, loss = mean squared error: gradients easy to write in NumPy."""

    def __init__(self, W, lr):
        super().__init__()
        self.save_hyperparameters(ignore=["W"])
        self.W = Parameter(d2l.tensor(W, dtype=np.float64))

    def forward(self, X):
        return X @ self.W

    def loss(self, y_hat, y):
        return ((y_hat - y) ** 2).mean()


def regression_batches(n_batches, rng, rows=4):
    return [(d2l.tensor(rng.standard_normal((rows, 3)), dtype=np.float64),
             d2l.tensor(rng.standard_normal((rows, 1)), dtype=np.float64)) for _ in range(n_batches)]


# ------------------------------------------------------------------ HyperParameters
def test_save_hyperparameters_reads_the_callers_frame():
    class Config(HyperParameters):
        def __init__(self, a, b=2, _private=3, skipped=4):
            before = a + 10
            self.save_hyperparameters(ignore=["skipped"])
            after = 0  # noqa: F841  (defined after the call: not captured)

    config = Config(1)
    assert dict(config.hparams) == {"a": 1, "b": 2, "before": 11}
    assert (config.a, config.b, config.before) == (1, 2, 11)
    assert not hasattr(config, "_private") and not hasattr(config, "skipped") and not hasattr(config, "after")


def test_saved_sub_modules_are_registered_once():
    model = RNNLMScratch(RNNScratch(5, 3), vocab_size=5)
    assert model.hparams["rnn"] is model.rnn
    assert sorted(name for name, _ in model.named_parameters()) == ["W_hq", "b_q", "rnn.W_hh", "rnn.W_xh", "rnn.b_h"]


def test_ignore_must_be_a_list_of_names():
    class Config(HyperParameters):
        def __init__(self, a):
            self.save_hyperparameters(ignore="a")

    with pytest.raises(TypeError, match="ignore must be a list of names"):
        Config(1)


# ------------------------------------------------------------------ Module and Classifier
def test_module_defaults_and_errors():
    model = Module()
    assert (model.plot_train_per_epoch, model.plot_valid_per_epoch) == (2, 1)
    with pytest.raises(NotImplementedError, match="must define forward"):
        model(d2l.ones(2))
    with pytest.raises(AttributeError, match="no learning rate self.lr"):
        model.configure_optimizers()
    with pytest.raises(RuntimeError, match="no trainer yet"):
        model.plot("loss", 1.0, train=True)


def test_module_forward_uses_net():
    model = Module()
    model.net = lambda X: X * 2
    np.testing.assert_array_equal(model(d2l.tensor([1.0, 2.0])).numpy(), [2.0, 4.0])


def test_classifier_loss_and_accuracy_match_numpy():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 3, 5))
    labels = rng.integers(0, 5, size=(2, 3))
    classifier = Classifier()
    flat = logits.reshape(-1, 5)
    log_p = flat - flat.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    per_example = -log_p[np.arange(6), labels.reshape(-1)]
    loss = classifier.loss(d2l.tensor(logits, dtype=np.float64), d2l.tensor(labels))
    np.testing.assert_allclose(loss.item(), per_example.mean(), rtol=1e-12)
    np.testing.assert_allclose(
        classifier.loss(d2l.tensor(logits, dtype=np.float64), d2l.tensor(labels), averaged=False).numpy(),
        per_example, rtol=1e-12)
    correct = flat.argmax(1) == labels.reshape(-1)
    assert classifier.accuracy(d2l.tensor(logits), d2l.tensor(labels)).item() == pytest.approx(correct.mean())
    np.testing.assert_array_equal(classifier.accuracy(d2l.tensor(logits), labels, averaged=False).numpy(), correct)
    with pytest.raises(ValueError, match="accuracy: Y must hold one label per row of Y_hat \\(6\\), got 4"):
        classifier.accuracy(d2l.tensor(logits), np.zeros(4, dtype=np.int64))


# ------------------------------------------------------------------ Trainer
def test_plot_points_per_epoch_as_in_the_book():
    model = LinearRegression(np.zeros((3, 1)), lr=0.1)
    model.board = RecordingBoard()
    rng = np.random.default_rng(1)
    trainer = Trainer(max_epochs=2)
    trainer.fit(model, Batches(regression_batches(4, rng), regression_batches(2, rng)))
    # Training: x = batches seen / batches per epoch, averaged over 4 / 2 = 2 batches.
    assert model.board.points("train_loss") == [(i / 4, 2) for i in range(8)]
    # Validation: x = epoch + 1, averaged over all 2 batches of the epoch.
    assert model.board.points("val_loss") == [(1, 2), (1, 2), (2, 2), (2, 2)]
    assert model.board.xlabel == "epoch" and model.board.xlim == [0, 2]
    assert (trainer.train_batch_idx, trainer.val_batch_idx) == (8, 4)
    assert model.board.finished


def test_real_board_gets_two_training_and_one_validation_point_per_epoch(capsys):
    model = LinearRegression(np.zeros((3, 1)), lr=0.1)
    model.board.display = False
    rng = np.random.default_rng(7)
    Trainer(max_epochs=3).fit(model, Batches(regression_batches(10, rng), regression_batches(5, rng)))
    assert [round(p.x, 6) for p in model.board.data["train_loss"]] == [0.2, 0.7, 1.2, 1.7, 2.2, 2.7]
    assert [p.x for p in model.board.data["val_loss"]] == [1, 2, 3]
    assert capsys.readouterr().out == ""


def test_plot_with_fewer_batches_than_points_draws_every_batch():
    model = LinearRegression(np.zeros((3, 1)), lr=0.1)
    model.board = RecordingBoard()
    Trainer(max_epochs=1).fit(model, Batches(regression_batches(1, np.random.default_rng(2))))
    assert model.board.points("train_loss") == [(0.0, 1)]


def test_validation_runs_in_eval_mode_without_graph():
    seen = []

    class Probe(LinearRegression):
        def training_step(self, batch):
            seen.append(("train", self.training, d2l.is_grad_enabled()))
            return super().training_step(batch)

        def validation_step(self, batch):
            seen.append(("val", self.training, d2l.is_grad_enabled()))

    model = Probe(np.zeros((3, 1)), lr=0.1)
    model.board = RecordingBoard()
    rng = np.random.default_rng(3)
    Trainer(max_epochs=1).fit(model, Batches(regression_batches(2, rng), regression_batches(1, rng)))
    assert seen == [("train", True, True), ("train", True, True), ("val", False, False)]
    assert d2l.is_grad_enabled()


def test_clip_gradients_uses_the_global_norm():
    model = Module()
    model.a = Parameter(d2l.zeros(2, 3))
    model.b = Parameter(d2l.zeros(4))
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal((2, 3)).astype(np.float32) * 3, rng.standard_normal(4).astype(np.float32) * 3]
    model.a.grad, model.b.grad = grads[0].copy(), grads[1].copy()
    norm = np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads))
    assert norm > 1
    Trainer(max_epochs=1).clip_gradients(1.0, model)
    np.testing.assert_allclose(model.a.grad, grads[0] / norm, rtol=1e-5)
    np.testing.assert_allclose(model.b.grad, grads[1] / norm, rtol=1e-5)
    total = np.sqrt((model.a.grad.astype(np.float64) ** 2).sum() + (model.b.grad.astype(np.float64) ** 2).sum())
    assert total == pytest.approx(1.0, rel=1e-5)

    # Below the threshold nothing changes.
    model.a.grad, model.b.grad = grads[0].copy(), grads[1].copy()
    Trainer(max_epochs=1).clip_gradients(2 * norm, model)
    np.testing.assert_array_equal(model.a.grad, grads[0])


def test_fit_clips_before_the_sgd_step():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((3, 1)) * 5
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    model = LinearRegression(W, lr=0.5)
    model.board = RecordingBoard()
    Trainer(max_epochs=1, gradient_clip_val=0.1).fit(
        model, Batches([(d2l.tensor(X, dtype=np.float64), d2l.tensor(Y, dtype=np.float64))]))
    grad = 2 / X.shape[0] * X.T @ (X @ W - Y)
    clipped = grad * min(1.0, 0.1 / np.linalg.norm(grad))
    np.testing.assert_allclose(model.W.numpy(), W - 0.5 * clipped, rtol=1e-10)


def test_fit_again_starts_clean():
    rng = np.random.default_rng(6)
    data = Batches(regression_batches(3, rng))
    trainer = Trainer(max_epochs=2)
    for _ in range(2):
        model = LinearRegression(np.zeros((3, 1)), lr=0.1)
        model.board = RecordingBoard()
        trainer.fit(model, data)
        assert trainer.train_batch_idx == 6 and model.trainer is trainer and trainer.model is model


def test_trainer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_epochs: expected a non-negative int, got -1"):
        Trainer(max_epochs=-1)
    with pytest.raises(ValueError, match="gradient_clip_val: expected a finite number >= 0, got -0.5"):
        Trainer(max_epochs=1, gradient_clip_val=-0.5)
    with pytest.raises(ValueError, match="num_gpus: expected a non-negative int"):
        Trainer(max_epochs=1, num_gpus=1.5)
    with pytest.raises(TypeError, match="model must be a d2lrnn.training.Module"):
        Trainer(max_epochs=1).fit(object(), Batches(regression_batches(1, np.random.default_rng(0))))
    with pytest.raises(ValueError, match="training data loader of Batches has no batches"):
        Trainer(max_epochs=1).fit(Module(), Batches([]))


def test_a_few_epochs_on_a_tiny_corpus_lower_the_loss():
    text = "the time machine by h g wells " * 8
    vocab = sorted(set(text))
    corpus = np.array([vocab.index(c) for c in text])
    num_steps = 8
    windows = np.stack([corpus[i:i + num_steps + 1] for i in range(len(corpus) - num_steps)])
    X, Y = windows[:, :-1], windows[:, 1:]
    batches = [(d2l.tensor(X[i:i + 64]), d2l.tensor(Y[i:i + 64])) for i in range(0, 192, 64)]
    model = RNNLMScratch(RNNScratch(len(vocab), 16), vocab_size=len(vocab), lr=2)
    model.board = RecordingBoard()

    def mean_loss():
        with d2l.no_grad():
            return np.mean([model.loss(model(x), y).item() for x, y in batches])

    before = mean_loss()
    Trainer(max_epochs=15, gradient_clip_val=1).fit(model, Batches(batches, batches[:1]))
    after = mean_loss()
    assert before == pytest.approx(np.log(len(vocab)), rel=0.02)  # near-uniform at N(0, 0.01) weights
    assert after < 0.6 * before
    perplexities = [y for _, y, label, _ in model.board.calls[:-1] if label == "train_ppl"]
    assert len(perplexities) == 15 * 3 and perplexities[-1] < perplexities[0]
