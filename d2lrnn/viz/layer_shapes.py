"""Shapes and parameter counts of Keras-style recurrent layers, from plain arithmetic.

These small functions answer "what comes out of ``LSTM(16, return_sequences=True)`` for an input
of shape (batch, time, features)?" without building a layer; the explorer widgets use them.
They follow Keras 3 (batch-major inputs; see spec/keras_rnn_semantics.md sec. 1.6, 2.2 and 5).
"""
from __future__ import annotations

RNN_LAYERS = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES = ("concat", "sum", "ave", "mul", None)
STATES_PER_DIRECTION = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}  # LSTM keeps h and c
GATE_BLOCKS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}  # weight blocks stacked side by side


def check_layer(layer: str) -> None:
    """Raise a ValueError unless ``layer`` is 'SimpleRNN', 'LSTM' or 'GRU'."""
    if layer not in RNN_LAYERS:
        raise ValueError(f"layer: expected one of {RNN_LAYERS}, got {layer!r}")


def check_merge_mode(merge_mode: str | None) -> None:
    """Raise a ValueError unless ``merge_mode`` is one of Keras' Bidirectional merge modes."""
    if merge_mode not in MERGE_MODES:
        raise ValueError(f"merge_mode: expected one of 'concat', 'sum', 'ave', 'mul' or None, got {merge_mode!r}")


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")


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
    _check_sizes(batch_size=batch_size, time_steps=time_steps, units=units)
    if bidirectional:
        check_merge_mode(merge_mode)
    leading = (batch_size, time_steps) if return_sequences else (batch_size,)
    if not bidirectional:
        outputs = [leading + (units,)]
    elif merge_mode == "concat":
        outputs = [leading + (2 * units,)]
    elif merge_mode is None:
        outputs = [leading + (units,), leading + (units,)]
    else:  # sum, ave, mul: element-wise, so the size stays `units`
        outputs = [leading + (units,)]
    if not return_state:
        return outputs
    directions = 2 if bidirectional else 1
    return outputs + [(batch_size, units)] * (STATES_PER_DIRECTION[layer] * directions)


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
    _check_sizes(features=features, units=units)
    biases = 2 if layer == "GRU" and reset_after else 1
    per_block = units * (features + units) + (biases * units if use_bias else 0)
    count = GATE_BLOCKS[layer] * per_block
    return 2 * count if bidirectional else count
