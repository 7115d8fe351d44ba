"""The mask side table: the boolean (batch, time) mask that travels with a layer's output.

Tensor has ``__slots__``, so the mask of a layer's output is kept beside it, keyed by a weak
reference: it disappears with the tensor. ``Layer.__call__`` attaches the mask computed by
``compute_mask`` to its outputs, and the next layer picks it up with ``mask_of``.
"""
from __future__ import annotations

import weakref
from typing import Any

from ..autograd import Tensor

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


def mask_of_inputs(inputs: Any) -> Any:
    """The mask of one input, or the list of masks of several (None when none has one)."""
    if isinstance(inputs, list):
        masks = [mask_of(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return mask_of(inputs)


def masks_per_output(masks: Any, outputs: Any) -> list:
    """One mask per flattened output: a single mask applies to a single output only."""
    if isinstance(outputs, (list, tuple)):
        if not isinstance(masks, (list, tuple)):
            masks = [masks] + [None] * (len(outputs) - 1)
        return [m for mask, out in zip(masks, outputs) for m in masks_per_output(mask, out)]
    return [masks]
