"""``StackedRNNScratch``: a deep RNN, several recurrent layers on top of each other.

    H_t^(l) = tanh(H_t^(l-1) W_xh^(l) + H_{t-1}^(l) W_hh^(l) + b_h^(l)),   H_t^(0) = X_t

Layer 1 reads the inputs (W_xh^(1) is num_inputs x num_hiddens); every later layer reads
the outputs of the layer below. The output layer sees only the top layer.
"""
from __future__ import annotations

from typing import Any, Callable

from ..training import Module
from .rnn import RNNScratch, check_sizes


class StackedRNNScratch(Module):
    """``num_layers`` recurrent layers, each feeding its outputs to the next.

    Args:
        num_inputs: features per time step of the inputs.
        num_hiddens: hidden units of every layer.
        num_layers: how many layers.
        sigma: standard deviation of the initial weights.
        rnn: the layer class, called as ``rnn(num_inputs, num_hiddens, sigma)``:
            ``RNNScratch`` (the book), ``LSTMScratch``, ``GRUScratch``, or
            ``BiRNNScratch`` for a deep bidirectional RNN. Each layer's input size is the
            output size (``num_hiddens`` attribute) of the layer below.
    """

    def __init__(self, num_inputs: int, num_hiddens: Any, num_layers: int, sigma: float = 0.01,
                 rnn: Callable[..., Module] = RNNScratch) -> None:
        super().__init__()
        check_sizes("StackedRNNScratch", num_inputs=num_inputs, num_layers=num_layers)
        self.save_hyperparameters()
        self.rnns = []
        layer_inputs = num_inputs
        for _ in range(num_layers):
            layer = rnn(layer_inputs, num_hiddens, sigma)
            self.rnns.append(layer)
            layer_inputs = layer.num_hiddens
        self.num_hiddens = layer_inputs  # what the output layer receives: the top layer's size

    def forward(self, inputs: Any, Hs: list | None = None) -> tuple[list, list]:
        """Run the layers in order.

        Args:
            inputs: (num_steps, batch_size, num_inputs) Tensor or list of (batch_size, num_inputs).
            Hs: one state per layer (None entries start from zeros), or None.

        Returns:
            (outputs, Hs): the top layer's list of num_steps (batch_size, num_hiddens)
            Tensors, and the list of every layer's final state.
        """
        if Hs is None:
            Hs = [None] * self.num_layers
        elif not isinstance(Hs, (list, tuple)) or len(Hs) != self.num_layers:
            got = f"{len(Hs)} states" if isinstance(Hs, (list, tuple)) else type(Hs).__name__
            raise ValueError(f"StackedRNNScratch: Hs must hold one state per layer ({self.num_layers}), got {got}")
        Hs = list(Hs)
        outputs = inputs
        for i, layer in enumerate(self.rnns):
            outputs, Hs[i] = layer(outputs, Hs[i])
        return outputs, Hs
