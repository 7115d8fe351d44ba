"""``Dropout``: randomly zero inputs while training (inverted dropout)."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..autograd.functional import dropout
from .layer import Layer


class Dropout(Layer):
    """Keras's ``Dropout``: with ``training=True`` each element is zeroed with probability ``rate``
    and the others are scaled by 1 / (1 - rate); otherwise the input passes unchanged.
    ``rate=1`` drops everything: the training output is all zeros.

    ``fit`` calls the model with ``training=True``; ``predict``, ``evaluate`` and a plain call do not.
    Random draws come from ``numpy.random`` (``d2lrnn.seed``). Masks pass through.

    Shapes: any -> the same.
    """

    supports_masking = True

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value in [0, 1], "
                             f"got rate={rate!r}")
        self.rate = float(rate)

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if self.rate < 1:
            return dropout(inputs, self.rate, training=training)
        # rate 1 keeps nothing, so there is nothing to scale by 1 / (1 - rate).
        return inputs * 0.0 if training else inputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}
