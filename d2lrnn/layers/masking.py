"""``Masking``: mark the time steps whose features all equal ``mask_value`` as padding."""
from __future__ import annotations

import numbers

from typing import Any

from ..autograd import Tensor
from .layer import Layer


class Masking(Layer):
    """Keras's ``Masking``: a step is masked when **every** feature equals ``mask_value`` exactly.

    The output is the input with masked steps set to 0 (also when ``mask_value`` is not 0, as in
    Keras), and it carries the mask ``any(x != mask_value, axis=-1)`` for the layers after it.

    Shapes: (B, T, D) -> (B, T, D), mask (B, T).
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"mask_value: expected a number, got {mask_value!r}")
        self.mask_value = mask_value

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.ndim < 2:
            raise ValueError(f"Masking '{self.name}': expected inputs (batch, ..., features), got shape "
                             f"{inputs.shape}")
        keep = self.compute_mask(inputs)
        return inputs * Tensor._wrap(keep[..., None].astype(inputs.dtype), False)

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Any:
        """``any(x != mask_value, axis=-1)``: True for the steps to use."""
        return (inputs.data != self.mask_value).any(axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
