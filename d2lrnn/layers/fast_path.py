"""The fast path: run a whole SimpleRNN / LSTM / GRU layer in one fused kernel call.

What cuDNN is to Keras, ``d2lrnn.kernels`` is here: the input projections of all steps in
one matmul, one packed recurrent matmul per step, and a hand-written BPTT. The Keras weight
layout IS the kernel layout (kernel (D, G*U), recurrent_kernel (U, G*U), bias (G*U,); the GRU
bias (2, 3U) gives b_x = bias[0], b_h = bias[1]), so the layer's own weights go in unchanged
and gradients reach them directly.

It runs only where it computes exactly what the generic loop computes: tanh / sigmoid
activations (SimpleRNN: tanh or relu), no recurrent dropout, unroll=False, use_bias=True, GRU
with reset_after=True, and a mask that is absent or right-padded (each row True...True then
False...False). ``unavailable_reason`` names the first condition that fails. Each built-in cell
names its own kernel (``BuiltinRNNCell.fused_sequence``) and the settings of its own that the
kernel cannot compute (``fused_unavailable_reason``); this module holds what the cells share.
A Bidirectional whose two layers can both take the fast path runs them in one bidirectional
kernel call (``run_bidirectional``, the cells' ``fused_bidirectional``).
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor
from .builtin_rnn_cell import BuiltinRNNCell


def _has_fused_kernel(cell: Any) -> bool:
    """Only a built-in cell whose own class names its kernel qualifies: a subclass may change the step."""
    return isinstance(cell, BuiltinRNNCell) and "fused_sequence" in vars(type(cell))


def is_right_padded(mask: Any) -> bool:
    """True if every row of the (B, T) boolean mask is some Trues followed only by Falses."""
    xp = backend.get_array_module(mask)
    lengths = mask.sum(axis=1)
    expected = xp.arange(mask.shape[1])[None, :] < lengths[:, None]
    return bool((mask == expected).all())


def unavailable_reason(layer: Any, mask: Any) -> str | None:
    """Why ``layer`` cannot take the fast path for this call, or None if it can."""
    cell = layer.cell
    if not _has_fused_kernel(cell):
        return f"its cell {type(cell).__name__} is not a SimpleRNNCell, LSTMCell or GRUCell"
    cell_reason = cell.fused_unavailable_reason()
    if cell_reason is not None:
        return cell_reason
    if cell.recurrent_dropout:
        return f"recurrent_dropout={cell.recurrent_dropout} (the kernel has no recurrent dropout)"
    if getattr(cell, "implementation", 2) == 1 and cell.dropout:
        return "implementation=1 with dropout draws one input mask per gate"
    if layer.unroll:
        return "unroll=True"
    if not cell.use_bias:
        return "use_bias=False"
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
    if cell.input_dropout_applies(training):
        # One input mask shared by every step and gate: the generic loop's implementation 2.
        step_mask = cell.get_dropout_mask(sequences[:, 0, :])
        cell.reset_dropout_mask()
        sequences = sequences * step_mask[:, None, :]
    x = sequences.transpose(1, 0, 2)  # time-major (T, B, D)
    outputs, final_states = cell.fused_sequence(x, states, lengths=_lengths(mask), reverse=layer.go_backwards,
                                                zero_masked_outputs=_zeroes_masked_outputs(layer))
    return _layer_results(layer, outputs, final_states, mask)


def _zeroes_masked_outputs(layer: Any) -> bool:
    """Keras outputs zeros at masked steps before the first unmasked one. Going backwards over a
    right-padded mask, every masked step comes first: zero them all."""
    return layer.zero_output_for_mask or layer.go_backwards


def _layer_results(layer: Any, outputs: Tensor, final_states: list, mask: Any) -> tuple:
    """A kernel's time-major outputs (T, B, U) -> (last output, sequence or None, final states).

    The kernel keeps Y[t] at time index t; the layer's sequence is in processing order.
    """
    if mask is not None and not layer.go_backwards and not bool(mask.any(axis=1).all()):
        # A row masked at every step: Keras outputs zeros there, the kernel would repeat h0.
        outputs = outputs * Tensor._wrap(mask.any(axis=1)[None, :, None].astype(outputs.dtype), False)
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
    if type(cells[0]) is not type(cells[1]) or not _has_fused_kernel(cells[0]):
        return "the two directions do not run the same fused kernel"
    if forward_layer.go_backwards or not backward_layer.go_backwards:
        return "the forward layer goes backwards or the backward layer does not"
    if cells[0].units != cells[1].units or forward_layer.dtype != backward_layer.dtype:
        return "the two directions differ in units or dtype"
    if cells[0].activation is not cells[1].activation:
        return "the two directions differ in activation"
    if any(cell.input_dropout_applies(training) for cell in cells):
        return "input dropout draws one mask per direction"
    if any(layer.activity_regularizer is not None for layer in (forward_layer, backward_layer)):
        return "an activity regularizer is added by the layer's own call"
    return None


def run_bidirectional(forward_layer: Any, backward_layer: Any, sequences: Tensor, forward_states: list,
                      backward_states: list, mask: Any) -> tuple[tuple, tuple]:
    """Both layers of a Bidirectional in one kernel call (one time loop for both directions).

    Returns each layer's (last output, sequence or None, final states), as ``run`` does.
    """
    x = sequences.transpose(1, 0, 2)  # time-major (T, B, D)
    lengths = _lengths(mask)
    zero = [_zeroes_masked_outputs(layer) for layer in (forward_layer, backward_layer)]
    Y, forward_finals, backward_finals = forward_layer.cell.fused_bidirectional(
        x, forward_states, backward_layer.cell, backward_states, lengths=lengths,
        zero_masked_outputs=zero[0] and zero[1])
    H = forward_layer.cell.units
    halves = [Y[:, :, :H], Y[:, :, H:]]
    if lengths is not None and zero[0] != zero[1]:  # the kernel zeroed neither half: zero the one that asks
        valid = Tensor._wrap(mask.T[:, :, None].astype(Y.dtype), False)  # (T, B, 1)
        halves = [half * valid if wanted else half for half, wanted in zip(halves, zero)]
    return (_layer_results(forward_layer, halves[0], forward_finals, mask),
            _layer_results(backward_layer, halves[1], backward_finals, mask))


def _lengths(mask: Any) -> Any:
    """Right-padded (B, T) mask -> valid lengths (B,); None when every step is valid."""
    if mask is None or mask.all():
        return None
    return mask.sum(axis=1)
