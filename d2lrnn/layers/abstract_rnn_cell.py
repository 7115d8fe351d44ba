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

from .. import backend, regularizers
from ..autograd import Tensor
from . import activations, initializers
from .layer import Layer
from .weight import get_constraint, serialize_regularizer
from .dropout_rnn_cell import DropoutRNNCell, clip_rate


def check_units(units: Any) -> int:
    """``units`` must be a positive int (bool excluded); returns it."""
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                         f"got {units!r}.")
    return units


def flat_state_sizes(state_size: Any) -> list[int]:
    """[3] for 3, [3, 3] for [3, 3], [3, 3, 2, 5] for the nested [[3, 3], 2, 5] of a stack."""
    if isinstance(state_size, (list, tuple)):
        return [n for item in state_size for n in flat_state_sizes(item)]
    return [int(state_size)]


def zero_states(cell: Layer, batch_size: int) -> list[Tensor]:
    """One zero Tensor (batch_size, size) per state of ``cell``, in its dtype and on its device."""
    xp = backend.array_module_for(cell._device())
    return [Tensor(xp.zeros((batch_size, size), dtype=cell.dtype)) for size in flat_state_sizes(cell.state_size)]


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
    return isinstance(size, (int, numpy.integer)) and not isinstance(size, bool) and size > 0


# SimpleRNNCell has no gates, hence no recurrent_activation: this marks the argument as not given.
_NO_GATES = object()


def set_builtin_cell_arguments(cell: Any, units: Any, activation: Any, use_bias: Any, kernel_initializer: Any,
                               recurrent_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                               recurrent_regularizer: Any, bias_regularizer: Any, kernel_constraint: Any,
                               recurrent_constraint: Any, bias_constraint: Any, dropout: Any,
                               recurrent_dropout: Any, seed: int | None,
                               recurrent_activation: Any = _NO_GATES) -> None:
    """Check and store the constructor arguments the three built-in cells share, as attributes
    of the same names (names and strings turned into objects; the reverse of builtin_cell_config).

    ``recurrent_activation`` is given by the gated cells (LSTMCell, GRUCell) only.
    """
    cell.units = check_units(units)
    cell.activation = activations.get(activation)
    if recurrent_activation is not _NO_GATES:
        cell.recurrent_activation = activations.get(recurrent_activation)
    cell.use_bias = bool(use_bias)
    cell.kernel_initializer = initializers.get(kernel_initializer)
    cell.recurrent_initializer = initializers.get(recurrent_initializer)
    cell.bias_initializer = initializers.get(bias_initializer)
    cell.kernel_regularizer = regularizers.get(kernel_regularizer)
    cell.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    cell.bias_regularizer = regularizers.get(bias_regularizer)
    cell.kernel_constraint = get_constraint(kernel_constraint, "kernel_constraint")
    cell.recurrent_constraint = get_constraint(recurrent_constraint, "recurrent_constraint")
    cell.bias_constraint = get_constraint(bias_constraint, "bias_constraint")
    cell.dropout = clip_rate(dropout, "dropout")
    cell.recurrent_dropout = clip_rate(recurrent_dropout, "recurrent_dropout")
    cell.seed = seed


def builtin_cell_config(cell: Any) -> dict:
    """The constructor arguments of a built-in cell (SimpleRNNCell, LSTMCell, GRUCell), serialized as Keras does."""
    config = {"units": cell.units, "activation": activations.serialize(cell.activation)}
    if hasattr(cell, "recurrent_activation"):
        config["recurrent_activation"] = activations.serialize(cell.recurrent_activation)
    config.update({
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "kernel_regularizer": serialize_regularizer(cell.kernel_regularizer),
        "recurrent_regularizer": serialize_regularizer(cell.recurrent_regularizer),
        "bias_regularizer": serialize_regularizer(cell.bias_regularizer),
        "kernel_constraint": cell.kernel_constraint,
        "recurrent_constraint": cell.recurrent_constraint,
        "bias_constraint": cell.bias_constraint,
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    })
    for extra in ("unit_forget_bias", "reset_after"):  # LSTMCell's and GRUCell's own arguments
        if hasattr(cell, extra):
            config[extra] = getattr(cell, extra)
    return config


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
        if isinstance(states, (list, tuple)):
            states = [self._to_tensor(s) for s in states]
        else:
            states = self._to_tensor(states)
        return super().__call__(inputs, states, **kwargs)

    def get_initial_state(self, batch_size: int) -> list[Tensor]:
        """Zeros of shape (batch_size, size) for each state."""
        if not isinstance(batch_size, int) or isinstance(batch_size, bool):
            raise TypeError(
                f"get_initial_state: expected batch_size, an int, got {type(batch_size).__name__}. "
                "Keras 3 takes the batch size (e.g. get_initial_state(x.shape[0])), not the inputs.")
        return zero_states(self, batch_size)


class BuiltinRNNCell(DropoutRNNCell, AbstractRNNCell):
    """What SimpleRNNCell, LSTMCell and GRUCell share: (batch, units) outputs and the common config."""

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), **builtin_cell_config(self)}
