"""The fast path: run a whole SimpleRNN / LSTM / GRU layer in one fused kernel call.

What cuDNN is to Keras, ``d2lrnn.kernels`` is here: the input projections of all steps in
one matmul, one packed recurrent matmul per step, and a hand-written BPTT. The Keras weight
layout IS the kernel layout (kernel (D, G*U), recurrent_kernel (U, G*U), bias (G*U,); the GRU
bias (2, 3U) gives b_x = bias[0], b_h = bias[1]), so the layer's own weights go in unchanged
and gradients reach them directly.

It runs only where it computes exactly what the generic loop computes: tanh / sigmoid
activations (SimpleRNN: tanh or relu), no recurrent dropout, unroll=False, use_bias=True, GRU
with reset_after=True, and a mask that is absent or right-padded (each row True...True then
False...False). ``unavailable_reason`` names the first condition that fails.
"""
from __future__ import annotations

from typing import Any

from .. import backend, kernels
from ..autograd import Tensor
from . import activations

_KINDS = ("rnn_sequence", "lstm_sequence", "gru_sequence")


def _kernel_name(cell: Any) -> str | None:
    """The kernel a built-in cell maps to. Only the exact classes qualify: a subclass may change the step."""
    name = vars(type(cell)).get("fused_kernel")
    return name if name in _KINDS else None


def is_right_padded(mask: Any) -> bool:
    """True if every row of the (B, T) boolean mask is some Trues followed only by Falses."""
    xp = backend.get_array_module(mask)
    lengths = mask.sum(axis=1)
    expected = xp.arange(mask.shape[1])[None, :] < lengths[:, None]
    return bool((mask == expected).all())


def unavailable_reason(layer: Any, mask: Any) -> str | None:
    """Why ``layer`` cannot take the fast path for this call, or None if it can."""
    cell = layer.cell
    name = _kernel_name(cell)
    if name is None:
        return f"its cell {type(cell).__name__} is not a SimpleRNNCell, LSTMCell or GRUCell"
    if not hasattr(kernels, name):
        return f"the fused kernel d2lrnn.kernels.{name} is not available"
    supported = (activations.tanh, activations.relu) if name == "rnn_sequence" else (activations.tanh,)
    if cell.activation not in supported:
        return (f"activation={activations.serialize(cell.activation)!r} "
                "(the kernels compute tanh, or relu for SimpleRNN)")
    if name != "rnn_sequence" and cell.recurrent_activation is not activations.sigmoid:
        return (f"recurrent_activation={activations.serialize(cell.recurrent_activation)!r} "
                "(the kernel computes sigmoid)")
    if cell.recurrent_dropout:
        return f"recurrent_dropout={cell.recurrent_dropout} (the kernel has no recurrent dropout)"
    if getattr(cell, "implementation", 2) == 1 and cell.dropout:
        return "implementation=1 with dropout draws one input mask per gate"
    if layer.unroll:
        return "unroll=True"
    if not cell.use_bias:
        return "use_bias=False"
    if name == "gru_sequence" and not cell.reset_after:
        return "reset_after=False (the kernel applies the reset gate after the recurrent matmul)"
    if layer.dtype not in ("float32", "float64"):
        return f"dtype={layer.dtype!r} (the kernel runs float32 or float64)"
    if mask is not None and not is_right_padded(mask):
        return "the mask is not right-padded (each row must be True...True then False...False)"
    return None


def run(layer: Any, sequences: Tensor, states: list, mask: Any, training: bool) -> tuple:
    """The fused equivalent of ``RNN._loop``: returns (last output, sequence or None, final states).

    The sequence is in processing order, like the generic loop's.
    """
    cell = layer.cell
    name = _kernel_name(cell)
    if training and cell.dropout > 0 and (name == "rnn_sequence" or cell.dropout < 1):
        # One input mask shared by every step and gate: the generic loop's implementation 2.
        step_mask = cell.get_dropout_mask(sequences[:, 0, :])
        cell.reset_dropout_mask()
        sequences = sequences * step_mask[:, None, :]
    x = sequences.transpose(1, 0, 2)  # time-major (T, B, D)
    options = {"lengths": _lengths(mask), "reverse": layer.go_backwards,
               "zero_masked_outputs": layer.zero_output_for_mask}
    if name == "rnn_sequence":
        outputs, h = kernels.rnn_sequence(x, states[0], cell.kernel, cell.recurrent_kernel, cell.bias,
                                          activation=activations.serialize(cell.activation), **options)
        final_states = [h]
    elif name == "lstm_sequence":
        outputs, h, c = kernels.lstm_sequence(x, states[0], states[1], cell.kernel, cell.recurrent_kernel,
                                              cell.bias, **options)
        final_states = [h, c]
    else:
        outputs, h = kernels.gru_sequence(x, states[0], cell.kernel, cell.recurrent_kernel, cell.bias[0],
                                          cell.bias[1], **options)
        final_states = [h]
    return _layer_results(layer, outputs, final_states)


