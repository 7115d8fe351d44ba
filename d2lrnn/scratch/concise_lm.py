"""The concise language model: the same ``RNNLMScratch``, with the recurrent layer and the
output layer taken from ``d2lrnn.nn`` instead of written out.

``RNN``, ``LSTM``, ``GRU`` and ``BiGRU`` are the book's thin wrappers around the concise
modules ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``: they only add the ``num_hiddens``
attribute the language model reads. ``RNNLM`` accepts them or a bare concise module.

The concise modules return their outputs stacked, (num_steps, batch_size, num_hiddens),
instead of a list, and start from PyTorch's initialisation (uniform in +-1/sqrt(h), two
biases), not the scratch models' N(0, 0.01^2) weights: their curves differ a little.
"""
from __future__ import annotations

from typing import Any

from .. import nn
from ..autograd import Tensor
from ..training import Module
from .lm import RNNLMScratch


class RNN(Module):
    """The RNN model implemented with high-level APIs: a one-layer ``nn.RNN`` (tanh)."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs: Tensor, H: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(num_steps, batch_size, num_inputs) -> (outputs (num_steps, batch_size, h), H_n (1, batch_size, h))."""
        return self.rnn(inputs, H)


class LSTM(RNN):
    """A one-layer ``nn.LSTM``; the state is the pair (H, C), each (1, batch_size, num_hiddens)."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs: Tensor, H_C: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple]:
        return self.rnn(inputs, H_C)


class GRU(RNN):
    """A ``num_layers``-deep ``nn.GRU`` (dropout between layers while training)."""

    def __init__(self, num_inputs: int, num_hiddens: int, num_layers: int = 1, dropout: float = 0) -> None:
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers, dropout=dropout)


class BiGRU(RNN):
    """A bidirectional ``nn.GRU``: outputs (num_steps, batch_size, 2 * num_hiddens)."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, bidirectional=True)
        self.num_hiddens *= 2  # the output concatenates both directions


def output_size(rnn: Any) -> int:
    """Features per time step that ``rnn`` outputs: ``num_hiddens``, or a concise module's
    ``hidden_size`` times its number of directions."""
    if hasattr(rnn, "num_hiddens"):
        return rnn.num_hiddens
    if hasattr(rnn, "hidden_size"):
        return rnn.hidden_size * (2 if getattr(rnn, "bidirectional", False) else 1)
    raise TypeError(f"RNNLM: rnn must have a num_hiddens attribute (d2l.RNN, d2l.GRU, ...) or be a concise "
                    f"module with hidden_size (nn.RNN, nn.LSTM, nn.GRU), got {type(rnn).__name__}")


class RNNLM(RNNLMScratch):
    """The RNN-based language model implemented with high-level APIs.

    Args:
        rnn: ``RNN``/``LSTM``/``GRU``/``BiGRU`` above, or ``nn.RNN``/``nn.LSTM``/``nn.GRU``.
        vocab_size: number of tokens.
        lr: learning rate of the SGD optimizer.
    """

    def init_params(self) -> None:
        """The output layer: ``nn.Linear(num_hiddens, vocab_size)``."""
        self.linear = nn.Linear(output_size(self.rnn), self.vocab_size)

    def output_layer(self, hiddens: Tensor) -> Tensor:
        """(num_steps, batch_size, num_hiddens) -> logits (batch_size, num_steps, vocab_size)."""
        return self.linear(hiddens).swapaxes(0, 1)
