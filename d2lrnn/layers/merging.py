"""Merge layers: combine a list of tensors into one, as Keras's ``Add``, ``Concatenate``, ``Dot``, ...

Each takes a list of inputs (``layers.Add()([a, b])``), or its lowercase function form does the same
in one call (``layers.add([a, b])``). Element-wise merges broadcast axes of size 1 (NumPy's rule,
the batch axis included). Masks follow Keras 3: the output has a mask only when every input has
one, and it is their OR; ``Multiply``, ``Maximum`` and ``Minimum`` also keep masked entries of one
input out of the result (Keras's rule), while ``Add``, ``Subtract`` and ``Average`` combine the values
as they are. Everything is written with the engine's primitive ops, so gradients flow to every input.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy

from .. import backend
from ..autograd import Tensor, concat, where
from ..autograd import maximum as elementwise_maximum
from .layer import Layer


class Merge(Layer):
    """Base of the element-wise merges: checks the list of inputs and their shapes, merges the masks."""

    supports_masking = True
    min_inputs = 1
    max_inputs: int | None = None

    def _check_inputs(self, shapes: Any) -> list[tuple]:
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape={shapes} "
                             f"(not a list of shapes). Layer '{self.name}': e.g. {type(self).__name__}()([a, b])")
        count = len(shapes)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            expected = f"exactly {self.min_inputs}" if self.max_inputs == self.min_inputs else \
                f"at least {self.min_inputs}"
            raise ValueError(f"A `{type(self).__name__}` layer should be called on {expected} inputs. Received: "
                             f"input_shape={[tuple(s) for s in shapes]}")
        return [tuple(s) for s in shapes]

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_inputs(input_shape)
        result = shapes[0]
        for shape in shapes[1:]:
            result = _broadcast_shapes(result, shape, shapes)
        return result

    def call(self, inputs: Sequence[Tensor], mask: Any = None) -> Tensor:
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        return self._merge(list(inputs), [None if m is None else _broadcast_mask(m, x) for m, x in zip(masks, inputs)])

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The OR of the input masks when every input has one, else None."""
        if not mask or any(m is None for m in mask):
            return None
        result = mask[0]
        for m in mask[1:]:
            result = result | m
        return result


def _broadcast_mask(mask: Any, x: Tensor) -> Any:
    """A (batch, time) mask spread over the features of ``x`` (B, T, D)."""
    return backend.get_array_module(mask).broadcast_to(mask[..., None], x.shape) if mask.ndim < x.ndim else mask


def _merge_or_masked(inputs: list[Tensor], masks: list, op: Any) -> Tensor:
    """Keras's rule for Maximum and Minimum: an input's masked entries take the running result's
    value (and the running result's masked entries the input's), so masked values never win."""
    output, output_mask = inputs[0], masks[0]
    for x, m in zip(inputs[1:], masks[1:]):
        if m is not None:
            x = where(m, x, output)
        if output_mask is not None:
            output = where(output_mask, output, x)
        output_mask = output_mask | m if m is not None and output_mask is not None else None
        output = op(output, x)
    return output


class Add(Merge):
    """Sum of the inputs: ``Add()([a, b, c]) = a + b + c``."""

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        result = inputs[0]
        for x in inputs[1:]:
            result = result + x
        return result