def _layer_results(layer: Any, outputs: Tensor, final_states: list) -> tuple:
    """A kernel's time-major outputs (T, B, U) -> (last output, sequence or None, final states).

    The kernel keeps Y[t] at time index t; the layer's sequence is in processing order.
    """
    if layer.go_backwards:
        last_output = outputs[0]
        ordered = outputs[::-1]
    else:
        last_output = outputs[outputs.shape[0] - 1]
        ordered = outputs
    sequence = ordered.transpose(1, 0, 2) if layer.return_sequences else None
    return last_output, sequence, final_states


def bidirectional_unavailable_reason(forward_layer: Any, backward_layer: Any, training: bool) -> str | None:
    """Why the two layers of a Bidirectional cannot run as one bidirectional kernel call (None if they can).

    Each layer must also pass ``unavailable_reason`` for the call's mask.
    """
    cells = [getattr(layer, "cell", None) for layer in (forward_layer, backward_layer)]
    names = [_kernel_name(cell) if cell is not None else None for cell in cells]
    if names[0] is None or names[0] != names[1]:
        return "the two directions do not run the same fused kernel"
    if forward_layer.go_backwards or not backward_layer.go_backwards:
        return "the forward layer goes backwards or the backward layer does not"
    if cells[0].units != cells[1].units or forward_layer.dtype != backward_layer.dtype:
        return "the two directions differ in units or dtype"
    if names[0] == "rnn_sequence" and cells[0].activation is not cells[1].activation:
        return "the two directions differ in activation"
    if forward_layer.zero_output_for_mask != backward_layer.zero_output_for_mask:
        return "the two directions differ in zero_output_for_mask"
    if training and any(cell.dropout > 0 for cell in cells):
        return "input dropout draws one mask per direction"
    if any(layer.activity_regularizer is not None for layer in (forward_layer, backward_layer)):
        return "an activity regularizer is added by the layer's own call"
    return None


def run_bidirectional(forward_layer: Any, backward_layer: Any, sequences: Tensor, forward_states: list,
                      backward_states: list, mask: Any) -> tuple[tuple, tuple]:
    """Both layers of a Bidirectional in one kernel call (one time loop for both directions).

    Returns each layer's (last output, sequence or None, final states), as ``run`` does.
    """
    cell = forward_layer.cell
    name = _kernel_name(cell)
    x = sequences.transpose(1, 0, 2)  # time-major (T, B, D)
    options = {"lengths": _lengths(mask), "zero_masked_outputs": forward_layer.zero_output_for_mask}

    def weights(layer: Any) -> tuple:
        c = layer.cell
        return (c.kernel, c.recurrent_kernel, c.bias[0], c.bias[1]) if name == "gru_sequence" else \
            (c.kernel, c.recurrent_kernel, c.bias)

    forward = (*forward_states, *weights(forward_layer))
    backward = (*backward_states, *weights(backward_layer))
    if name == "rnn_sequence":
        Y, h_f, h_b = kernels.rnn_bidirectional(x, forward, backward,
                                                activation=activations.serialize(cell.activation), **options)
        finals = [h_f], [h_b]
    elif name == "lstm_sequence":
        Y, forward_finals, backward_finals = kernels.lstm_bidirectional(x, forward, backward, **options)
        finals = list(forward_finals), list(backward_finals)
    else:
        Y, h_f, h_b = kernels.gru_bidirectional(x, forward, backward, **options)
        finals = [h_f], [h_b]
    H = cell.units
    return (_layer_results(forward_layer, Y[:, :, :H], finals[0]),
            _layer_results(backward_layer, Y[:, :, H:], finals[1]))


def _lengths(mask: Any) -> Any:
    """Right-padded (B, T) mask -> valid lengths (B,); None when every step is valid."""
    if mask is None or mask.all():
        return None
    return mask.sum(axis=1)
