"""``RNNLMScratch``: a character-level language model around any recurrent layer.

Tokens go in one-hot, the recurrent layer turns them into hidden states H_t, and the
output layer scores the next token: O_t = H_t W_hq + b_q. The loss is the mean
cross-entropy per token; the plots show its exponential, the perplexity.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy

from .. import backend
from ..autograd import Tensor, no_grad, randn, stack, zeros
from ..autograd.functional import one_hot
from ..checks import check_non_negative_int, check_number, check_positive_int, is_int_at_least
from ..nn import Parameter
from ..training import Classifier, Module


class RNNLMScratch(Classifier):
    """The RNN-based language model implemented from scratch.

    Args:
        rnn: a recurrent layer with attributes ``num_hiddens`` (its output size) and
            ``sigma``, called as ``rnn(inputs, state)`` -> (outputs, state).
        vocab_size: number of tokens (the one-hot size and the number of classes).
        lr: learning rate of the SGD optimizer.
    """

    def __init__(self, rnn: Module, vocab_size: int, lr: float = 0.01) -> None:
        super().__init__()
        if not is_int_at_least(vocab_size, 1):
            raise ValueError(f"{type(self).__name__}: vocab_size must be a positive int, got {vocab_size!r}")
        check_number(lr, f"{type(self).__name__}: lr", 0.0, low_open=True)
        self.save_hyperparameters()
        self.init_params()

    def init_params(self) -> None:
        """The output layer: W_hq (num_hiddens, vocab_size) ~ N(0, 1) * sigma, b_q zero."""
        if not (hasattr(self.rnn, "num_hiddens") and hasattr(self.rnn, "sigma")):
            raise TypeError(f"RNNLMScratch: rnn must be a scratch layer with num_hiddens and sigma attributes "
                            f"(RNNScratch, LSTMScratch, ...), got {type(self.rnn).__name__}; use RNNLM for "
                            "the concise modules of d2lrnn.nn")
        self.W_hq = Parameter(randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
        self.b_q = Parameter(zeros(self.vocab_size))

    def training_step(self, batch: tuple) -> Tensor:
        """Mean per-token loss of one batch; its exponential is plotted as 'train_ppl'."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", loss.exp(), train=True)
        return loss

    def validation_step(self, batch: tuple) -> None:
        """Plot the batch's perplexity exp(mean loss) as 'val_ppl'."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", loss.exp(), train=False)

    def one_hot(self, X: Any) -> Tensor:
        """Token indices (batch_size, num_steps) -> one-hot inputs (num_steps, batch_size, vocab_size).

        The indices (a list, an array or a Tensor) go to the device of this model's weights, as
        the inputs of its first matmul must; integers carry no gradient, so nothing is lost.
        """
        indices = X.data if isinstance(X, Tensor) else X
        parameters = self.parameters()
        device = parameters[0].device if parameters else backend.device_of(indices)
        indices = backend.to_device(indices, device)
        if indices.ndim != 2:
            raise ValueError(f"{type(self).__name__}: X must be token indices of shape (batch_size, num_steps), "
                             f"got shape {indices.shape}")
        return one_hot(indices.T, self.vocab_size)

    def output_layer(self, rnn_outputs: list[Tensor]) -> Tensor:
        """Hidden states, num_steps of (batch_size, num_hiddens) -> logits (batch_size, num_steps, vocab_size)."""
        outputs = [H @ self.W_hq + self.b_q for H in rnn_outputs]
        return stack(outputs, axis=1)

    def forward(self, X: Any, state: Any = None) -> Tensor:
        """Token indices (batch_size, num_steps) -> next-token logits (batch_size, num_steps, vocab_size).

        The final state is dropped: every batch starts from ``state`` (zeros by default).
        """
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix: str, num_preds: int, vocab: Any, device: str | None = None,
                temperature: float | None = None, top_k: int | None = None, seed: int | None = None) -> str:
        """Continue ``prefix`` with ``num_preds`` tokens: greedy by default, sampled with a temperature.

        The prefix first warms up the state (its characters are fed, not predicted); each
        prediction is then fed back as the next input. Returns prefix + predictions.

        Args:
            prefix: the text to continue (non-empty).
            num_preds: how many tokens to add (>= 0).
            vocab: token -> index (``vocab[c]``) and ``vocab.idx_to_token``.
            device: defaults to the device of the model's parameters.
            temperature: None (default) or 0 picks the arg-max every step (greedy). A positive
                value samples from softmax(logits / temperature): below 1 sharper, above 1
                flatter than the model's own distribution.
            top_k: with a temperature, sample only among the ``top_k`` most likely tokens.
            seed: seeds the sampler (``numpy.random.default_rng(seed)``), so the same call
                gives the same text; None draws from NumPy's global generator (``d2l.seed``).
        """
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"predict: prefix must be a non-empty string, got {prefix!r}")
        if not is_int_at_least(num_preds, 0):
            raise ValueError(f"predict: num_preds must be an int >= 0, got {num_preds!r}")
        pick = next_token_picker(temperature, top_k, seed)
        device = device or self.parameters()[0].device
        state, outputs = None, [vocab[prefix[0]]]
        with no_grad():
            for i in range(len(prefix) + num_preds - 1):
                X = Tensor([[outputs[-1]]], device=device)
                rnn_outputs, state = self.rnn(self.one_hot(X), state)
                if i < len(prefix) - 1:  # warm-up: feed the next character of the prefix
                    outputs.append(vocab[prefix[i + 1]])
                else:  # predict: the picked token becomes the next input
                    Y = self.output_layer(rnn_outputs)
                    outputs.append(pick(backend.to_numpy(Y.data).reshape(-1)))
        return "".join(vocab.idx_to_token[i] for i in outputs)


def next_token_picker(temperature: float | None = None, top_k: int | None = None,
                      seed: int | None = None) -> Callable[[numpy.ndarray], int]:
    """A function logits (vocab_size,) -> the next token index: arg-max, or a temperature sample.

    With ``temperature`` None or 0 it is the arg-max (``top_k`` and ``seed`` are then ignored).
    Otherwise it draws from p = softmax(logits / temperature), keeping only the ``top_k``
    largest logits when ``top_k`` is given, with ``numpy.random.default_rng(seed)`` (or NumPy's
    global generator when ``seed`` is None).
    """
    if temperature is not None:
        check_number(temperature, "temperature", 0.0)
    if top_k is not None:
        check_positive_int(top_k, "top_k")
    if seed is not None:
        check_non_negative_int(seed, "seed")
    if not temperature:
        return lambda logits: int(numpy.argmax(logits))
    generator = numpy.random.default_rng(seed) if seed is not None else numpy.random

    def sample(logits: numpy.ndarray) -> int:
        scaled = logits.astype(numpy.float64) / temperature
        if top_k is not None and top_k < scaled.size:
            kth_largest = numpy.partition(scaled, -top_k)[-top_k]
            scaled = numpy.where(scaled >= kth_largest, scaled, -numpy.inf)
        probabilities = numpy.exp(scaled - scaled.max())
        probabilities /= probabilities.sum()
        return int(generator.choice(scaled.size, p=probabilities))

    return sample
