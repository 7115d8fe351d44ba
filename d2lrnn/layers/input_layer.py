"""``Input``: the symbolic input of a functional model (and the declared input of a ``Sequential`` one).

``x = Input((None,), dtype='int32')`` is a ``KerasTensor`` of shape (None, None); layers called on it
record their calls, and ``models.Model(x, outputs)`` runs them. ``InputLayer`` is the layer behind it
(listed first in a functional model's ``layers``).
"""
from __future__ import annotations

from typing import Any

from ..checks import is_int_at_least
from .keras_tensor import KerasTensor, dtype_name
from .layer import Layer
from .node import Node


class InputLayer(Layer):
    """The first entry of a Sequential model: it declares the input shape and passes data through.

    With it, the model builds its layers (and can print ``summary()``) before seeing data.
    ``shape`` is the full shape with the batch axis first, like a Keras symbolic tensor:
    ``Input((20,)).shape == (None, 20)``.

    Args:
        shape: shape of one sample, without the batch axis; None marks a size that may vary,
            e.g. ``(None,)`` for token ids of any length.
        batch_size: a fixed batch size (stateful RNNs need one), else None.
        dtype: dtype of the data it announces, e.g. 'int32' for token ids (default 'float32').
        batch_shape: the full shape instead of ``shape`` and ``batch_size``.
    """

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None,
                 batch_shape: Any = None, name: str | None = None) -> None:
        super().__init__(name=name)
        if (shape is None) == (batch_shape is None):
            raise ValueError(f"Input: give exactly one of `shape` (without the batch axis) and `batch_shape`, "
                             f"got shape={shape!r}, batch_shape={batch_shape!r}")
        if batch_shape is None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else _dimension(d) for d in batch_shape)
        self.input_dtype = dtype_name(dtype)
        self.built = True
        # The tensor this layer stands for (then ``self.output``): Input(...) returns it, a Model starts from it.
        Node(self, (), {}, KerasTensor(self.batch_shape, self.input_dtype, name=name))

    @property
    def shape(self) -> tuple:
        """The input shape with the batch axis first (None where unknown)."""
        return self.batch_shape

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any = None) -> tuple:
        return self.batch_shape

    def get_config(self) -> dict:
        return {"batch_shape": self.batch_shape, "dtype": self.input_dtype, "name": self.name}


def _dimension(d: Any) -> int:
    if not is_int_at_least(d, 1):
        raise ValueError(f"Input: every size in the shape must be a positive integer or None, got {d!r}")
    return int(d)


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None, batch_shape: Any = None,
          name: str | None = None) -> KerasTensor:
    """A symbolic input: ``x = Input((None,), dtype='int32')``, then ``y = layers.LSTM(8)(...(x))``, then
    ``models.Model(x, y)``. Also the first entry of ``Sequential([Input((20,)), ...])``.

    Args as ``InputLayer``. Returns its ``KerasTensor``: ``Input((20,)).shape == (None, 20)``; its name
    is ``name`` when given (the InputLayer is then called ``name`` too).
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name).output


__all__ = ["Input", "InputLayer"]
