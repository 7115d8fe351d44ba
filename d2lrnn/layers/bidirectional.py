"""``Bidirectional``: read a sequence in both directions and merge the two readings.

    forward  = copy of layer,                     reads x_0 .. x_{T-1}
    backward = copy of layer with go_backwards,   reads x_{T-1} .. x_0
    output_t = merge(forward_t, backward_t)

With ``return_sequences`` the backward sequence is flipped back in time before merging, so
position t pairs the forward state after x_0..x_t with the backward state after x_{T-1}..x_t.
Without it, the forward layer's last output meets the backward layer's last output (the one
after reading x_0). Masked steps of returned sequences are zeros in both halves.

Where both layers can take the fast path, one bidirectional kernel call runs the two
directions in the same time loop (``fast_path.run_bidirectional``).
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from . import fast_path
from .layer import Layer
from .merge import MERGE_MODES, merge
from .rnn import RNN
from .serialization import deserialize_layer, serialize_layer


class Bidirectional(Layer):
    """Bidirectional wrapper for recurrent layers.

    Args:
        layer: a recurrent layer (LSTM, GRU, SimpleRNN, RNN). It serves as a template: the
            forward layer is a fresh copy named 'forward_<name>' (its weights are not reused).
        merge_mode: 'concat' (default; forward features first), 'sum', 'mul', 'ave', or None
            (return the two outputs separately).
        weights: initial weights (forward then backward, as ``get_weights`` lists them), set
            when the layer is built. Keras 3 accepts this argument and ignores it.
        backward_layer: the layer for the backward direction, used as given; it must have
            go_backwards=True (unlike ``layer``) and the same return_sequences, return_state
            and stateful. By default a copy of ``layer`` with go_backwards=True.

    Call: ``layer(x, initial_state=None, mask=None, training=None)``. ``initial_state`` holds
    the forward states then the backward states: LSTM [h_f, c_f, h_b, c_b], GRU [h_f, h_b].
    With ``return_state`` the result is (output, *forward states, *backward states); with
    merge_mode=None, (y_forward, y_backward, *forward states, *backward states).
    """

    supports_masking = True

    def __init__(self, layer: Any, merge_mode: str | None = "concat", weights: list | None = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        _check_recurrent_layer(layer, "layer")
        if backward_layer is not None:
            _check_recurrent_layer(backward_layer, "backward_layer")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        kwargs.setdefault("dtype", layer.dtype)
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, "forward_" + _without_prefix(layer.name, "forward_"))
        if backward_layer is None:
            self.backward_layer = _copy(layer, "backward_" + _without_prefix(layer.name, "backward_"),
                                        go_backwards=True)
        else:
            self.backward_layer = backward_layer
        _check_mirrored(self.forward_layer, self.backward_layer)
        self.merge_mode = merge_mode
        self.initial_weights = weights
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        # Masked steps of returned sequences are zeros in both halves (Keras does the same).
        for sublayer in (self.forward_layer, self.backward_layer):
            sublayer.zero_output_for_mask = self.return_sequences
        self.last_call_path: str | None = None

    # ------------------------------------------------------------------- build
    def build(self, input_shape: tuple) -> None:
        self.forward_layer.maybe_build(input_shape)
        self.backward_layer.maybe_build(input_shape)
        if self.initial_weights is not None:
            self.set_weights(self.initial_weights)
            self.initial_weights = None

    # -------------------------------------------------------------------- call
    def call(self, sequences: Tensor, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        """sequences (B, T, D) -> the merged output, then the forward and backward states if return_state."""
        forward_state, backward_state = self._split_initial_state(initial_state)
        fused = self._call_fused(sequences, forward_state, backward_state, mask, training)
        if fused is not None:
            y_forward, y_backward = fused
        else:
            y_forward = self.forward_layer(sequences, initial_state=forward_state, mask=mask, training=training)
            y_backward = self.backward_layer(sequences, initial_state=backward_state, mask=mask, training=training)
        states: list = []
        if self.return_state:
            states = list(y_forward[1:]) + list(y_backward[1:])
            y_forward, y_backward = y_forward[0], y_backward[0]
        if self.return_sequences:
            y_backward = y_backward[:, ::-1]  # back to time order: position t holds the reading of x_{T-1}..x_t
        paths = {self.forward_layer.last_call_path, self.backward_layer.last_call_path}
        self.last_call_path = paths.pop() if len(paths) == 1 else "mixed"

        outputs = merge(y_forward, y_backward, self.merge_mode)
        if len(outputs) == 1 and not states:
            return outputs[0]
        return tuple(outputs + states)

    def _call_fused(self, sequences: Tensor, forward_state: Any, backward_state: Any, mask: Any,
                    training: bool) -> tuple | None:
        """Both directions in one fused kernel call (one time loop), or None where that cannot run.

        Returns what the two layers' own calls would return.
        """
        layers = (self.forward_layer, self.backward_layer)
        if not all(isinstance(layer, RNN) for layer in layers):
            return None
        if fast_path.bidirectional_unavailable_reason(*layers, training) is not None:
            return None
        prepared = [layer._prepare_call(sequences, state, mask)
                    for layer, state in zip(layers, (forward_state, backward_state))]
        mask = prepared[0][0]
        if any(layer.fused_unavailable_reason(mask) is not None for layer in layers):
            return None
        results = fast_path.run_bidirectional(*layers, sequences, prepared[0][1], prepared[1][1], mask)
        outputs = []
        for layer, result in zip(layers, results):
            layer.last_call_path = "fused"
            outputs.append(layer._finish_call(*result))
        return tuple(outputs)

    def _split_initial_state(self, initial_state: Any) -> tuple:
        """[forward states..., backward states...] -> (forward half, backward half)."""
        if initial_state is None:
            return None, None
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        forward_count = _state_count(self.forward_layer)
        expected = forward_count + _state_count(self.backward_layer)
        if len(states) != expected:
            raise ValueError(
                f"initial_state: {self.name} takes the forward states then the backward states, "
                f"{expected} arrays{_state_order_hint(self.forward_layer)}, got {len(states)}.")
        return states[:forward_count], states[forward_count:]

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: tuple) -> Any:
        forward = self.forward_layer.compute_output_shape(input_shape)
        backward = self.backward_layer.compute_output_shape(input_shape)
        if self.return_state:
            (forward, *forward_states), (backward, *backward_states) = forward, backward
        else:
            forward_states, backward_states = [], []
        if self.merge_mode is None:
            outputs = [forward, backward]
        elif self.merge_mode == "concat":
            outputs = [forward[:-1] + (forward[-1] + backward[-1],)]
        else:
            outputs = [forward]
        if not self.return_state:
            return outputs if self.merge_mode is None else outputs[0]
        return outputs + list(forward_states) + list(backward_states)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return masks + [None] * (_state_count(self.forward_layer) + _state_count(self.backward_layer))
        return masks if self.merge_mode is None else output_mask

    # ------------------------------------------------------------------ states
    @property
    def states(self) -> list | None:
        """The stored states of both directions (forward first) when stateful, else None."""
        if self.forward_layer.states is None or self.backward_layer.states is None:
            return None
        return list(self.forward_layer.states) + list(self.backward_layer.states)

    def reset_state(self) -> None:
        """Zero the states of both directions (only for stateful layers)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Bidirectional":
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if isinstance(backward, dict):
            backward = deserialize_layer(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)


