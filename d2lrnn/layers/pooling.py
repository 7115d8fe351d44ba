"""``GlobalAveragePooling1D``: the mean over time of a sequence, counting only its unmasked steps."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor, where
from .layer import Layer


class GlobalAveragePooling1D(Layer):
    """Average over the time axis: (B, T, D) -> (B, D) (``keepdims``: (B, 1, D)).

    With a mask (B, T), padded steps do not count: y = sum_t m_t x_t / sum_t m_t, as Keras does.
    The output carries no mask (no time axis is left). A sequence whose steps are all masked
    gives 0/0 = nan, as in Keras.
    """

    supports_masking = True

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"data_format: only 'channels_last' (batch, time, features) is supported, got "
                             f"{data_format!r}")
        self.data_format = "channels_last"
        self.keepdims = bool(keepdims)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim=3 "
                             f"(batch, time, features), found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is None:
            return inputs.mean(axis=1, keepdims=self.keepdims)
        if tuple(mask.shape) != tuple(inputs.shape[:2]):
            raise ValueError(f"mask: layer '{self.name}' expects a mask of shape (batch, time) = "
                             f"{tuple(inputs.shape[:2])}, got shape {tuple(mask.shape)}")
        weights = Tensor(mask[:, :, None], dtype=inputs.dtype, device=inputs.device)
        kept = where(mask[:, :, None], inputs, 0.0)  # not a product: a nan at a padded step stays out
        return kept.sum(axis=1, keepdims=self.keepdims) / weights.sum(axis=1, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], 1, input_shape[2]) if self.keepdims else (input_shape[0], input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


__all__ = ["GlobalAveragePooling1D"]
