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

import inspect
import re
import threading
import warnings
import weakref
from typing import Any, Iterator

import numpy

from .. import backend, regularizers
from ..autograd import Tensor
from ..nn import Module, Parameter
from ..nn.module import _to_numpy  # Tensor, torch tensor or array -> NumPy, as load_state_dict accepts
from . import initializers
from .keras_tensor import any_keras_tensor

# ------------------------------------------------------------------ unique names
_name_counts: dict[str, int] = {}


def to_snake_case(name: str) -> str:
    """'SimpleRNN' -> 'simple_rnn', 'LSTMCell' -> 'lstm_cell' (Keras's rule for default names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ..."""
    count = _name_counts.get(prefix, 0)
    _name_counts[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Restart the default names (the next LSTM is called 'lstm' again), like Keras's."""
    _name_counts.clear()


# -------------------------------------------------------------------------- masks
# Tensor has __slots__, so the mask of a layer's output is kept beside it, keyed by a weak
# reference: it disappears with the tensor.
_masks: "weakref.WeakKeyDictionary[Tensor, Any]" = weakref.WeakKeyDictionary()


def mask_of(tensor: Any) -> Any:
    """The boolean mask (batch, time) attached to ``tensor`` by the layer that produced it, or None."""
    if isinstance(tensor, Tensor):
        return _masks.get(tensor)
    return None


def attach_mask(tensor: Tensor, mask: Any) -> None:
    """Attach a boolean mask array to ``tensor`` (None removes it)."""
    if mask is None:
        _masks.pop(tensor, None)
    else:
        _masks[tensor] = mask


# ------------------------------------------------------------------- call context
class _CallContext(threading.local):
    """The ``training`` flag of the outermost layer call, seen by the layers it calls."""

    depth: int = 0
    training: bool | None = None


_context = _CallContext()


# ------------------------------------------------------------------------ weights
class Weight(Parameter):
    """A Parameter created by ``Layer.add_weight``, carrying what Keras attaches to a variable.

    Attributes:
        path: 'lstm/lstm_cell/kernel'-style name (layer names, then the weight's name).
        regularizer: callable weight -> scalar Tensor, or None (read by ``Layer.losses``).
        constraint: callable applied to the value after each optimizer step, or None.
        trainable: whether an optimizer updates it (the same flag as ``requires_grad``).
    """

    __slots__ = ("path", "regularizer", "constraint")

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad = bool(value)

    def __repr__(self) -> str:
        return f"<Weight path={self.path} shape={self.shape} dtype={self.dtype}>"


def serialize_regularizer(regularizer: Any) -> Any:
    """{'class_name': ..., 'config': ...} for a Regularizer (None, or a custom callable, as is)."""
    if isinstance(regularizer, regularizers.Regularizer):
        return regularizers.serialize(regularizer)
    return regularizer


def get_constraint(identifier: Any, argument: str = "constraint") -> Any:
    """A constraint is None or a callable Tensor -> Tensor applied after each optimizer step."""
    if identifier is None or callable(identifier):
        return identifier
    raise TypeError(f"{argument}: expected None or a callable Tensor -> Tensor, got {identifier!r}")


def _is_array(value: Any) -> bool:
    return isinstance(value, (Tensor, numpy.ndarray)) or backend.is_gpu_array(value)


# -------------------------------------------------------------------------- Layer
# Every Layer subclass, by class name, so that configs can name the layers they contain.
LAYER_CLASSES: dict[str, type] = {}


def serialize_layer(layer: "Layer") -> dict:
    """{'class_name': 'LSTM', 'config': layer.get_config()}: enough to rebuild it (without weights)."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config: dict, custom_objects: dict | None = None) -> "Layer":
    """The inverse of ``serialize_layer``; ``custom_objects`` maps class names to classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_layer: expected a dict with 'class_name' and 'config', got {config!r}")
    classes = {**LAYER_CLASSES, **(custom_objects or {})}
    name = config["class_name"]
    if name not in classes:
        raise ValueError(f"deserialize_layer: unknown layer class {name!r}; define it (or pass it in "
                         f"custom_objects) before loading. Known: {sorted(classes)}")
    return classes[name].from_config(config.get("config", {}))


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
        self._dtype = _float_dtype_name(dtype)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._trainable = bool(trainable)
        self._own_weights = _OwnWeights()
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
        dtype = _float_dtype_name(dtype or self.dtype)
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        values = numpy.asarray(init(shape, dtype))
        if values.shape != shape:
            raise ValueError(f"add_weight: initializer {init!r} returned shape {values.shape}, "
                             f"expected {shape} for weight {name!r} of layer '{self.name}'")
        weight = Weight(values, requires_grad=trainable and self.trainable, dtype=dtype, device=self._device())
        weight.name = name or f"variable_{len(self.weights)}"
        inside_own_build = bool(_build_scope.names) and _build_scope.names[-1] == self.name
        weight.path = "/".join((_build_scope.names if inside_own_build else [self.name]) + [weight.name])
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
        if len(weights) != len(own):
            hint = "" if self.built else " It is not built yet: call it on an input first."
            raise ValueError(f"set_weights: layer '{self.name}' has {len(own)} weights "
                             f"{[w.path for w in own]}, got a list of {len(weights)} arrays.{hint}")
        arrays = [_to_numpy(value) for value in weights]
        for w, array in zip(own, arrays):
            if array.shape != w.shape:
                raise ValueError(f"set_weights: weight '{w.path}' of layer '{self.name}' has shape {w.shape}, "
                                 f"got an array of shape {array.shape}")
        for w, array in zip(own, arrays):
            w.data = backend.get_array_module(w.data).asarray(array, dtype=w.dtype)

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
        _build_scope.names.append(self.name)
        self._build_shape = input_shape  # what a summary of a subclassed model shows shapes from
        try:
            self.build(input_shape)
        finally:
            _build_scope.names.pop()
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
        mask = self._convert_mask(mask) if mask is not None else _mask_of_inputs(inputs)
        outer_depth, outer_training = _context.depth, _context.training
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

        _context.depth, _context.training = outer_depth + 1, training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _context.depth, _context.training = outer_depth, outer_training

        if self.activity_regularizer is not None:
            for y in _flatten(outputs):
                self.add_loss(self.activity_regularizer(y) / y.shape[0])
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            output_mask = self.compute_mask(inputs, mask)
            for y, m in zip(_flatten(outputs), _flatten_masks(output_mask, outputs)):
                attach_mask(y, m)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the output: the input mask for layers that support masking, else None."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape`` (None for unknown sizes, e.g. the batch)."""
        raise NotImplementedError(f"{type(self).__name__} does not define compute_output_shape()")

    # ------------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (without its weights)."""
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

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
        """Where this layer's weights live (the default device before the first weight)."""
        own = self._own_weights.trainable + self._own_weights.non_trainable
        return own[0].device if own else backend.default_device()

    def _call_accepts(self, parameter: str) -> bool:
        return _accepts(type(self).call, parameter)

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


class _OwnWeights:
    """The weights a layer created, in creation order. Not a list attribute, so Module's scan
    names parameters after the attributes that hold them ('cell.kernel'), not a list index."""

    def __init__(self) -> None:
        self.trainable: list[Weight] = []
        self.non_trainable: list[Weight] = []


class _BuildScope(threading.local):
    """Names of the layers being built, outermost first: weight paths like 'lstm/lstm_cell/kernel'."""

    def __init__(self) -> None:
        self.names: list[str] = []


_build_scope = _BuildScope()

_accepts_cache: dict[tuple, bool] = {}


def _accepts(function: Any, parameter: str) -> bool:
    """Whether ``function`` declares ``parameter`` (or takes **kwargs)."""
    key = (function, parameter)
    if key not in _accepts_cache:
        params = inspect.signature(function).parameters
        _accepts_cache[key] = parameter in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return _accepts_cache[key]


def _float_dtype_name(dtype: Any) -> str:
    name = numpy.dtype(dtype or "float32").name
    if name not in ("float16", "float32", "float64"):
        raise ValueError(f"dtype: expected 'float32', 'float64' or 'float16', got {dtype!r}")
    return name


def _flatten(outputs: Any) -> list:
    if isinstance(outputs, (list, tuple)):
        return [y for item in outputs for y in _flatten(item)]
    return [outputs] if isinstance(outputs, Tensor) else []


def _flatten_masks(masks: Any, outputs: Any) -> list:
    """One mask per flattened output: a single mask applies to a single output only."""
    if isinstance(outputs, (list, tuple)):
        if not isinstance(masks, (list, tuple)):
            masks = [masks] + [None] * (len(outputs) - 1)
        return [m for mask, out in zip(masks, outputs) for m in _flatten_masks(mask, out)]
    return [masks]


def _shape_of(inputs: Any) -> Any:
    if isinstance(inputs, dict):
        return {key: _shape_of(x) for key, x in inputs.items()}
    if isinstance(inputs, list):
        return [_shape_of(x) for x in inputs]
    return tuple(inputs.shape) if hasattr(inputs, "shape") else numpy.shape(inputs)


def _mask_of_inputs(inputs: Any) -> Any:
    if isinstance(inputs, list):
        masks = [mask_of(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return mask_of(inputs)
