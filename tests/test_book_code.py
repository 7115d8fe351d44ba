"""The book's PyTorch code runs on d2lrnn with only its imports and ``torch`` swapped for ``d2l``.

``d2l_book_pytorch_code.py`` holds the code of the book's RNN-scratch, LSTM, GRU, deep-RNN and
bidirectional sections as printed. ``transliterate`` replaces the import lines (and the
``%matplotlib inline`` magic that shares their cell) and every word ``torch`` by ``d2l``,
nothing else. The code then runs as a whole, training included, and the classes it defines
must compute what d2lrnn's own classes compute given the same weights, values and gradients.

To keep the test short, training runs one epoch on 128 windows of the novel: the test swaps
``d2l.Trainer`` and ``d2l.TimeMachine`` for subclasses with smaller defaults. (This also
keeps the book's ``@d2l.add_to_class(d2l.Trainer)`` from changing the library's class.)
"""
import re

import numpy as np
import pytest

import d2lrnn
from d2l_book_pytorch_code import SECTIONS

IMPORT_SWAPS = {
    "%matplotlib inline": None,
    "import torch": None,
    "from torch import nn": "from d2lrnn import nn",
    "from torch.nn import functional as F": "from d2lrnn.nn import functional as F",
    "from d2l import torch as d2l": "import d2lrnn as d2l",
}

pytestmark = pytest.mark.needs_data


def transliterate(code: str) -> str:
    """The import lines swapped, then ``torch`` -> ``d2l`` everywhere else; nothing more."""
    lines = []
    for line in code.splitlines():
        if line.strip() in IMPORT_SWAPS:
            if IMPORT_SWAPS[line.strip()] is not None:
                lines.append(IMPORT_SWAPS[line.strip()])
            continue
        lines.append(re.sub(r"\btorch\b", "d2l", line))
    return "\n".join(lines)


class ShortTrainer(d2lrnn.Trainer):
    """One epoch, whatever the book asks for."""

    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        super().__init__(1, num_gpus, gradient_clip_val)


class SmallTimeMachine(d2lrnn.TimeMachine):
    """Two training batches and one validation batch of 64 windows (the book: 1024 windows a batch)."""

    def __init__(self, batch_size, num_steps, num_train=10000, num_val=5000, root=None):
        super().__init__(min(batch_size, 64), num_steps, 128, 64, root)


def run_section(name, monkeypatch):
    monkeypatch.setattr(d2lrnn, "Trainer", ShortTrainer)
    monkeypatch.setattr(d2lrnn, "TimeMachine", SmallTimeMachine)
    namespace = {"__name__": f"book_{name}"}
    exec(compile(transliterate(SECTIONS[name]), f"<book {name}>", "exec"), namespace)
    return namespace


def test_transliteration_changes_only_imports_and_the_word_torch():
    for code in SECTIONS.values():
        kept = [line for line in code.splitlines() if line.strip() not in IMPORT_SWAPS]
        new_imports = set(IMPORT_SWAPS.values())
        body = [line for line in transliterate(code).splitlines() if line not in new_imports]
        assert body == [line.replace("torch", "d2l") for line in kept]


def same_outputs(book_model, own_model, X, state=None):
    """Forward and backward through both models on the same input; compare outputs and all gradients."""
    own_model.load_state_dict(book_model.state_dict())
    weighting = None
    results = []
    for model in (book_model, own_model):
        model.zero_grad()
        outputs, _ = model(X, state)
        Y = d2lrnn.stack(outputs) if isinstance(outputs, list) else outputs
        if weighting is None:
            weighting = d2lrnn.randn(*Y.shape)
        (Y * weighting).sum().backward()
        results.append((Y.numpy(), {k: p.grad for k, p in model.named_parameters()}))
    (Y_book, grads_book), (Y_own, grads_own) = results
    np.testing.assert_allclose(Y_book, Y_own, rtol=1e-5, atol=1e-6)
    assert grads_book.keys() == grads_own.keys()
    for key in grads_book:
        np.testing.assert_allclose(grads_book[key], grads_own[key], rtol=1e-4, atol=1e-6, err_msg=key)


