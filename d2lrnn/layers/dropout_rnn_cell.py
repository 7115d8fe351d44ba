"""``DropoutRNNCell``: variational (Gal-style) dropout masks for recurrent cells.

A mask is drawn once per layer call, on the first step, and reused at EVERY time step; the
``RNN`` layer forgets it when the call ends. Dropping the same units at every step is what
makes dropout work inside a recurrence: fresh masks per step would add noise the state
accumulates. Masks are inverted dropout: entries 0 or 1 / (1 - rate).

A cell mixing this in needs ``dropout``, ``recurrent_dropout`` and ``seed`` attributes, and
``dropout_mask_count`` (1, or one mask per gate: Keras's ``implementation=1``).
"""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor


def clip_rate(rate: Any, argument: str) -> float:
    """Keras silently clips dropout rates into [0, 1]; a non-number is an error."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise TypeError(f"{argument}: expected a float in [0, 1], got {rate!r}")
    return min(1.0, max(0.0, float(rate)))


class DropoutRNNCell:
    """Mixin giving a cell ``get_dropout_mask`` / ``get_recurrent_dropout_mask``."""

    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    seed: int | None = None
    dropout_mask_count: int = 1

    def set_implementation(self, implementation: Any, gates: int) -> None:
        """Keras's hidden ``implementation``: 2 shares one mask among the ``gates`` gates, 1 draws
        one mask per gate (forced when recurrent_dropout > 0). Call after setting the rates."""
        if implementation == 0:  # Keras 2 configs may hold 0; Keras 3 runs it as implementation 2
            implementation = 2
        if isinstance(implementation, bool) or implementation not in (1, 2):
            raise ValueError(f"implementation: expected 1 or 2 (0 is read as 2, as Keras does), got {implementation!r}")
        implementation = int(implementation)
        self.implementation = 1 if self.recurrent_dropout else implementation
        self.dropout_mask_count = gates if self.implementation == 1 else 1

    def get_dropout_mask(self, step_input: Tensor) -> Any:
        """The mask(s) for the inputs (batch, features), drawn on first use; None if dropout is 0."""
        return self._mask_for_this_call("_dropout_mask", step_input, self.dropout)

    def get_recurrent_dropout_mask(self, step_state: Tensor) -> Any:
        """The mask(s) for h_{t-1} (batch, units), drawn on first use; None if recurrent_dropout is 0."""
        return self._mask_for_this_call("_recurrent_dropout_mask", step_state, self.recurrent_dropout)

    def _mask_for_this_call(self, attribute: str, like: Tensor, rate: float) -> Any:
        """The mask(s) kept in ``attribute`` until reset, drawn now if there are none yet."""
        if rate == 0:
            return None
        if getattr(self, attribute, None) is None:
            setattr(self, attribute, self._draw_masks(like, rate))
        return getattr(self, attribute)

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None

    def _draw_masks(self, like: Tensor, rate: float) -> Any:
        """One mask array, or a list of ``dropout_mask_count`` masks, shaped like ``like``."""
        masks = [self._draw_mask(like, rate) for _ in range(self.dropout_mask_count)]
        return masks[0] if self.dropout_mask_count == 1 else masks

    def _draw_mask(self, like: Tensor, rate: float) -> Any:
        xp = backend.get_array_module(like.data)
        if rate >= 1:
            return xp.zeros(like.shape, dtype=like.dtype)
        keep = self._random_source(xp).random_sample(like.shape) >= rate
        return keep.astype(like.dtype) * like.dtype.type(1.0 / (1.0 - rate))

    def _random_source(self, xp: Any) -> Any:
        """The global generator (seeded by d2lrnn.seed), or this cell's own when ``seed`` is set."""
        if self.seed is None:
            return xp.random
        if getattr(self, "_seeded_random", None) is None or self._seeded_random[0] is not xp:
            self._seeded_random = (xp, xp.random.RandomState(self.seed))
        return self._seeded_random[1]


def gate_inputs(x: Tensor, get_mask: Any, apply: bool) -> Any:
    """What the gates read of ``x`` (B, n): ``x`` itself without dropout, ``x`` times the shared mask
    (Keras's implementation 2), or a list with one differently masked copy per gate (implementation 1).
    ``get_mask(x)`` is called only when ``apply`` is true, so inference draws no random numbers."""
    if not apply:
        return x
    masks = get_mask(x)
    if isinstance(masks, list):
        return [x * m for m in masks]
    return x * masks


def per_gate(inputs: Any, gates: int) -> list:
    """``gates`` tensors from ``gate_inputs``'s result: the shared tensor repeated, or the per-gate copies."""
    return list(inputs) if isinstance(inputs, list) else [inputs] * gates


def gate_blocks(products: list, bias: Any, gates: int) -> list:
    """Pre-activation blocks: for k < gates, the sum over (inputs, weight) in ``products`` of
    ``inputs_k @ weight[:, block k]``, plus ``bias[block k]``; ``inputs`` is what ``gate_inputs`` returns.

    When every gate reads the same tensors this is one matmul per weight, then a single split
    (Keras's implementation 2); otherwise one matmul per gate and weight (implementation 1).
    """
    if not any(isinstance(inputs, list) for inputs, _ in products):
        total = None
        for inputs, weight in products:
            total = inputs @ weight if total is None else total + inputs @ weight
        if bias is not None:
            total = total + bias
        return list(total.split(gates, axis=1))
    blocks = [None] * gates
    for inputs, weight in products:
        for k, (p, w) in enumerate(zip(per_gate(inputs, gates), weight.split(gates, axis=1))):
            blocks[k] = p @ w if blocks[k] is None else blocks[k] + p @ w
    if bias is not None:
        blocks = [b + c for b, c in zip(blocks, bias.split(gates))]
    return blocks
