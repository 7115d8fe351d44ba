"""``Layer``: the Keras-style building block, on top of ``d2lrnn.nn.Module``.

What a Layer adds to a Module, following Keras 3:

- ``layer(inputs, ...)`` accepts NumPy arrays, lists or Tensors (floating data is cast to the
  layer's ``dtype``, integers stay integers) and builds the weights on the first call, when the
  input shape is known (``build(input_shape)``, shapes include the batch dimension);
- weights are created with ``add_weight`` and listed in Keras order by ``weights``;
  ``get_weights``/``set_weights`` exchange them as NumPy arrays;
- ``losses`` recomputes the weight penalties from the current values on every read;
- masks travel with tensors: ``__call__`` attaches the mask computed by ``compute_mask`` to the
  output, and the next layer picks it up (``mask_of``);
- ``training`` flows from the outermost call to every layer called inside it (default False, so
  dropout is off unless a training loop asks for it);
- names are unique per kind: ``lstm``, ``lstm_1``, ... (``clear_session`` restarts the count).
"""
from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy

from .. import backend, regularizers
from ..autograd import Tensor, converted_weight
from ..nn import Module, Parameter
from . import initializers
from .call_context import call_accepts, context
from .keras_tensor import any_keras_tensor
from .masks import attach_mask, mask_of, mask_of_inputs, masks_per_output
from .naming import build_scope, to_snake_case, unique_name, weight_path
from .auto_config import auto_config, completed_auto_config
from .serialization import LAYER_CLASSES
from .weight import OwnWeights, Weight, float_dtype_name, get_constraint


