"""``Dense``: y = activation(x @ kernel + bias) on the last axis of any input."""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..checks import check_positive_int
from . import activations
from .layer import Layer
from .weight import serialize_regularizer, set_weight_options, weight_options_config


class Dense(Layer):
    """A fully connected layer, Keras's ``Dense``.

    It acts on the last axis only, so a (batch, time, features) input is transformed at every
    time step with the same weights (no ``TimeDistributed`` needed); masks pass through.

    Args:
        units: output features U (a positive integer).
        activation: name, callable or None (identity).
        use_bias: add ``bias`` (U,).
        kernel_initializer, bias_initializer: for ``kernel`` (D, U) and ``bias``.
        kernel_regularizer, bias_regularizer: weight penalties added to the training loss.
        activity_regularizer: penalty on the output (divided by the batch size).
        kernel_constraint, bias_constraint: None or a callable Tensor -> Tensor that ``fit`` applies
            to the weight after each optimizer step.

    Shapes: (..., D) -> (..., U).
    """

    supports_masking = True

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_positive_int(units, "units", "a positive integer")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(self, ("kernel", "bias"), locals())

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 2:
            raise ValueError(f"Dense '{self.name}': expected inputs with at least 2 axes (batch, ..., features), "
                             f"got shape {tuple(input_shape)}")
        if input_shape[-1] is None:
            raise ValueError(f"Dense '{self.name}': the last axis of the input (features) must be known, "
                             f"got shape {tuple(input_shape)}")
        self.kernel = self.add_weight((input_shape[-1], self.units), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs: Tensor) -> Tensor:
        features = self.kernel.shape[0]
        if inputs.ndim < 2 or inputs.shape[-1] != features:
            raise ValueError(f"Dense '{self.name}' was built for {features} input features, got inputs of shape "
                             f"{inputs.shape}")
        if inputs.dtype.kind in "biu":  # Keras computes int or bool inputs in the layer's float dtype
            inputs = inputs.astype(self.dtype)
        # One 2-D matmul over all leading axes: (N, D) @ (D, U).
        flat = inputs.reshape(-1, features) if inputs.ndim > 2 else inputs
        y = flat @ self.kernel
        if self.bias is not None:
            y = y + self.bias
        if inputs.ndim > 2:
            y = y.reshape(inputs.shape[:-1] + (self.units,))
        return self.activation(y)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias, **weight_options_config(self, ("kernel", "bias")),
                "activity_regularizer": serialize_regularizer(self.activity_regularizer)}
