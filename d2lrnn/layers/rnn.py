"""``RNN``: run a cell over the time axis of a batch, the way ``keras.layers.RNN`` does.

The loop (generic path), for inputs x of shape (B, T, D):

1. go through t = 0 .. T-1 (``go_backwards``: t = T-1 .. 0), calling the cell on x[:, t];
2. with a mask, a masked step leaves every state exactly as it was and emits a fallback
   output: zeros if ``zero_output_for_mask``, else the previous output (at the very first
   step the first initial state, h0, as Keras's JAX and NumPy backends do);
3. return the last output, or the outputs of every step in PROCESSING order (with
   ``go_backwards`` position k holds the state after reading x_{T-1} .. x_{T-1-k}; it is not
   flipped back), followed by the final states when ``return_state``.

SimpleRNN, LSTM and GRU are this layer with their cell; for standard configurations they run
the fused whole-sequence kernels instead (``fast_path.py``), with the same results.
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor, stack, where
from . import fast_path
from .abstract_rnn_cell import check_batch_size, check_cell, flat_state_sizes, zero_states
from .call_context import call_accepts
from .layer import Layer
from .serialization import deserialize_layer, serialize_layer
from .stacked_rnn_cells import StackedRNNCells


class RNN(Layer):
    """Base class for recurrent layers: loops ``cell`` over time.

    Args:
        cell: a cell (SimpleRNNCell, LSTMCell, GRUCell, a custom cell, StackedRNNCells), or a
            list of cells (wrapped in StackedRNNCells).
        return_sequences: return every step's output (B, T, U) instead of the last (B, U).
        return_state: also return the final states: (output, *states), LSTM (output, h, c).
        go_backwards: read the sequence from the end; the output stays in processing order.
        stateful: the final states of a call are the initial states of the next call (the
            batch size must stay the same); ``reset_state()`` sets them back to zeros.
        unroll: accepted for compatibility; the loop is always a Python loop here, but
            ``unroll=True`` keeps the layer on the generic path.
        zero_output_for_mask: masked steps output zeros instead of repeating the previous output.
        use_fused: None (use the fused kernel when the configuration allows it), True (require
            it: a ValueError says why it cannot run), False (always the generic loop).
            ``last_call_path`` says which one ran ('fused' or 'generic').

    Call: ``layer(inputs, initial_state=None, mask=None, training=None)`` with inputs
    (B, T, D), initial_state a list of (B, size) arrays in state order, mask (B, T) booleans
    (True = use the step).
    """

    supports_masking = True

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, use_fused: bool | None = None, **kwargs: Any) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell, "RNN")
        use_fused = _use_fused_from_keras(kwargs.pop("use_cudnn", "auto"), use_fused)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.use_fused = use_fused
        self.last_call_path: str | None = None
        self.states: list | None = None
        self.input_dim: int | None = None

    # ------------------------------------------------------------------ shapes
    @property
    def output_size(self) -> int:
        """The size of one step's output: the cell's ``output_size``, else its first state size."""
        size = getattr(self.cell, "output_size", None)
        return int(size) if size is not None else flat_state_sizes(self.cell.state_size)[0]

    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        output = (batch, steps, self.output_size) if self.return_sequences else (batch, self.output_size)
        if not self.return_state:
            return output
        return [output] + _map_sizes(self._state_structure(), lambda size: (batch, size))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask if ``return_sequences`` (else None); None for every returned state.

        With ``go_backwards`` the mask is flipped like the output sequence, so it stays aligned
        with it (Keras returns the unflipped mask there).
        """
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if output_mask is not None and self.go_backwards:
            output_mask = output_mask[:, ::-1]
        if self.return_state:
            return [output_mask] + [None] * len(self._state_structure())
        return output_mask

    # ------------------------------------------------------------------- build
    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            raise ValueError(_list_input_message(self, len(input_shape)))
        _check_rank(self, input_shape)
        batch, _, features = input_shape
        self.input_dim = features
        self.cell.maybe_build((batch, features))
        if self.stateful:
            if batch is None:
                raise ValueError("When using `stateful=True` in a RNN, the batch size must be static. "
                                 f"Found dynamic batch size: sequence.shape={tuple(input_shape)}")
            self.states = self.get_initial_state(batch)

    def get_initial_state(self, batch_size: int) -> list:
        """The cell's initial states for ``batch_size`` sequences (zeros), in state order."""
        check_batch_size(batch_size, "layer.get_initial_state(x.shape[0])")
        make = getattr(self.cell, "get_initial_state", None)
        states = make(batch_size) if make is not None else zero_states(self.cell, batch_size)
        return list(states) if isinstance(states, (list, tuple)) else [states]

    # -------------------------------------------------------------------- call
    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        """sequences (B, T, D) -> output (B, U) or (B, T, U), then the final states if return_state."""
        mask, states = self._prepare_call(sequences, initial_state, mask)
        reason = self.fused_unavailable_reason(mask)
        if reason is None:
            self.last_call_path = "fused"
            last_output, sequence, states = fast_path.run(self, sequences, states, mask, training)
        elif self.use_fused:
            raise ValueError(f"use_fused=True, but layer '{self.name}' cannot run the fused kernel: {reason}. "
                             "Pass use_fused=None to fall back to the generic loop.")
        else:
            self.last_call_path = "generic"
            last_output, sequence, states = self._loop(sequences, states, mask, training)
        return self._finish_call(last_output, sequence, states)

    def _prepare_call(self, sequences: Any, initial_state: Any, mask: Any) -> tuple[Any, list]:
        """Check the inputs and the mask; returns (mask, initial states)."""
        if isinstance(sequences, list):
            raise ValueError(_list_input_message(self, len(sequences)))
        _check_rank(self, sequences.shape)
        batch, steps, features = sequences.shape
        if features != self.input_dim:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected axis -1 of input "
                f"shape to have value {self.input_dim} (the feature size it was built with), but received "
                f"input with shape {tuple(sequences.shape)}. A recurrent layer keeps the input size of its "
                f"first call; feeding its {self.output_size}-d outputs back in needs a layer built for "
                f"{self.output_size} features (e.g. a Dense projection back to {self.input_dim}).")
        if sequences.dtype.kind != "f":
            raise TypeError(f"Input 0 of layer '{self.name}' must hold floats, got dtype {sequences.dtype}. "
                            "Token ids go through an Embedding layer first.")
        if steps == 0:
            raise ValueError(f"Input 0 of layer '{self.name}' has no time steps: shape {tuple(sequences.shape)}")
        mask = _check_mask(self, mask, batch, steps)
        return mask, self._initial_states(initial_state, batch)

    def _finish_call(self, last_output: Tensor, sequence: Any, states: list) -> Any:
        """Keep the states of a stateful layer; return the output, then the states if return_state."""
        if self.stateful:
            self.states = _map_states(states, lambda s: s.detach())
        output = sequence if self.return_sequences else last_output
        return (output, *states) if self.return_state else output

    def fused_unavailable_reason(self, mask: Any) -> str | None:
        """Why this call cannot take the fast path (None if it can); ``use_fused=False`` is a reason."""
        return fast_path.unavailable_reason(self, mask) if self.use_fused is not False else "use_fused=False"

    def _loop(self, sequences: Tensor, states: list, mask: Any, training: bool) -> tuple:
        """The generic loop: one cell call per step. Returns (last output, sequence or None, states)."""
        batch, steps, features = sequences.shape
        cell = self.cell
        cell_kwargs = {"training": training} if call_accepts(type(cell).call, "training") else {}
        inputs = sequences.split(steps, axis=1)  # T pieces of (B, 1, D): one graph node, not T slices
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        # Keras's rule: a masked step repeats the previous output, and zeros before the first unmasked step.
        previous_output = None
        outputs = []
        _reset_dropout_masks(cell)
        try:
            for t in order:
                output, new_states = cell.call(inputs[t].reshape(batch, features), states, **cell_kwargs)
                if not isinstance(new_states, (list, tuple)):
                    new_states = [new_states]
                if mask is not None and not mask[:, t].all():
                    keep = mask[:, t:t + 1]  # (B, 1): broadcasts over the units
                    new_states = _map_states(new_states, lambda new, old: where(keep, new, old), states)
                    fallback = 0.0 if self.zero_output_for_mask or previous_output is None else previous_output
                    output = where(keep, output, fallback)
                states, previous_output = list(new_states), output
                if self.return_sequences:
                    outputs.append(output)
        finally:
            _reset_dropout_masks(cell)
        sequence = stack(outputs, axis=1) if self.return_sequences else None
        return previous_output, sequence, states

    # ------------------------------------------------------------------ states
    def _state_structure(self) -> list:
        """State sizes as the states are nested: [U] (SimpleRNN, GRU), [U, U] (LSTM), per cell for a stack."""
        size = self.cell.state_size
        if isinstance(self.cell, StackedRNNCells):
            return [list(flat_state_sizes(s)) for s in size]
        return flat_state_sizes(size)

    def _initial_states(self, initial_state: Any, batch: int) -> list:
        """The states to start from: given, stored (stateful) or zeros; checked against the cell."""
        if self.stateful:
            stored_batch = self.states[0] if not isinstance(self.states[0], list) else self.states[0][0]
            if stored_batch.shape[0] != batch:
                raise ValueError(
                    "If an RNN is stateful, the batch size of the input sequences must be the same as the batch "
                    f"size of the initial state. \n- Expected batch size: {stored_batch.shape[0]}\n- Received batch "
                    f"size: {batch}\n(layer '{self.name}'. Feed batches of one size, e.g. drop the last partial "
                    "batch; reset_state() zeroes the states but keeps their batch size.)")
        if initial_state is None:
            return list(self.states) if self.stateful else self.get_initial_state(batch)
        structure = self._state_structure()
        given = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
        flat_given = _flatten_states(given)
        sizes = flat_state_sizes(structure)
        if len(flat_given) != len(sizes):
            raise ValueError(
                f"initial_state: layer '{self.name}' ({type(self.cell).__name__}) has {len(sizes)} state(s) of "
                f"sizes {structure}{_state_names(self.cell)}, got {len(flat_given)} array(s).")
        tensors = []
        for i, (value, size) in enumerate(zip(flat_given, sizes)):
            state = self._to_tensor(value)
            if state.shape != (batch, size):
                raise ValueError(f"initial_state: state {i} of layer '{self.name}' must have shape (batch, {size}) "
                                 f"= {(batch, size)}, got shape {tuple(state.shape)}")
            tensors.append(state)
        return _pack_like(structure, tensors)

    def reset_state(self) -> None:
        """Set the stored states of a stateful layer back to zeros (a no-op if not stateful)."""
        if self.stateful and self.states is not None:
            batch = _flatten_states(self.states)[0].shape[0]
            self.states = self.get_initial_state(batch)

    def reset_states(self) -> None:
        """Keras 2's name for ``reset_state`` (Keras 3 keeps both, without arguments)."""
        self.reset_state()

    def to(self, device: str) -> "RNN":
        super().to(device)
        if self.states is not None:
            self.states = _map_states(self.states, lambda s: s.to(device))
        return self

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "zero_output_for_mask": self.zero_output_for_mask}
        if type(self) is RNN:
            config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "RNN":
        config = dict(config)
        if "cell" in config:
            cell = config.pop("cell")
            return cls(deserialize_layer(cell, custom_objects) if isinstance(cell, dict) else cell, **config)
        return cls(**config)