class Layer(Module):
    """Base class of the Keras-style layers.

    Subclasses define ``build(input_shape)`` (create weights with ``add_weight``), ``call(inputs,
    ...)`` (the computation on Tensors), ``compute_output_shape(input_shape)`` and ``get_config``.
    A ``call`` that declares ``mask`` or ``training`` parameters receives them.

    Args:
        name: unique default from the class name ('lstm', 'lstm_1', ...).
        trainable: False freezes every weight of the layer and its sub-layers.
        dtype: 'float32' (default) or 'float64' (used for gradient checks): weights and inputs.
        activity_regularizer: penalty on every output, divided by the batch size (Keras >= 3.14).
        input_shape: shape without the batch axis, for the first layer of a Sequential model.
    """

    supports_masking: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[cls.__name__] = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> "Layer":
        # Keras 3's automatic config: remember the constructor's arguments, so that a subclass
        # without get_config can still be copied (Bidirectional) and rebuilt (from_config).
        instance = super().__new__(cls)
        instance._auto_config = auto_config(cls, args, kwargs)
        return instance

    def __init__(self, *, activity_regularizer: Any = None, trainable: bool = True, dtype: Any = None,
                 name: str | None = None, **kwargs: Any) -> None:
        input_dim = kwargs.pop("input_dim", None)
        input_shape = (input_dim,) if input_dim is not None else kwargs.pop("input_shape", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name: expected a string, got {name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.declared_input_shape = tuple(input_shape) if input_shape is not None else None
        self._dtype = float_dtype_name(dtype)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._trainable = bool(trainable)
        self._own_weights = OwnWeights()
        self._call_losses: list[Tensor] = []
        self._warned_mask_dropped = False
        self.built = False

    # ------------------------------------------------------------- properties
    @property
    def dtype(self) -> str:
        """The dtype of weights and computations: 'float32' unless given."""
        return self._dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for w in self._own_weights.trainable:
            w.trainable = self._trainable
        for layer in self._sublayers():
            layer.trainable = self._trainable

    @property
    def weights(self) -> list[Weight]:
        """Own trainable, own non-trainable, then each sub-layer's weights (Keras's order)."""
        result = self._own_weights.trainable + self._own_weights.non_trainable
        seen = {id(w) for w in result}
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    result.append(w)
        return result

    @property
    def trainable_weights(self) -> list[Weight]:
        return [w for w in self.weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Weight]:
        return [w for w in self.weights if not w.trainable] if self.trainable else self.weights

    @property
    def losses(self) -> list[Tensor]:
        """Scalar penalties: activity losses of the last call (this layer's, then its sub-layers'),
        then the weight penalties of the trainable weights, recomputed from their current values."""
        result = list(self._call_losses)
        for layer in self._flatten_layers(include_self=False):
            result.extend(layer._call_losses)
        for w in self.trainable_weights:
            if w.regularizer is not None:
                result.append(w.regularizer(w))
        return result

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Parameters named by the attributes holding them ('cell.kernel'), then any weight held
        by no attribute, named by its path ('lstm/lstm_cell/kernel')."""
        seen = set()
        for name, p in super().named_parameters():
            seen.add(id(p))
            yield name, p
        for w in self.weights:
            if id(w) not in seen:
                seen.add(id(w))
                yield w.path, w

    def add_loss(self, loss: Tensor) -> None:
        """Record a scalar loss for this call (read back through ``losses``)."""
        self._call_losses.append(loss)

    # ----------------------------------------------------------------- weights
    def add_weight(self, shape: tuple, initializer: Any = None, *, regularizer: Any = None, constraint: Any = None,
                   trainable: bool = True, name: str | None = None, dtype: Any = None) -> Weight:
        """Create, initialise and register a weight of the given shape.

        ``initializer`` is a name ('glorot_uniform', 'orthogonal', 'zeros', ...), an initializer
        object or a callable(shape, dtype) returning an array; default 'glorot_uniform'.
        """
        shape = tuple(int(n) for n in shape)
        dtype = float_dtype_name(dtype or self.dtype)
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        values = numpy.asarray(init(shape, dtype))
        if values.shape != shape:
            raise ValueError(f"add_weight: initializer {init!r} returned shape {values.shape}, "
                             f"expected {shape} for weight {name!r} of layer '{self.name}'")
        weight = Weight(values, requires_grad=trainable and self.trainable, dtype=dtype, device=self._device())
        weight.name = name or f"variable_{len(self.weights)}"
        weight.path = weight_path(self.name, weight.name)
        weight.regularizer = regularizers.get(regularizer)
        weight.constraint = get_constraint(constraint)
        (self._own_weights.trainable if trainable else self._own_weights.non_trainable).append(weight)
        return weight

    def get_weights(self) -> list[numpy.ndarray]:
        """NumPy copies of ``weights``, in Keras order (LSTM: kernel, recurrent_kernel, bias)."""
        return [backend.to_numpy(w.data).copy() for w in self.weights]

    def set_weights(self, weights: list) -> None:
        """Copy arrays (NumPy, Tensor or torch) into ``weights``, in the same order and shapes."""
        own = self.weights
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights: expected a list of arrays (as get_weights returns), got "
                            f"{type(weights).__name__}")
        if len(weights) != len(own):
            hint = "" if self.built else " It is not built yet: call it on an input first."
            raise ValueError(f"set_weights: layer '{self.name}' has {len(own)} weights "
                             f"{[w.path for w in own]}, got a list of {len(weights)} arrays.{hint}")
        # Everything is converted and checked before the first weight changes.
        arrays = [converted_weight(value, w.shape, w.dtype, f"set_weights: weight '{w.path}' of layer '{self.name}'")
                  for w, value in zip(own, weights)]
        for w, array in zip(own, arrays):
            w.data = backend.to_device(array, w.device)

    def count_params(self) -> int:
        """The number of scalars in ``weights`` (the layer must be built)."""
        if not self.built:
            raise ValueError(f"count_params: layer '{self.name}' is not built yet, so it has no weights. "
                             "Call it on an input (or call build(input_shape)) first.")
        return sum(w.size for w in self.weights)

    # ------------------------------------------------------------------ calling
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis included, may be None)."""
        self.built = True

    def maybe_build(self, input_shape: Any) -> None:
        """Run ``build`` once, naming the weights created inside after this layer."""
        if self.built:
            return
        build_scope.names.append(self.name)
        self._build_shape = input_shape  # what a summary of a subclassed model shows shapes from
        try:
            self.build(input_shape)
        finally:
            build_scope.names.pop()
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define call()")

    def __call__(self, inputs: Any, *args: Any, initial_state: Any = None, mask: Any = None,
                 training: bool | None = None, **kwargs: Any) -> Any:
        """Convert the inputs, build if needed, run ``call``, record penalties, attach the output mask.

        On symbolic inputs (KerasTensors from ``Input``) the call is recorded instead (``node.py``).
        """
        if any_keras_tensor(inputs, args, initial_state, mask, kwargs):
            from .node import symbolic_call  # node.py builds on this file
            given = {"initial_state": initial_state, "mask": mask, "training": training}
            return symbolic_call(self, (inputs, *args), {**{k: v for k, v in given.items() if v is not None},
                                                          **kwargs})
        inputs = self._convert_inputs(inputs)
        mask = self._convert_mask(mask) if mask is not None else mask_of_inputs(inputs)
        outer_depth, outer_training = context.depth, context.training
        if training is None:
            training = bool(outer_training) if outer_training is not None else False
        self.maybe_build(_shape_of(inputs))
        if outer_depth == 0:
            for layer in self._flatten_layers():
                layer._call_losses.clear()

        if initial_state is not None:
            if not self._call_accepts("initial_state"):
                raise TypeError(f"{type(self).__name__} '{self.name}' takes no initial_state")
            kwargs["initial_state"] = initial_state
        if self._call_accepts("mask"):
            kwargs["mask"] = mask
        elif (mask is not None and not self.supports_masking and not self._warned_mask_dropped
              and type(self).compute_mask is Layer.compute_mask):  # a compute_mask of its own handles the mask
            warnings.warn(f"Layer '{self.name}' ({type(self).__name__}) was passed an input with a mask "
                          "attached to it. However, this layer does not support masking and will "
                          "therefore destroy the mask information.", stacklevel=2)
            self._warned_mask_dropped = True
        if self._call_accepts("training"):
            kwargs["training"] = training

        context.depth, context.training = outer_depth + 1, training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            context.depth, context.training = outer_depth, outer_training

        if self.activity_regularizer is not None:
            for y in _flatten(outputs):
                self.add_loss(self.activity_regularizer(y) / y.shape[0])
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            output_mask = self.compute_mask(inputs, mask)
            for y, m in zip(_flatten(outputs), masks_per_output(output_mask, outputs)):
                attach_mask(y, m)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the output: the input mask for layers that support masking, else None."""
        return mask if self.supports_masking else None

    @property
    def input(self) -> Any:
        """The KerasTensor(s) of the first symbolic call (a list when there were several)."""
        return self._first_node_tensors("input_tensors", "input")

    @property
    def output(self) -> Any:
        """The output KerasTensor(s) of the first symbolic call (a list when there were several)."""
        return self._first_node_tensors("output_tensors", "output")

    def _first_node_tensors(self, attribute: str, what: str) -> Any:
        nodes = self.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}. "
                                 "(Call it on layers.Input(...) tensors; calls on data keep no symbolic tensors.)")
        values = getattr(nodes[0], attribute)
        return values[0] if len(values) == 1 else list(values)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape`` (None for unknown sizes, e.g. the batch)."""
        raise NotImplementedError(f"{type(self).__name__} does not define compute_output_shape()")

    # ------------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (without its weights).

        A subclass that does not define ``get_config`` gets, as in Keras 3, the arguments its
        constructor was called with (JSON-like values only are expected).
        """
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if type(self).get_config is Layer.get_config and getattr(self, "_auto_config", None) is not None:
            return completed_auto_config(type(self), config, self._auto_config)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """A new layer built from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # ------------------------------------------------------------------ helpers
    def _sublayers(self) -> Iterator["Layer"]:
        """The layers held directly in attributes (also inside lists, tuples and dicts)."""
        for value in vars(self).values():
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) \
                else (value,)
            for item in items:
                if isinstance(item, Layer):
                    yield item

    def _flatten_layers(self, include_self: bool = True) -> list["Layer"]:
        """This layer (optionally) and every layer below it, once each, parents first."""
        result, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            result.append(layer)
            stack.extend(layer._sublayers())
        return result if include_self else result[1:]

    def _device(self) -> str:
        """Where this layer's weights live, its own or its sub-layers' (a wrapper such as LSTM or
        Bidirectional holds none itself); the default device before the first weight."""
        own = self._own_weights.trainable + self._own_weights.non_trainable
        if own:
            return own[0].device
        weights = self.weights
        return weights[0].device if weights else backend.default_device()

    def _call_accepts(self, parameter: str) -> bool:
        return call_accepts(type(self).call, parameter)

    def _convert_inputs(self, inputs: Any) -> Any:
        if isinstance(inputs, (list, tuple)) and inputs and all(_is_array(x) for x in inputs):
            return [self._to_tensor(x) for x in inputs]
        return self._to_tensor(inputs)

    def _to_tensor(self, x: Any) -> Tensor:
        """A Tensor on this layer's device; floating data in this layer's dtype."""
        if isinstance(x, Tensor):
            if x.dtype.kind == "f" and x.dtype != self.dtype:
                converted = x.astype(self.dtype)
                attach_mask(converted, mask_of(x))
                return converted
            return x
        try:
            array = x if backend.is_gpu_array(x) else numpy.asarray(x)
        except ValueError as error:
            raise ValueError(f"{self.name}: inputs must be a rectangular array of numbers, got {type(x).__name__} "
                             f"({error})") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{self.name}: inputs must be numbers, got an array of dtype {array.dtype}")
        dtype = self.dtype if array.dtype.kind == "f" else None
        return Tensor(array, dtype=dtype, device=self._device())

    def _convert_mask(self, mask: Any) -> Any:
        data = mask.data if isinstance(mask, Tensor) else mask
        if backend.is_gpu_array(data) or self._device() == "gpu":
            return backend.to_device(data, "gpu").astype(bool)
        return numpy.asarray(data).astype(bool)


def _is_array(value: Any) -> bool:
    return isinstance(value, (Tensor, numpy.ndarray)) or backend.is_gpu_array(value)


def _flatten(outputs: Any) -> list:
    if isinstance(outputs, (list, tuple)):
        return [y for item in outputs for y in _flatten(item)]
    return [outputs] if isinstance(outputs, Tensor) else []


def _shape_of(inputs: Any) -> Any:
    if isinstance(inputs, dict):
        return {key: _shape_of(x) for key, x in inputs.items()}
    if isinstance(inputs, list):
        return [_shape_of(x) for x in inputs]
    return tuple(inputs.shape) if hasattr(inputs, "shape") else numpy.shape(inputs)