def test_rnn_scratch_section(rnn_scratch_namespace):
    ns = rnn_scratch_namespace
    assert isinstance(ns["model"].predict("it has", 5, ns["data"].vocab, d2lrnn.try_gpu()), str)
    same_outputs(ns["RNNScratch"](16, 8, sigma=0.5), d2lrnn.RNNScratch(16, 8), d2lrnn.randn(6, 3, 16))
    # The language model: the book's class and d2lrnn's, same weights, same logits.
    book_lm = ns["RNNLMScratch"](ns["RNNScratch"](28, 8, sigma=0.5), vocab_size=28)
    own_lm = d2lrnn.RNNLMScratch(d2lrnn.RNNScratch(28, 8), vocab_size=28)
    own_lm.load_state_dict(book_lm.state_dict())
    X = d2lrnn.tensor(np.random.randint(0, 28, (3, 7)))
    np.testing.assert_allclose(book_lm(X).numpy(), own_lm(X).numpy(), rtol=1e-5, atol=1e-6)
    # The book's clip_gradients went onto the swapped-in trainer class, not onto the library's.
    assert "clip_gradients" in vars(ShortTrainer) and vars(d2lrnn.training.Trainer)["clip_gradients"].__module__ \
        == "d2lrnn.training.trainer"


@pytest.fixture(scope="module")
def rnn_scratch_namespace():
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield run_section("rnn-scratch", monkeypatch)


def test_book_clip_gradients_equals_clip_grad_norm(rnn_scratch_namespace):
    ns = rnn_scratch_namespace
    models = [ns["RNNLMScratch"](ns["RNNScratch"](28, 8, sigma=0.5), vocab_size=28) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    X = d2lrnn.tensor(np.random.randint(0, 28, (3, 7)))
    Y = d2lrnn.tensor(np.random.randint(0, 28, (3, 7)))
    for model in models:
        model.loss(model(X), Y).backward()
    ShortTrainer(1).clip_gradients(0.01, models[0])      # the book's code
    d2lrnn.nn.clip_grad_norm_(models[1].parameters(), 0.01)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5)


def test_rnn_concise_section(monkeypatch):
    ns = run_section("rnn-concise", monkeypatch)
    model = ns["model"]
    assert model.linear.weight.shape == (len(ns["data"].vocab), 32)  # the lazy layer was built by predict
    own = d2lrnn.RNNLM(d2lrnn.RNN(len(ns["data"].vocab), 32), vocab_size=len(ns["data"].vocab))
    own.load_state_dict(model.state_dict())
    X = d2lrnn.tensor(np.random.randint(0, 28, (3, 7)))
    np.testing.assert_allclose(model(X).numpy(), own(X).numpy(), rtol=1e-5, atol=1e-6)


def test_lstm_section(monkeypatch):
    ns = run_section("lstm", monkeypatch)
    same_outputs(ns["LSTMScratch"](5, 4, sigma=0.5), d2lrnn.LSTMScratch(5, 4), d2lrnn.randn(6, 3, 5))
    H_C = (d2lrnn.randn(3, 4), d2lrnn.randn(3, 4))
    same_outputs(ns["LSTMScratch"](5, 4, sigma=0.5), d2lrnn.LSTMScratch(5, 4), d2lrnn.randn(6, 3, 5), H_C)
    assert isinstance(ns["LSTM"](28, 8).rnn, d2lrnn.nn.LSTM)


def test_gru_section(monkeypatch):
    ns = run_section("gru", monkeypatch)
    same_outputs(ns["GRUScratch"](5, 4, sigma=0.5), d2lrnn.GRUScratch(5, 4), d2lrnn.randn(6, 3, 5))
    same_outputs(ns["GRUScratch"](5, 4, sigma=0.5), d2lrnn.GRUScratch(5, 4), d2lrnn.randn(6, 3, 5),
                 d2lrnn.randn(3, 4))


def test_deep_rnn_section(monkeypatch):
    ns = run_section("deep-rnn", monkeypatch)
    book = ns["StackedRNNScratch"](5, 4, num_layers=3, sigma=0.5)
    assert sorted(book.state_dict()) == sorted(d2lrnn.StackedRNNScratch(5, 4, 3).state_dict())
    same_outputs(book, d2lrnn.StackedRNNScratch(5, 4, 3), d2lrnn.randn(6, 3, 5))
    assert ns["GRU"](28, 8, num_layers=2).rnn.num_layers == 2


def test_bi_rnn_section(monkeypatch):
    ns = run_section("bi-rnn", monkeypatch)
    book = ns["BiRNNScratch"](5, 4, sigma=0.5)
    assert book.num_hiddens == 8
    same_outputs(book, d2lrnn.BiRNNScratch(5, 4), d2lrnn.randn(6, 3, 5))
    outputs, _ = ns["BiGRU"](5, 4)(d2lrnn.randn(6, 3, 5))
    assert outputs.shape == (6, 3, 8)