# ---------------------------------------------------------------------- checks
def _use_fused_from_keras(use_cudnn: Any, use_fused: Any) -> bool | None:
    """``use_fused`` wins; Keras's ``use_cudnn`` ('auto', True, False) is understood too."""
    if use_fused not in (None, True, False):
        raise ValueError(f"use_fused: expected None, True or False, got {use_fused!r}")
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid value received for argument `use_cudnn`. Expected one of {'auto', True, False}. "
                         f"Received: use_cudnn={use_cudnn}")
    if use_fused is None and use_cudnn != "auto":
        return use_cudnn
    return use_fused


def _check_rank(layer: Layer, shape: tuple) -> None:
    if len(shape) != 3:
        raise ValueError(
            f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected ndim=3, found "
            f"ndim={len(shape)}. Full shape received: {tuple(shape)}. Recurrent layers take (batch, time, "
            "features); for a single sequence add a batch axis, e.g. x[None].")


def _list_input_message(layer: Layer, count: int) -> str:
    return (f"Layer '{layer.name}' got a list of {count} inputs. A recurrent layer takes one (batch, time, features) "
            "array; pass states with initial_state=[...] (Keras 2's layer([x, h0, c0]) form is gone).")


def _check_mask(layer: Layer, mask: Any, batch: int, steps: int) -> Any:
    if mask is None:
        return None
    if isinstance(mask, list):
        mask = mask[0]
    if tuple(mask.shape) != (batch, steps):
        raise ValueError(f"mask: layer '{layer.name}' expects a boolean mask of shape (batch, time) = "
                         f"{(batch, steps)}, got shape {tuple(mask.shape)}")
    return mask


