"""``TimeDistributed``: apply one layer to every time step of a sequence, with the same weights."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from .call_context import call_accepts
from .layer import Layer
from .serialization import deserialize_layer, serialize_layer


class TimeDistributed(Layer):
    """Keras's ``TimeDistributed(layer)``: (B, T, ...) -> (B, T, ...layer's output per step).

    The steps are folded into the batch, (B * T, ...), the layer runs once, and the result is
    unfolded, so every step uses the same weights. The mask (B, T) passes through; a wrapped layer
    whose ``call`` takes a mask gets it folded to (B * T,).
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"layer: expected a Layer instance such as layers.Dense(8), got {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def _inner_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                             f"received: {tuple(input_shape)} (layer '{self.name}')")
        batch, steps = input_shape[:2]
        return (None if batch is None or steps is None else batch * steps,) + tuple(input_shape[2:])

    def build(self, input_shape: tuple) -> None:
        self.layer.maybe_build(self._inner_shape(tuple(input_shape)))

    def call(self, inputs: Tensor, mask: Any = None, training: bool = False) -> Tensor:
        batch, steps = inputs.shape[:2]
        folded = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {"training": training}
        if mask is not None and call_accepts(type(self.layer).call, "mask"):
            kwargs["mask"] = mask.reshape(-1)
        outputs = self.layer(folded, **kwargs)
        return outputs.reshape((batch, steps) + tuple(outputs.shape[1:]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        inner = self.layer.compute_output_shape(self._inner_shape(tuple(input_shape)))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "TimeDistributed":
        config = dict(config)
        layer = config.pop("layer")
        return cls(deserialize_layer(layer, custom_objects) if isinstance(layer, dict) else layer, **config)


__all__ = ["TimeDistributed"]
