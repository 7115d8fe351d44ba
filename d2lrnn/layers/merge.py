"""How ``Bidirectional`` merges its two readings: the merge modes and ``merge``, defined once.

    'concat': [y_f, y_b] (forward features first)   'sum': y_f + y_b
    'ave':    (y_f + y_b) / 2                        'mul': y_f * y_b
    None:     y_f and y_b, returned separately
"""
from __future__ import annotations

from typing import Any

from ..autograd import Tensor, concat

MERGE_MODES = ("concat", "sum", "ave", "mul", None)


def check_merge_mode(merge_mode: Any) -> None:
    """Raise a ValueError unless ``merge_mode`` is one of ``MERGE_MODES``."""
    if merge_mode not in MERGE_MODES:
        raise ValueError(f"merge_mode: expected one of 'concat', 'sum', 'ave', 'mul' or None, got {merge_mode!r}")


def merge(y_forward: Tensor, y_backward: Tensor, merge_mode: str | None) -> list[Tensor]:
    """The merged output as a one-element list, or [y_forward, y_backward] for ``merge_mode=None``.

    y_forward (..., U_f) and y_backward (..., U_b); 'sum', 'ave' and 'mul' need U_f == U_b.
    """
    check_merge_mode(merge_mode)
    if merge_mode in ("sum", "ave", "mul") and y_forward.shape[-1] != y_backward.shape[-1]:
        raise ValueError(
            f"merge_mode={merge_mode!r} combines the two halves element by element, so both need the same "
            f"width; the forward layer gives {y_forward.shape[-1]} features and the backward layer "
            f"{y_backward.shape[-1]}. Use merge_mode='concat' or None, or give both layers the same units.")
    if merge_mode is None:
        return [y_forward, y_backward]
    if merge_mode == "concat":
        return [concat([y_forward, y_backward], axis=-1)]
    if merge_mode == "sum":
        return [y_forward + y_backward]
    if merge_mode == "ave":
        return [(y_forward + y_backward) / 2]
    return [y_forward * y_backward]
