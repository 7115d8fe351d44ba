"""Layers that only move numbers around: ``RepeatVector``, ``Flatten``, ``Reshape``, ``Permute``.

The batch axis is never touched; shapes below leave it out where Keras's arguments do.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy

from ..autograd import Tensor
from .layer import Layer


class RepeatVector(Layer):
    """Repeat a vector ``n`` times along a new time axis: (B, D) -> (B, n, D).

    The seq2seq guides feed an encoder's summary vector to every step of a decoder this way.
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, numpy.integer)) or n <= 0:
            raise ValueError(f"n: expected a positive integer, got {n!r}")
        self.n = int(n)

    def build(self, input_shape: tuple) -> None:
        _check_rank(self, input_shape, 2, "(batch, features)")

    def call(self, inputs: Tensor) -> Tensor:
        _check_rank(self, inputs.shape, 2, "(batch, features)")
        batch, features = inputs.shape
        ones = Tensor(numpy.ones((1, self.n, 1)), dtype=inputs.dtype, device=inputs.device)
        return inputs.reshape(batch, 1, features) * ones  # broadcast: the gradient sums over the n copies

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


class Flatten(Layer):
    """Join every axis after the batch into one: (B, d1, d2, ...) -> (B, d1 * d2 * ...); (B,) -> (B, 1)."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"data_format: only 'channels_last' is supported, got {data_format!r}")
        self.data_format = "channels_last"

    def call(self, inputs: Tensor) -> Tensor:
        return inputs.reshape(inputs.shape[0], -1) if inputs.ndim > 1 else inputs.reshape(-1, 1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(numpy.prod(rest, dtype=numpy.int64)) if rest else 1
        return (input_shape[0], size)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Give each sample the shape ``target_shape`` (one entry may be -1: inferred from the size)."""

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, numpy.integer)):
            target_shape = (target_shape,)
        target = tuple(target_shape)
        if not all(isinstance(d, (int, numpy.integer)) and not isinstance(d, bool) and (d > 0 or d == -1)
                   for d in target) or sum(d == -1 for d in target) > 1:
            raise ValueError(f"target_shape: expected positive sizes with at most one -1, got {target_shape!r}")
        self.target_shape = tuple(int(d) for d in target)

    def _resolved(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        known = int(numpy.prod([d for d in self.target_shape if d != -1], dtype=numpy.int64))
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = int(numpy.prod(rest, dtype=numpy.int64))
        if (-1 in self.target_shape and size % known) or (-1 not in self.target_shape and size != known):
            raise ValueError(f"Reshape '{self.name}': the input's {size} values per sample "
                             f"(shape {tuple(rest)}) cannot take the target shape {self.target_shape}")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def build(self, input_shape: tuple) -> None:
        self._resolved(tuple(input_shape))

    def call(self, inputs: Tensor) -> Tensor:
        return inputs.reshape((inputs.shape[0],) + self._resolved(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + self._resolved(tuple(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Reorder the axes after the batch: ``Permute((2, 1))`` swaps time and features (axes count from 1)."""

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"dims: expected a permutation of 1..{len(dims)}, got {dims!r}")
        self.dims = tuple(int(d) for d in dims)

    def build(self, input_shape: tuple) -> None:
        _check_rank(self, input_shape, len(self.dims) + 1, f"(batch, {len(self.dims)} axes)")

    def call(self, inputs: Tensor) -> Tensor:
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


def _check_rank(layer: Layer, shape: tuple, ndim: int, meaning: str) -> None:
    if len(shape) != ndim:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected ndim={ndim} "
                         f"{meaning}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")


__all__ = ["RepeatVector", "Flatten", "Reshape", "Permute"]
