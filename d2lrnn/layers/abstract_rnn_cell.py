"""``AbstractRNNCell``: the contract between a cell and the ``RNN`` layer that loops over time.

A cell computes ONE time step. ``RNN`` owns the loop, the masks, the initial state and what is
returned. Any Layer with these two members works as a cell:

- ``state_size``: an int (one state of that size) or a list of ints (LSTM: [units, units]);
- ``call(inputs, states)``: inputs (batch, features) and ``states`` a list of (batch, size)
  Tensors -> ``(output, new_states)``, new_states in the same order.

Optional: ``output_size`` (else the first state size), ``get_initial_state(batch_size)``
(else zeros), and a ``training`` parameter in ``call``. The first state should be the output
(h), as in every built-in cell: masked steps repeat it.
"""
from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from ..autograd import Tensor
from ..checks import is_int_at_least
from .keras_tensor import any_keras_tensor
from .layer import Layer


def flat_state_sizes(state_size: Any) -> list[int]:
    """[3] for 3, [3, 3] for [3, 3], [3, 3, 2, 5] for the nested [[3, 3], 2, 5] of a stack."""
    if isinstance(state_size, (list, tuple)):
        return [n for item in state_size for n in flat_state_sizes(item)]
    return [int(state_size)]


def zero_states(cell: Layer, batch_size: int) -> list[Tensor]:
    """One zero Tensor (batch_size, size) per state of ``cell``, in its dtype and on its device."""
    device = cell._device()
    return [Tensor(numpy.zeros((batch_size, size), dtype=cell.dtype), device=device)
            for size in flat_state_sizes(cell.state_size)]


def check_batch_size(batch_size: Any, example: str) -> None:
    """get_initial_state takes a batch size (NumPy integers count), not the inputs (Keras 2's form)."""
    if not is_int_at_least(batch_size, 0):
        shown = batch_size if isinstance(batch_size, (int, float)) else type(batch_size).__name__
        raise TypeError(f"get_initial_state: expected batch_size, an int, got {shown}. Keras 3 takes the batch "
                        f"size (e.g. {example}), not the inputs.")


def check_cell(cell: Any, where_used: str) -> None:
    """A cell has ``call`` and ``state_size``; a whole recurrent layer is not a cell."""
    if hasattr(cell, "return_sequences"):  # RNN, LSTM, Bidirectional...: layers that loop over time
        kind = type(cell).__name__
        hint = f"{kind}Cell(units)" if kind in ("SimpleRNN", "LSTM", "GRU") else "LSTMCell(units)"
        raise ValueError(
            f"{where_used} takes cells (one time step each), such as {hint}, but got the layer {kind} "
            f"'{cell.name}', which already loops over time. Use {hint} here, or use the layer directly.")
    if not isinstance(cell, Layer):
        raise TypeError(f"{where_used}: a cell must be a Layer (e.g. AbstractRNNCell) with `call(inputs, states)` "
                        f"and `state_size`, got {cell!r} of type {type(cell).__name__}")
    try:
        state_size = cell.state_size
    except (AttributeError, NotImplementedError):
        raise ValueError(
            "The RNN cell should have a `state_size` attribute (single integer or list of integers, one integer per "
            f"RNN state). Received: cell={cell!r}. Set it in __init__, e.g. `self.state_size = units`.") from None
    if not _valid_state_size(state_size):
        raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor). "
                         f"Received: {state_size!r}")
    output_size = getattr(cell, "output_size", None)
    if output_size is not None and (isinstance(output_size, bool) or not isinstance(output_size, (int, numpy.integer))):
        raise ValueError(f"output_size must be an integer. Received: {output_size!r}")


def _valid_state_size(size: Any) -> bool:
    if isinstance(size, (list, tuple)):
        return len(size) > 0 and all(_valid_state_size(s) for s in size)
    return is_int_at_least(size, 1)


class AbstractRNNCell(Layer):
    """Base class for custom cells: define ``state_size`` and ``call(inputs, states)``.

    Example::

        class MinimalRNNCell(AbstractRNNCell):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.state_size = units

            def build(self, input_shape):
                self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
                self.recurrent_kernel = self.add_weight((self.units, self.units), "orthogonal",
                                                        name="recurrent_kernel")

            def call(self, inputs, states):
                h = (inputs @ self.kernel + states[0] @ self.recurrent_kernel).tanh()
                return h, [h]

        layers.RNN(MinimalRNNCell(32), return_sequences=True)(x)   # x: (batch, time, features)
    """

    def call(self, inputs: Tensor, states: list) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define call(inputs, states) -> (output, new_states)")

    def __call__(self, inputs: Any, states: Any = None, **kwargs: Any) -> Any:
        """One step by hand: ``cell(x_t, states)`` with x_t (batch, features) and states as in ``call``."""
        name = type(self).__name__
        sequence_layer = f"RNN({name}(units))"
        if name in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
            sequence_layer += f" or {name[:-len('Cell')]}(units)"
        data = inputs.data if isinstance(inputs, Tensor) else inputs
        shape = tuple(data.shape) if hasattr(data, "shape") else numpy.shape(data)
        if len(shape) == 3:
            raise ValueError(f"{name} takes one time step of shape (batch, features), got shape {shape}. "
                             f"For (batch, time, features) use {sequence_layer}.")
        if states is None:
            raise TypeError(f"{name} computes one time step and needs the states: call it as cell(x_t, states), "
                            f"or use {sequence_layer} to run over a sequence.")
        if any_keras_tensor(inputs, states):
            return super().__call__(inputs, states, **kwargs)  # recorded symbolically
        if isinstance(states, (list, tuple)):
            states = [self._to_tensor(s) for s in states]
        else:
            states = self._to_tensor(states)
        return super().__call__(inputs, states, **kwargs)

    def get_initial_state(self, batch_size: int) -> list[Tensor]:
        """Zeros of shape (batch_size, size) for each state."""
        check_batch_size(batch_size, "get_initial_state(x.shape[0])")
        return zero_states(self, batch_size)
