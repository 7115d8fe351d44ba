"""``Activation``: apply an activation function (by name or callable) element-wise."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from . import activations
from .layer import Layer


class Activation(Layer):
    """Keras's ``Activation('relu')``: the function of ``layers.activations`` applied to every element.

    Masks pass through (the time steps do not change). Shapes: any -> the same.
    """

    supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


__all__ = ["Activation"]
