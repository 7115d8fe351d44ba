"""``BuiltinRNN``: what SimpleRNN, LSTM and GRU share on top of ``RNN``.

Each is ``RNN`` with its built-in cell, made from the layer's own arguments; the config is the
RNN's, plus the cell's arguments (``BuiltinRNNCell.cell_arguments``), plus the activity
regularizer, so ``from_config`` calls the layer's constructor again.
"""
from __future__ import annotations

import inspect

from .builtin_rnn_cell import BuiltinRNNCell
from .naming import to_snake_case
from .rnn import RNN
from .weight import serialize_regularizer


class BuiltinRNN(RNN):
    """Base of SimpleRNN, LSTM and GRU: the cell made from the layer's arguments, and one config.

    Args:
        cell_class: SimpleRNNCell, LSTMCell or GRUCell.
        arguments: the layer constructor's arguments by name (``constructor_arguments(locals())``):
            those the cell's constructor declares make the cell (named 'lstm_cell', ..., with the
            layer's dtype and trainable); the rest (return_sequences, ..., name) go to ``RNN``.
    """

    def __init__(self, cell_class: type, arguments: dict) -> None:
        cell_parameters = inspect.signature(cell_class).parameters
        cell_arguments = {name: value for name, value in arguments.items() if name in cell_parameters}
        layer_arguments = {name: value for name, value in arguments.items() if name not in cell_parameters}
        cell: BuiltinRNNCell = cell_class(**cell_arguments, dtype=arguments.get("dtype"),
                                          trainable=arguments.get("trainable", True),
                                          name=to_snake_case(cell_class.__name__))
        super().__init__(cell, **layer_arguments)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.cell.cell_arguments(),
                "activity_regularizer": serialize_regularizer(self.activity_regularizer)}