def _state_names(cell: Layer) -> str:
    names = {"LSTMCell": " ([h, c])", "GRUCell": " ([h])", "SimpleRNNCell": " ([h])"}
    return names.get(type(cell).__name__, "")


# ------------------------------------------------------------- nested states
def _flatten_states(states: Any) -> list:
    if isinstance(states, (list, tuple)):
        return [leaf for item in states for leaf in _flatten_states(item)]
    return [states]


def _pack_like(structure: list, flat: list) -> list:
    """Rebuild the nesting of ``structure`` (lists of sizes) from a flat list of Tensors."""
    position = iter(flat)

    def pack(item: Any) -> Any:
        return [pack(s) for s in item] if isinstance(item, list) else next(position)

    return [pack(item) for item in structure]


def _map_states(states: list, fn: Any, *others: list) -> list:
    """Apply ``fn`` leaf by leaf to nested lists of Tensors of the same shape."""
    return [_map_states(s, fn, *(o[i] for o in others)) if isinstance(s, (list, tuple))
            else fn(s, *(o[i] for o in others)) for i, s in enumerate(states)]


def _map_sizes(structure: list, fn: Any) -> list:
    return [_map_sizes(s, fn) if isinstance(s, list) else fn(s) for s in structure]


def _reset_dropout_masks(cell: Any) -> None:
    """Forget the cell's dropout masks: the next call draws new ones."""
    if hasattr(cell, "reset_dropout_mask"):
        cell.reset_dropout_mask()
    if hasattr(cell, "reset_recurrent_dropout_mask"):
        cell.reset_recurrent_dropout_mask()

