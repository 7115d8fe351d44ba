"""The book's language models: logits, loss and greedy prediction against NumPy, gradients
against finite differences."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.scratch import GRUScratch, LSTMScratch, RNNLMScratch, RNNScratch


class TinyVocab:
    """Just what ``predict`` needs: token -> index and index -> token."""

    def __init__(self, tokens):
        self.idx_to_token = list(tokens)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __getitem__(self, token):
        return self.token_to_idx[token]

    def __len__(self):
        return len(self.idx_to_token)


def np_log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def np_rnn_logits(tokens, p, vocab_size, H=None):
    """One-hot -> tanh RNN -> H W_hq + b_q, for (batch, steps) tokens; returns (B, T, V) and the last H."""
    X = np.eye(vocab_size)[tokens.T]  # (T, B, V)
    H = np.zeros((tokens.shape[0], p["rnn.W_hh"].shape[0])) if H is None else H
    logits = []
    for x in X:
        H = np.tanh(x @ p["rnn.W_xh"] + H @ p["rnn.W_hh"] + p["rnn.b_h"])
        logits.append(H @ p["W_hq"] + p["b_q"])
    return np.stack(logits, axis=1), H


def make_lm(vocab_size=7, num_hiddens=5, sigma=0.8, rnn=RNNScratch):
    return RNNLMScratch(rnn(vocab_size, num_hiddens, sigma), vocab_size=vocab_size, lr=1)


def test_one_hot_is_time_major():
    model = make_lm()
    X = np.array([[0, 1, 2], [3, 4, 6]])
    embs = model.one_hot(d2l.tensor(X))
    assert embs.shape == (3, 2, 7) and embs.dtype == np.float32
    np.testing.assert_array_equal(embs.numpy().argmax(axis=-1), X.T)
    np.testing.assert_array_equal(embs.numpy().sum(axis=-1), 1)


def test_output_layer_parameters_follow_the_book():
    model = RNNLMScratch(RNNScratch(28, 32), vocab_size=28)
    params = model.state_dict()
    assert params["W_hq"].shape == (32, 28) and params["b_q"].shape == (28,)
    assert np.all(params["b_q"] == 0)
    assert set(params) == {"W_hq", "b_q", "rnn.W_xh", "rnn.W_hh", "rnn.b_h"}
    assert model.lr == 0.01 and model.vocab_size == 28


def test_logits_and_loss_match_numpy():
    model = make_lm()
    tokens = np.random.default_rng(0).integers(0, 7, size=(3, 6))
    targets = np.random.default_rng(1).integers(0, 7, size=(3, 6))
    params = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    expected_logits, _ = np_rnn_logits(tokens, params, 7)

    logits = model(d2l.tensor(tokens))
    assert logits.shape == (3, 6, 7)
    np.testing.assert_allclose(logits.numpy(), expected_logits, rtol=1e-5, atol=1e-6)

    loss = model.loss(logits, d2l.tensor(targets))
    log_p = np_log_softmax(expected_logits)
    expected_loss = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-5)
    per_token = model.loss(logits, d2l.tensor(targets), averaged=False)
    assert per_token.shape == (18,)


@pytest.mark.parametrize("rnn", [RNNScratch, LSTMScratch, GRUScratch])
def test_language_model_gradients_match_finite_differences(rnn):
    model = make_lm(vocab_size=4, num_hiddens=3, rnn=rnn)
    tokens = d2l.tensor(np.random.default_rng(2).integers(0, 4, size=(2, 3)))
    targets = d2l.tensor(np.random.default_rng(3).integers(0, 4, size=(2, 3)))
    names = [name for name, _ in model.named_parameters()]

    def loss(*params):
        for name, value in zip(names, params):
            owner = model.rnn if name.startswith("rnn.") else model
            setattr(owner, name.split(".")[-1], value)
        return model.loss(model(tokens), targets)

    assert d2l.gradcheck(loss, *[p.numpy() for p in model.parameters()])


def test_predict_is_greedy_with_warm_up():
    vocab = TinyVocab(" abcdef")
    model = make_lm(vocab_size=7, num_hiddens=6, sigma=1.5)
    params = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    prefix, num_preds = "bad", 12

    # NumPy reference: feed the prefix one token at a time, then feed back each arg-max.
    tokens, H = [vocab[prefix[0]]], None
    for i in range(len(prefix) + num_preds - 1):
        logits, H = np_rnn_logits(np.array([[tokens[-1]]]), params, 7, H)
        tokens.append(vocab[prefix[i + 1]] if i < len(prefix) - 1 else int(logits.argmax()))
    expected = "".join(vocab.idx_to_token[t] for t in tokens)

    prediction = model.predict(prefix, num_preds, vocab)
    assert prediction == expected
    assert len(prediction) == len(prefix) + num_preds and prediction.startswith(prefix)


def test_predict_records_no_graph():
    model = make_lm()
    model.predict("ab", 3, TinyVocab(" abcdef"))
    assert all(p.grad is None for p in model.parameters())


def test_predict_rejects_bad_arguments():
    model = make_lm()
    with pytest.raises(ValueError, match="predict: prefix must be a non-empty string"):
        model.predict("", 3, TinyVocab(" abcdef"))
    with pytest.raises(ValueError, match="predict: num_preds must be an int >= 0, got -1"):
        model.predict("a", -1, TinyVocab(" abcdef"))


def test_bad_token_shape_is_named():
    with pytest.raises(ValueError, match=r"RNNLMScratch: X must be token indices of shape \(batch_size, num_steps\)"):
        make_lm()(d2l.tensor(np.zeros((2, 3, 4), dtype=np.int64)))


def test_concise_module_in_the_scratch_model_is_named():
    with pytest.raises(TypeError, match="RNNLMScratch: rnn must be a scratch layer .* use RNNLM"):
        RNNLMScratch(d2l.nn.RNN(4, 3), vocab_size=4)


def test_sampling_frequencies_follow_the_tempered_softmax():
    from d2lrnn.scratch.lm import next_token_picker
    logits = np.array([2.0, 1.0, 0.0, -1.0, 0.5])
    for temperature, top_k in [(1.0, None), (0.5, None), (2.0, None), (1.0, 2)]:
        pick = next_token_picker(temperature, top_k, seed=3)
        counts = np.bincount([pick(logits) for _ in range(20000)], minlength=5) / 20000
        scaled = np.exp(logits / temperature)
        if top_k is not None:
            scaled[np.argsort(logits)[:-top_k]] = 0
        expected = scaled / scaled.sum()
        np.testing.assert_allclose(counts, expected, atol=0.015)
        if top_k is not None:
            assert counts[np.argsort(logits)[:-top_k]].sum() == 0


def test_predict_samples_reproducibly_and_greedy_is_the_default():
    vocab = TinyVocab(" abcdef")
    model = make_lm(vocab_size=7, num_hiddens=6, sigma=1.5)
    greedy = model.predict("bad", 30, vocab)
    assert model.predict("bad", 30, vocab, temperature=0) == greedy
    assert model.predict("bad", 30, vocab, temperature=5.0, top_k=1, seed=1) == greedy  # top-1 is the arg-max
    first = model.predict("bad", 30, vocab, temperature=1.5, seed=7)
    assert model.predict("bad", 30, vocab, temperature=1.5, seed=7) == first
    others = {model.predict("bad", 30, vocab, temperature=1.5, seed=s) for s in range(5)}
    assert len(others) > 1 and first.startswith("bad") and len(first) == 33


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -1.0}, "temperature: expected a finite number >= 0"),
    ({"temperature": float("nan")}, "temperature: expected a finite number >= 0"),
    ({"temperature": 1.0, "top_k": 0}, "top_k: expected a positive int, got 0"),
    ({"temperature": 1.0, "seed": -2}, "seed: expected a non-negative int, got -2"),
])
def test_predict_rejects_bad_sampling_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make_lm().predict("ab", 3, TinyVocab(" abcdef"), **kwargs)
