"""What a training loop does when the loss stops being a number: one rule for ``Trainer.fit``
and the Keras-style ``fit``.

A NaN or Inf loss means every weight the next step touches becomes NaN or Inf, and training
only looks as if it goes on. By default (``on_nan='stop'``) the loop raises before that batch
updates anything, naming the epoch and the batch. ``on_nan='continue'`` trains on, as Keras
does by default (Keras stops only with its ``TerminateOnNaN`` callback).
"""
from __future__ import annotations

import math
from typing import Any

ON_NAN_CHOICES = ("stop", "continue")


def check_finite_loss(loss: Any, epoch: int, batch: int) -> float:
    """Return the loss as a float, or raise a FloatingPointError if it is NaN or Inf.

    ``epoch`` and ``batch`` count from 0, as the loops do; the message counts from 1 as well.
    """
    value = float(loss.item() if hasattr(loss, "item") else loss)
    if math.isfinite(value):
        return value
    raise FloatingPointError(
        f"the training loss is {value} at epoch {epoch} (the {_ordinal(epoch + 1)}), batch {batch} (the "
        f"{_ordinal(batch + 1)} of that epoch); training stopped before this batch updated the weights. Try "
        "clipping the gradients (Trainer(gradient_clip_val=1)), a smaller learning rate, checking the data for "
        "NaN, or rerun with detect_anomaly=True to name the first operation that produced NaN or Inf. "
        "on_nan='continue' trains on regardless, as Keras does."
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
