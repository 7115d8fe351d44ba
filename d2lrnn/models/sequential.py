"""``Sequential``: a stack of Keras-style layers with compile / fit / evaluate / predict.

A model is itself a ``Layer``: calling it runs the layers in order, masks travel from
``Embedding(mask_zero=True)`` or ``Masking`` to the layers after them, ``model.weights`` lists
every layer's weights, and ``model.losses`` every regularization penalty.

    model = Sequential([Input((20,), dtype="int32"), Embedding(1000, 64), LSTM(128), Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2)
    model.summary()
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy

from .. import backend
from ..autograd import Tensor
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import Layer
from ..layers.serialization import deserialize_layer, serialize_layer
from .summary import DEFAULT_LINE_LENGTH, format_shape, summary_text
from .trainer import OPTIMIZERS, TrainableModel


class Sequential(TrainableModel):
    """A linear stack of layers.

    Args:
        layers: the layers in order; the first may be ``Input(shape)``, or the first layer may
            get ``input_shape=``. Either one lets the model build (and ``summary()``) at once;
            otherwise it builds on the first call, from the data's shape.
        name: default 'sequential', 'sequential_1', ...

    Call: ``model(x, training=False)`` runs every layer (dropout only with ``training=True``).
    compile / fit / evaluate / predict / save come from ``TrainableModel``.
    """

    single_input = True  # a list x is one array (e.g. strings for TextVectorization)

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._layers: list[Layer] = []
        self._output_shapes: list[Any] = []
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------- structure
    @property
    def output_names(self) -> list[str]:
        """One name, the last layer's (as in Keras)."""
        return [self._layers[-1].name] if self._layers else [self.name]

    @property
    def layers(self) -> list[Layer]:
        """The layers, without the Input placeholder (as in Keras)."""
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append ``layer``; an ``Input`` is only allowed first."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history.layer, InputLayer):
            layer = layer._keras_history.layer  # Input(...) gives its tensor; the model keeps the layer
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("add: an Input can only be the first entry of a Sequential model")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(layer is existing for existing in self._layers):
                raise ValueError(f"add: layer '{layer.name}' is already in the model")
            self._layers.append(layer)
            self._output_shapes.append(None)
        else:
            raise TypeError(f"add: expected a Layer (e.g. layers.Dense(8)) or Input(shape), got {layer!r} "
                            f"(of type {type(layer).__name__})")
        self.built = False
        shape = self._declared_input_shape()
        if shape is not None:
            self.build(shape)

    def _declared_input_shape(self) -> tuple | None:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._layers and self._layers[0].declared_input_shape is not None:
            return (None,) + self._layers[0].declared_input_shape
        return None

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if (name is None) == (index is None):
            raise ValueError(f"get_layer: give exactly one of name and index, got name={name!r}, index={index!r}")
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model of {len(self._layers)} "
                                 "layers")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are {[l.name for l in self._layers]}")

    # ---------------------------------------------------------------- building
    def maybe_build(self, input_shape: Any) -> None:
        # Reached from a call on data when no input shape was declared: any batch size will do,
        # except for stateful layers, whose states need the data's batch size (Keras keeps it too).
        # The layers build under their own names (weight paths like 'dense/kernel').
        if not self.built:
            stateful = any(getattr(layer, "stateful", False) for layer in self._layers)
            batch_size = input_shape[0] if stateful else None
            self.build((batch_size,) + tuple(input_shape[1:]))

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first), as far as shapes can be
        inferred without data; layers that cannot infer theirs build on the first call."""
        shape = tuple(input_shape) if input_shape is not None else self._declared_input_shape()
        if shape is None:
            raise ValueError(f"build: model '{self.name}' does not know its input shape; pass input_shape, start "
                             "with Input(shape), or call the model on data")
        for i, layer in enumerate(self._layers):
            try:
                layer.maybe_build(shape)
                shape = layer.compute_output_shape(shape)
            except NotImplementedError:
                break
            self._output_shapes[i] = shape
            self._check_single_output(i, isinstance(shape, list))
        self.built = True

    # ------------------------------------------------------------------ calling
    def _convert_inputs(self, inputs: Any) -> Any:
        # Each layer converts its own inputs (the first one may take strings, e.g. TextVectorization).
        if isinstance(inputs, Tensor) or backend.is_gpu_array(inputs):
            return inputs
        return numpy.asarray(inputs)

    def call(self, inputs: Any, mask: Any = None, training: bool = False) -> Any:
        if not self._layers:
            raise ValueError(f"model '{self.name}' has no layers; add some first")
        x = inputs
        for i, layer in enumerate(self._layers):
            x = layer(x, mask=mask if i == 0 else None, training=training)
            self._check_single_output(i, isinstance(x, (tuple, list)))
            if self._output_shapes[i] is None:
                self._output_shapes[i] = _symbolic_shape(x)
        return x

    def _check_single_output(self, index: int, several: bool) -> None:
        """A layer with several outputs (e.g. return_state=True) can only be the last of a Sequential."""
        if several and index < len(self._layers) - 1:
            layer = self._layers[index]
            raise ValueError(
                f"Sequential: layer '{layer.name}' returns several tensors (return_state=True or merge_mode=None), "
                f"but layer '{self._layers[index + 1].name}' follows it and takes one input. Put that layer last, "
                "or drop return_state and use return_sequences to pass a sequence on.")

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self._layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def _needs_data_to_build(self) -> bool:
        return not self.built or any(shape is None for shape in self._output_shapes)

    # --------------------------------------------------------- state and weights
    # ------------------------------------------------------------------ summary
    def summary(self, line_length: int = DEFAULT_LINE_LENGTH, print_fn: Callable[[str], Any] | None = None) -> None:
        """Print the Keras 3 table: each layer's name (type), output shape (None = any batch size) and
        parameter count, then the total, trainable and non-trainable parameters with their memory."""
        rows = []
        for layer, shape in zip(self._layers, self._output_shapes):
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", format_shape(shape), params))
        text = summary_text(self, rows, line_length)
        (print_fn or print)(text)

    def get_config(self) -> dict:
        """{'name', 'trainable', 'dtype', 'layers': [serialized layers, the Input first if any]}."""
        config = super().get_config()
        entries = ([self._input_layer] if self._input_layer is not None else []) + self._layers
        config["layers"] = [serialize_layer(layer) for layer in entries]
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Sequential":
        """A new model with the same layers (new weights); ``custom_objects`` maps names to your classes."""
        config = dict(config)
        entries = [deserialize_layer(entry, custom_objects) for entry in config.pop("layers", [])]
        return cls(entries, **config)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, layers={[layer.name for layer in self._layers]}, built={self.built}>"


def _symbolic_shape(outputs: Any) -> Any:
    """The shape(s) of a call's outputs with the batch axis replaced by None."""
    if isinstance(outputs, (list, tuple)):
        return [_symbolic_shape(o) for o in outputs]
    return (None,) + tuple(outputs.shape[1:])


__all__ = ["Sequential", "OPTIMIZERS"]