class Subtract(Merge):
    """Difference of exactly two inputs: ``Subtract()([a, b]) = a - b``."""

    min_inputs = max_inputs = 2

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Element-wise product of the inputs. Masked entries of an input count as 1; when every input
    has a mask, entries outside the OR of the masks are 0 (Keras's rule)."""

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        result = None
        for x, m in zip(inputs, masks):
            if m is not None:
                x = where(m, x, 1.0)
            result = x if result is None else result * x
        if all(m is not None for m in masks):
            union = masks[0]
            for m in masks[1:]:
                union = union | m
            result = where(union, result, 0.0)
        return result


class Average(Merge):
    """Element-wise mean of the inputs."""

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        return Add._merge(self, inputs, masks) / float(len(inputs))


class Maximum(Merge):
    """Element-wise maximum of the inputs (the gradient goes to the larger one)."""

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        return _merge_or_masked(inputs, masks, elementwise_maximum)


class Minimum(Merge):
    """Element-wise minimum of the inputs: -max(-a, -b)."""

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        return _merge_or_masked(inputs, masks, lambda a, b: -elementwise_maximum(-a, -b))


class Concatenate(Merge):
    """Join the inputs along ``axis`` (default -1, the features); the other sizes must match.

    Output mask (Keras's rule): the masks, each broadcast over the input's features (a missing
    mask counts as all True), joined along ``axis``, then OR-ed over the last axis.
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, numpy.integer)):
            raise TypeError(f"axis: expected an int, got {axis!r}")
        self.axis = int(axis)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_inputs(input_shape)
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) or not -ndim <= self.axis < ndim:
            raise ValueError(f"A `Concatenate` layer should be called on inputs of one rank with axis={self.axis} "
                             f"inside it. Received: input_shape={shapes}")
        axis = self.axis % ndim
        result = list(shapes[0])
        for shape in shapes[1:]:
            for i, (a, b) in enumerate(zip(result, shape)):
                if i == axis:
                    result[i] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b:
                    raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                                     f"concatenation axis. Received: input_shape={shapes}")
                elif a is None:
                    result[i] = b
        return tuple(result)

    def _merge(self, inputs: list[Tensor], masks: list) -> Tensor:
        return concat(inputs, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = numpy.ones(x.shape, dtype=bool)
            elif m.ndim < x.ndim:
                m = numpy.broadcast_to(m[..., None], x.shape)
            full.append(m)
        return numpy.concatenate(full, axis=self.axis).any(axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot products of two batches of tensors along ``axes``, sample by sample (Keras's batch_dot).

    ``Dot(axes=1)([a, b])`` for a, b (B, D) gives (B, 1); ``Dot(axes=(2, 2))`` for (B, T, D) and
    (B, S, D) gives (B, T, S), e.g. attention scores. Axes count the batch axis as 0; ``normalize``
    first divides each input by its L2 norm along its axis (cosine similarity).
    """

    def __init__(self, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pair = (axes, axes) if isinstance(axes, (int, numpy.integer)) and not isinstance(axes, bool) else axes
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or \
                not all(isinstance(a, (int, numpy.integer)) and not isinstance(a, bool) for a in pair):
            raise TypeError(f"axes: expected an int or a pair of ints, got {axes!r}")
        self.axes = axes if isinstance(axes, (int, numpy.integer)) else tuple(int(a) for a in axes)
        self.normalize = bool(normalize)

    def _axes_for(self, shapes: list[tuple]) -> tuple[int, int]:
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={shapes}")
        pair = (self.axes, self.axes) if isinstance(self.axes, (int, numpy.integer)) else self.axes
        axes = []
        for a, shape in zip(pair, shapes):
            if len(shape) < 2 or not -len(shape) <= a < len(shape) or a % len(shape) == 0:
                raise ValueError(f"Dot '{self.name}': axis {a} does not name a feature axis of an input of shape "
                                 f"{tuple(shape)} (axis 0 is the batch)")
            axes.append(a % len(shape))
        a, b = shapes[0][axes[0]], shapes[1][axes[1]]
        if a is not None and b is not None and a != b:
            raise ValueError(f"Incompatible input shapes: axis values {a} (at {axes[0]}) != {b} (at {axes[1]}). "
                             f"Full input shapes: {tuple(shapes[0])}, {tuple(shapes[1])}")
        return axes[0], axes[1]

    def compute_output_shape(self, input_shape: Any) -> tuple:
        a, b = self._axes_for(input_shape)
        x, y = input_shape
        rest = tuple(d for i, d in enumerate(x) if i not in (0, a)) + \
            tuple(d for i, d in enumerate(y) if i not in (0, b))
        return (x[0],) + (rest or (1,))

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        x, y = inputs
        a, b = self._axes_for([tuple(x.shape), tuple(y.shape)])
        if self.normalize:
            x, y = _l2_normalize(x, a), _l2_normalize(y, b)
        # x -> (B, rest_x, D) and y -> (B, D, rest_y), then one batched matmul.
        x = x.permute(0, *[i for i in range(1, x.ndim) if i != a], a)
        y = y.permute(0, b, *[i for i in range(1, y.ndim) if i != b])
        batch, depth = x.shape[0], x.shape[-1]
        rest_x, rest_y = x.shape[1:-1], y.shape[2:]
        product = x.reshape(batch, -1, depth) @ y.reshape(batch, depth, -1)
        return product.reshape((batch,) + (tuple(rest_x) + tuple(rest_y) or (1,)))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    """x / sqrt(max(sum(x^2, axis), 1e-12)), Keras's normalize."""
    return x / (x * x).sum(axis=axis, keepdims=True).clip(1e-12, None).sqrt()


def _broadcast_shapes(a: tuple, b: tuple, shapes: list) -> tuple:
    """NumPy's broadcast of two shapes with None for unknown sizes; a ValueError names both shapes."""
    if len(a) != len(b):
        raise ValueError(f"Inputs have incompatible shapes. Received shapes {a} and {b} (all: {shapes}); element-wise "
                         "merges need inputs of one rank")
    result = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            result.append(x)
        elif x == 1:
            result.append(y)
        elif x is None or y is None:
            result.append(x if y is None else y)
        else:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {a[1:]} and {b[1:]}")
    return tuple(result)


# ----------------------------------------------------------- function forms
def _function_form(layer_class: type) -> Any:
    """The Keras function form of a merge layer: ``name(inputs, **kwargs) = Layer(**kwargs)(inputs)``."""
    def merge(inputs: list, **kwargs: Any) -> Any:
        return layer_class(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = layer_class.__name__.lower()
    merge.__doc__ = f"``{layer_class.__name__}(**kwargs)(inputs)``."
    return merge


add = _function_form(Add)
subtract = _function_form(Subtract)
multiply = _function_form(Multiply)
average = _function_form(Average)
maximum = _function_form(Maximum)
minimum = _function_form(Minimum)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any) -> Any:
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Merge", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
