"""``BuiltinRNN``: what SimpleRNN, LSTM and GRU share on top of ``RNN``.

Each is ``RNN`` with its built-in cell, made from the layer's own arguments; the config is the
RNN's, plus the cell's arguments (``BuiltinRNNCell.cell_arguments``), plus the activity
regularizer, so ``from_config`` calls the layer's constructor again.
"""
from __future__ import annotations

from .rnn import RNN
from .weight import serialize_regularizer


class BuiltinRNN(RNN):
    """Base of SimpleRNN, LSTM and GRU: one config for the three."""

    def get_config(self) -> dict:
        return {**super().get_config(), **self.cell.cell_arguments(),
                "activity_regularizer": serialize_regularizer(self.activity_regularizer)}
