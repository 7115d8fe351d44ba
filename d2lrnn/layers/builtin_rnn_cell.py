"""``BuiltinRNNCell``: what SimpleRNNCell, LSTMCell and GRUCell share.

Their common constructor arguments (checked and stored once, as attributes of the same names),
their config, their (batch, units) output shape, when their dropout applies, and the contract
of the fast path: each built-in cell names its own fused whole-sequence kernel through
``fused_sequence`` and says, through ``fused_unavailable_reason``, which of its settings that
kernel cannot compute.
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..checks import check_positive_int
from . import activations
from .abstract_rnn_cell import AbstractRNNCell
from .dropout_rnn_cell import DropoutRNNCell, clip_rate
from .weight import set_weight_options, weight_options_config


def constructor_arguments(local_variables: dict, leaving_out: tuple = ()) -> dict:
    """A constructor's arguments by name, from ``locals()`` taken on its first line: without
    ``self`` (and the ``__class__`` cell of ``super()``), with ``**kwargs`` merged in, and without
    the names in ``leaving_out`` (the ones the constructor keeps for itself)."""
    skipped = {"self", "__class__", "kwargs", *leaving_out}
    arguments = {name: value for name, value in local_variables.items() if name not in skipped}
    return {**arguments, **local_variables.get("kwargs", {})}


_WEIGHTS = ("kernel", "recurrent", "bias")  # Keras names the recurrent kernel's options recurrent_*

# SimpleRNNCell has no gates, hence no recurrent_activation: this marks the argument as not given.
_NO_GATES = object()


class BuiltinRNNCell(DropoutRNNCell, AbstractRNNCell):
    """Base of the three built-in cells: the constructor arguments they share, as Keras names them.

    ``recurrent_activation`` is given by the gated cells (LSTMCell, GRUCell) only. Strings and
    names become objects (``activations.get``, ``initializers.get``, ...); ``cell_arguments``
    turns them back into a config.
    """

    def __init__(self, units: int, *, activation: Any, use_bias: bool, kernel_initializer: Any,
                 recurrent_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                 recurrent_regularizer: Any, bias_regularizer: Any, kernel_constraint: Any, recurrent_constraint: Any,
                 bias_constraint: Any, dropout: float, recurrent_dropout: float, seed: int | None,
                 recurrent_activation: Any = _NO_GATES, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units", "a positive integer")
        self.activation = activations.get(activation)
        if recurrent_activation is not _NO_GATES:
            self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, _WEIGHTS, locals())
        self.dropout = clip_rate(dropout, "dropout")
        self.recurrent_dropout = clip_rate(recurrent_dropout, "recurrent_dropout")
        self.seed = seed
        self.output_size = self.units

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.units)

    def add_cell_weights(self, features: int, gates: int, bias_shape: tuple | None = None,
                         bias_initializer: Any = None) -> None:
        """Create kernel (features, gates*U), recurrent_kernel (U, gates*U) and, with use_bias, bias
        (``bias_shape``, default (gates*U,)), each with its own initializer, regularizer and
        constraint (``bias_initializer`` overrides the bias's); bias is None without use_bias."""
        U = self.units
        self.kernel = self.add_weight((features, gates * U), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((U, gates * U), self.recurrent_initializer, name="recurrent_kernel",
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(bias_shape or (gates * U,), bias_initializer or self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    # ------------------------------------------------------------------ config
    def cell_arguments(self) -> dict:
        """The cell's own constructor arguments, serialized as Keras does (without name, dtype,
        trainable): the cell's config, and what SimpleRNN, LSTM and GRU add to the RNN config."""
        config = {"units": self.units, "activation": activations.serialize(self.activation)}
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            **weight_options_config(self, _WEIGHTS),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config

    def get_config(self) -> dict:
        return {**super().get_config(), **self.cell_arguments()}

    # ----------------------------------------------------------------- dropout
    def input_dropout_applies(self, training: bool) -> bool:
        """Whether this call drops inputs. Keras's gated cells skip dropout at a rate of exactly 1."""
        return bool(training) and 0.0 < self.dropout < 1.0

    def recurrent_dropout_applies(self, training: bool) -> bool:
        """Whether this call drops h_{t-1} (same rule as ``input_dropout_applies``)."""
        return bool(training) and 0.0 < self.recurrent_dropout < 1.0

    # --------------------------------------------------------------- fast path
    def fused_sequence(self, x: Tensor, states: list, **options: Any) -> tuple:
        """Every step at once in this cell's fused kernel: x (T, B, D) time-major, states as in
        ``call`` -> (outputs (T, B, U) with Y[t] at time index t, final states)."""
        raise NotImplementedError(f"{type(self).__name__} has no fused kernel")

    def fused_bidirectional(self, x: Tensor, states: list, backward: "BuiltinRNNCell", backward_states: list,
                            **options: Any) -> tuple:
        """This cell forward and ``backward`` (a cell of the same class) reading t = T-1 .. 0, in one
        bidirectional kernel call -> (outputs (T, B, 2U), forward final states, backward final states)."""
        raise NotImplementedError(f"{type(self).__name__} has no fused kernel")

    def fused_unavailable_reason(self) -> str | None:
        """Which of this cell's settings its fused kernel cannot compute, or None."""
        if self.activation is not activations.tanh:
            return f"activation={activations.serialize(self.activation)!r} (the kernels compute tanh, or relu for " \
                   "SimpleRNN)"
        if self.recurrent_activation is not activations.sigmoid:
            return (f"recurrent_activation={activations.serialize(self.recurrent_activation)!r} "
                    "(the kernel computes sigmoid)")
        return None