def _check_recurrent_layer(layer: Any, argument: str) -> None:
    """A recurrent LAYER: not a cell, not a non-recurrent layer, not something else."""
    if not isinstance(layer, Layer):
        raise ValueError(f"Please initialize `Bidirectional` layer with a `Layer` instance (`{argument}`). "
                         f"Received: {layer!r}")
    if hasattr(layer, "state_size") and not hasattr(layer, "return_sequences"):
        kind = type(layer).__name__
        wrapped = kind[:-len("Cell")] if kind in ("SimpleRNNCell", "LSTMCell", "GRUCell") else None
        use = f"{wrapped}(units)" if wrapped else "RNN(cell)"
        raise ValueError(f"Bidirectional: `{argument}` is the cell {kind}, which computes one time step. "
                         f"Bidirectional wraps a layer that loops over time: use {use}, or RNN({kind}(units)).")
    missing = [a for a in ("go_backwards", "return_sequences", "return_state") if not hasattr(layer, a)]
    if missing:
        raise ValueError(f"Bidirectional: `{argument}` must be a recurrent layer (LSTM, GRU, SimpleRNN, RNN), "
                         f"got {type(layer).__name__} '{layer.name}', which has no {', '.join(missing)}.")


def _check_mirrored(forward: Layer, backward: Layer) -> None:
    if forward.go_backwards == backward.go_backwards:
        raise ValueError("Forward layer and backward layer should have different `go_backwards` value. Received: "
                         f"forward_layer.go_backwards {forward.go_backwards}, "
                         f"backward_layer.go_backwards={backward.go_backwards}")
    for attribute in ("stateful", "return_sequences", "return_state"):
        forward_value, backward_value = getattr(forward, attribute), getattr(backward, attribute)
        if forward_value != backward_value:
            raise ValueError(f"Forward layer and backward layer are expected to have the same value for attribute "
                             f'"{attribute}", got "{forward_value}" for forward layer and "{backward_value}" '
                             "for backward layer")


def _copy(layer: Layer, name: str, **overrides: Any) -> Layer:
    """A new, unbuilt layer with ``layer``'s configuration (and its use_fused, which configs omit)."""
    config = serialize_layer(layer)
    config["config"] = {**config["config"], "name": name, **overrides}
    copy = deserialize_layer(config)
    if hasattr(layer, "use_fused"):
        copy.use_fused = layer.use_fused
    return copy


def _without_prefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _state_count(layer: Layer) -> int:
    """How many state tensors a recurrent layer returns (LSTM 2, GRU 1)."""
    cell = getattr(layer, "cell", None)
    if cell is None:
        return 1
    size = cell.state_size
    return len(size) if isinstance(size, (list, tuple)) else 1


def _state_order_hint(layer: Layer) -> str:
    count = _state_count(layer)
    if count == 2:
        return " ([h_f, c_f, h_b, c_b])"
    if count == 1:
        return " ([h_f, h_b])"
    return ""
