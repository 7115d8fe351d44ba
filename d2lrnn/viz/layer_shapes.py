"""Shapes and parameter counts of Keras-style recurrent layers, asked of the layers themselves.

These small functions answer "what comes out of ``LSTM(16, return_sequences=True)`` for an input
of shape (batch, time, features)?" from plain arguments; the explorer widgets use them. They
make the layer and ask it (``compute_output_shape``, ``count_params``), so they follow whatever
the layers do (Keras 3 semantics: spec/keras_rnn_semantics.md sec. 1.6, 2.2 and 5).
"""
from __future__ import annotations

from typing import Any

from ..checks import check_positive_int
from ..layers import GRU, LSTM, Bidirectional, Layer, SimpleRNN
from ..layers.merge import check_merge_mode

RNN_LAYERS = ("SimpleRNN", "LSTM", "GRU")
_LAYER_CLASSES = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def check_layer(layer: str) -> None:
    """Raise a ValueError unless ``layer`` is 'SimpleRNN', 'LSTM' or 'GRU'."""
    if layer not in RNN_LAYERS:
        raise ValueError(f"layer: expected one of {RNN_LAYERS}, got {layer!r}")


def _make_layer(layer: str, units: int, bidirectional: bool, merge_mode: str | None, **options: Any) -> Layer:
    """An unbuilt ``layer(units, **options)``, in Bidirectional if asked.

    Fixed names keep the default-name counters ('lstm', 'lstm_1', ...) of the session untouched,
    and zeros initializers keep the random generators untouched when it is built.
    """
    name = layer.lower()
    made = _LAYER_CLASSES[layer](units, name=name, kernel_initializer="zeros", recurrent_initializer="zeros",
                                 **options)
    return Bidirectional(made, merge_mode=merge_mode, name=f"bidirectional_{name}") if bidirectional else made


def rnn_output_shapes(layer: str, batch_size: int, time_steps: int, units: int, return_sequences: bool = False,
                      return_state: bool = False, bidirectional: bool = False,
                      merge_mode: str | None = "concat") -> list:
    """Shapes of everything ``layer(units, ...)`` returns for an input (batch_size, time_steps, features).

    The list is in Keras' order: the output (two outputs, forward then backward, for a
    Bidirectional layer with ``merge_mode=None``), then with ``return_state`` the final states:
    [h] for SimpleRNN and GRU, [h, c] for LSTM, all forward states before all backward ones.
    The number of input features does not change any of these shapes.

    >>> rnn_output_shapes("LSTM", 32, 10, 16, return_sequences=True, bidirectional=True)
    [(32, 10, 32)]
    """
    check_layer(layer)
    for argument, value in (("batch_size", batch_size), ("time_steps", time_steps), ("units", units)):
        check_positive_int(value, argument, "a positive integer")
    if bidirectional:
        check_merge_mode(merge_mode)
    made = _make_layer(layer, units, bidirectional, merge_mode, return_sequences=return_sequences,
                       return_state=return_state)
    shapes = made.compute_output_shape((batch_size, time_steps, 1))
    return list(shapes) if isinstance(shapes, list) else [shapes]


def rnn_param_count(layer: str, features: int, units: int, bidirectional: bool = False,
                    use_bias: bool = True, reset_after: bool = True) -> int:
    """Number of weights of ``layer(units)`` on inputs with ``features`` features.

    Each gate block has a kernel (features x units), a recurrent kernel (units x units) and a
    bias (units); a GRU with ``reset_after=True`` (Keras' default) has two biases per block.
    A Bidirectional layer has twice as many.

    >>> rnn_param_count("LSTM", features=3, units=4)
    128
    """
    check_layer(layer)
    for argument, value in (("features", features), ("units", units)):
        check_positive_int(value, argument, "a positive integer")
    options = {"reset_after": reset_after} if layer == "GRU" else {}
    made = _make_layer(layer, units, bidirectional, "concat", use_bias=use_bias, **options)
    made.maybe_build((None, None, features))
    return made.count_params()
