"""``StackedRNNCells``: several cells that act as one, for a deep RNN in a single loop.

At every time step, cell k+1 reads cell k's output of the same step; only the last cell's
output leaves the stack. ``RNN(StackedRNNCells([c1, c2]))`` (or simply ``RNN([c1, c2])``)
computes what stacking ``LSTM(..., return_sequences=True)`` layers computes, but returns only
the top layer's outputs. States are nested per cell: [[h1, c1], [h2, c2]] for two LSTMCells.
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from .abstract_rnn_cell import check_cell, flat_state_sizes, zero_states
from .call_context import call_accepts
from .layer import Layer
from .serialization import deserialize_layer, serialize_layer


class StackedRNNCells(Layer):
    """A list of cells used as one cell: ``state_size`` is the list of theirs (nested)."""

    def __init__(self, cells: list, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells: expected a non-empty list of cells, got {cells!r}")
        for cell in cells:
            check_cell(cell, "StackedRNNCells")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return int(size) if size is not None else flat_state_sizes(last.state_size)[0]

    def get_initial_state(self, batch_size: int) -> list:
        """One list of initial states per cell."""
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                initial = make(batch_size)
                states.append(list(initial) if isinstance(initial, (list, tuple)) else [initial])
            else:
                initial = zero_states(cell, batch_size)
                # Keras: a cell with one int state_size and no get_initial_state gets a bare tensor
                states.append(initial[0] if _single_int_state(cell) else initial)
        return states

    def build(self, input_shape: tuple) -> None:
        batch, features = input_shape
        for cell in self.cells:
            cell.maybe_build((batch, features))
            size = getattr(cell, "output_size", None)
            features = int(size) if size is not None else flat_state_sizes(cell.state_size)[0]

    def call(self, inputs: Tensor, states: list, training: bool = False) -> tuple:
        """inputs (B, D), states [[states of cell 1], ...] -> (last cell's output, new nested states)."""
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            given_a_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if given_a_list else [cell_states]
            kwargs = {"training": training} if call_accepts(type(cell).call, "training") else {}
            inputs, updated = cell.call(inputs, cell_states, **kwargs)
            updated = list(updated) if isinstance(updated, (list, tuple)) else [updated]
            # Keras's rule: a state that came in bare goes out bare.
            new_states.append(updated[0] if len(updated) == 1 and not given_a_list else updated)
        return inputs, new_states

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def get_config(self) -> dict:
        return {**super().get_config(), "cells": [serialize_layer(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "StackedRNNCells":
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _single_int_state(cell: Any) -> bool:
    size = cell.state_size
    return not isinstance(size, (list, tuple)) and not isinstance(size, bool)
