"""The concise language model RNNLM on the concise modules of d2lrnn.nn, against NumPy
(PyTorch's equations and weight layout) and, when installed, against PyTorch itself."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.scratch import GRU, LSTM, RNN, RNNLM, BiGRU


class TinyVocab:
    def __init__(self, tokens):
        self.idx_to_token = list(tokens)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __getitem__(self, token):
        return self.token_to_idx[token]


def np_concise_rnn_logits(tokens, p, vocab_size, H=None, prefix="rnn."):
    """PyTorch's tanh RNN (two biases, weights stored transposed) and Linear, on one-hot tokens."""
    X = np.eye(vocab_size)[tokens.T]
    H = np.zeros((tokens.shape[0], p[prefix + "weight_hh_l0"].shape[0])) if H is None else H
    outputs = []
    for x in X:
        H = np.tanh(x @ p[prefix + "weight_ih_l0"].T + p[prefix + "bias_ih_l0"]
                    + H @ p[prefix + "weight_hh_l0"].T + p[prefix + "bias_hh_l0"])
        outputs.append(H)
    logits = np.stack(outputs) @ p["linear.weight"].T + p["linear.bias"]  # (T, B, V)
    return logits.swapaxes(0, 1), H


def weights(model):
    return {name: value.astype(np.float64) for name, value in model.state_dict().items()}


def test_rnnlm_on_nn_rnn_matches_numpy():
    model = RNNLM(nn.RNN(6, 5), vocab_size=6, lr=1)
    tokens = np.random.default_rng(0).integers(0, 6, size=(3, 4))
    logits = model(d2l.tensor(tokens))
    expected, _ = np_concise_rnn_logits(tokens, weights(model), 6)
    assert logits.shape == (3, 4, 6)
    np.testing.assert_allclose(logits.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_books_wrapper_gives_the_same_model():
    d2l.seed(1)
    wrapped = RNNLM(RNN(num_inputs=6, num_hiddens=5), vocab_size=6)
    assert wrapped.rnn.num_hiddens == 5 and wrapped.linear.in_features == 5
    tokens = np.random.default_rng(1).integers(0, 6, size=(2, 3))
    expected, _ = np_concise_rnn_logits(tokens, weights(wrapped), 6, prefix="rnn.rnn.")
    np.testing.assert_allclose(wrapped(d2l.tensor(tokens)).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make_rnn, hiddens", [
    (lambda: LSTM(6, 5), 5),
    (lambda: GRU(6, 5, num_layers=2), 5),
    (lambda: BiGRU(6, 5), 10),
    (lambda: nn.GRU(6, 5, bidirectional=True), 10),
    (lambda: nn.LSTM(6, 5), 5),
])
def test_output_layer_is_sized_from_the_recurrent_module(make_rnn, hiddens):
    model = RNNLM(make_rnn(), vocab_size=6)
    assert model.linear.in_features == hiddens and model.linear.out_features == 6
    assert model(d2l.tensor(np.zeros((2, 3), dtype=np.int64))).shape == (2, 3, 6)


def test_predict_carries_the_concise_state():
    vocab = TinyVocab(" abcde")
    model = RNNLM(nn.RNN(6, 8), vocab_size=6)
    params = weights(model)
    prefix, num_preds = "cab", 9
    tokens, H = [vocab[prefix[0]]], None
    for i in range(len(prefix) + num_preds - 1):
        logits, H = np_concise_rnn_logits(np.array([[tokens[-1]]]), params, 6, H)
        tokens.append(vocab[prefix[i + 1]] if i < len(prefix) - 1 else int(logits.argmax()))
    assert model.predict(prefix, num_preds, vocab) == "".join(vocab.idx_to_token[t] for t in tokens)


def test_rnnlm_needs_a_sized_module():
    with pytest.raises(TypeError, match="rnn must have a num_hiddens attribute"):
        RNNLM(object(), vocab_size=4)


@pytest.mark.torch
def test_rnnlm_on_gru_matches_pytorch():
    import torch

    torch.manual_seed(0)
    torch_gru, torch_linear = torch.nn.GRU(6, 5).double(), torch.nn.Linear(5, 6).double()
    model = RNNLM(nn.GRU(6, 5), vocab_size=6)
    model.rnn.load_state_dict(torch_gru.state_dict())
    model.linear.load_state_dict(torch_linear.state_dict())
    tokens = np.random.default_rng(4).integers(0, 6, size=(3, 4))
    with torch.no_grad():
        one_hot = torch.nn.functional.one_hot(torch.tensor(tokens.T), 6).double()
        expected = torch_linear(torch_gru(one_hot)[0]).swapaxes(0, 1).numpy()
    logits = model(d2l.tensor(tokens))
    np.testing.assert_allclose(logits.numpy(), expected, rtol=1e-4, atol=1e-5)

    # Gradients of the language-model loss reach every parameter as in PyTorch.
    targets = np.random.default_rng(5).integers(0, 6, size=(3, 4))
    model.loss(logits, d2l.tensor(targets)).backward()
    torch_logits = torch_linear(torch_gru(one_hot)[0]).swapaxes(0, 1)
    torch.nn.functional.cross_entropy(torch_logits.reshape(-1, 6), torch.tensor(targets).reshape(-1)).backward()
    for name, p in torch_gru.named_parameters():
        np.testing.assert_allclose(getattr(model.rnn, name).grad, p.grad.numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(model.linear.weight.grad, torch_linear.weight.grad.numpy(), rtol=1e-3, atol=1e-5)
