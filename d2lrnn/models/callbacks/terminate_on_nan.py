"""``TerminateOnNaN``: stop training as soon as a batch's loss is NaN or infinite."""
from __future__ import annotations

import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """After any batch whose logged ``loss`` is NaN or infinite, set ``model.stop_training``
    (the epoch ends there), or raise a RuntimeError with ``raise_error=True``."""

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


__all__ = ["TerminateOnNaN"]
