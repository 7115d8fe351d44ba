"""``FitProgress``: Keras-like progress display for ``Sequential.fit``.

What each ``verbose`` level shows (Keras' meanings):

- 0: nothing;
- 1: a live progress bar, plus one line per epoch;
- 2: one line per epoch only.

The epoch line is deterministic, e.g. ``Epoch 3/10 - loss: 0.5012 - accuracy: 0.7500``: metrics
are rounded as Keras does (4 decimals, scientific notation below 1e-3) and no timing is printed,
so strict nbval can compare it. Timings appear only in the live bar, which nbval never sees.

In JupyterLab the bar is an ipywidgets progress bar updated through widget state and shown with
the fixed text ``fit: 10 epochs of 32 steps`` (what a reopened notebook or GitHub shows).
In a terminal it is a text bar redrawn with ``\\r``; in other scripts and logs only the epoch
lines are printed.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Mapping

from ..viz.notebook import notebook_shell, show_widget

VERBOSE_LEVELS = (0, 1, 2, "auto")


class FitProgress:
    """Report training progress epoch by epoch.

    Args:
        epochs: number of epochs of this ``fit``.
        steps_per_epoch: number of batches per epoch.
        verbose: 0, 1, 2 or "auto" (= 1), as in Keras.
        initial_epoch: index of the first epoch, when training resumes (Keras' ``initial_epoch``).

    The caller reports with 0-based indices, as Keras callbacks do: ``on_batch_end(step, logs)``
    after each batch and ``on_epoch_end(epoch, logs)`` after each epoch, then ``close()``
    (or uses the object as a context manager). ``logs`` maps metric names to numbers or
    one-element tensors, in the order they should be printed.
    """

    #: Seconds between two updates of the live bar (the last step of an epoch is always shown).
    update_interval = 0.05
    bar_width = 30  # characters of the terminal bar

    def __init__(self, epochs: int, steps_per_epoch: int, verbose: int | str = 1, initial_epoch: int = 0) -> None:
        for name, value, minimum in (("epochs", epochs, 1), ("steps_per_epoch", steps_per_epoch, 1),
                                     ("initial_epoch", initial_epoch, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
        if verbose not in VERBOSE_LEVELS or isinstance(verbose, bool):
            raise ValueError(f"verbose: expected one of 0, 1, 2 or 'auto', got {verbose!r}")
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.verbose = 1 if verbose == "auto" else verbose
        self.initial_epoch = initial_epoch
        self.epochs_done = 0
        self._epoch_start = None  # set when an epoch starts, None between epochs
        self._last_update = 0.0
        self._widget = None  # (container, bar, info) in Jupyter with verbose=1
        self._terminal_bar_shown = False
        in_notebook = notebook_shell() is not None
        self._terminal = self.verbose == 1 and not in_notebook and sys.stdout.isatty()
        if self.verbose == 1 and in_notebook:
            self._widget = self._make_widget()

    def on_epoch_begin(self, epoch: int) -> None:
        """Start timing ``epoch`` (0-based) and reset the bar; optional, the first batch does it too."""
        self._epoch_start = time.monotonic()
        self._last_update = 0.0
        if self._widget is not None:
            _, bar, info = self._widget
            bar.value = 0
            bar.description = self._epoch_title(epoch)
            info.value = ""

    def on_batch_end(self, step: int, logs: Mapping[str, Any] | None = None) -> None:
        """Show that batch ``step`` (0-based) of the current epoch is done."""
        if self.verbose != 1 or not (self._widget or self._terminal):
            return
        if self._epoch_start is None:
            self.on_epoch_begin(self.initial_epoch + self.epochs_done)
        done = step + 1
        now = time.monotonic()
        if done < self.steps_per_epoch and now - self._last_update < self.update_interval:
            return
        self._last_update = now
        elapsed = now - self._epoch_start
        metrics = format_logs(logs)
        if self._widget is not None:
            _, bar, info = self._widget
            bar.value = min(done, self.steps_per_epoch)
            info.value = f"{done}/{self.steps_per_epoch} - {elapsed:.1f}s{metrics}"
        else:
            filled = self.bar_width * min(done, self.steps_per_epoch) // self.steps_per_epoch
            bar_text = "=" * filled + "." * (self.bar_width - filled)
            sys.stdout.write(f"\r{done}/{self.steps_per_epoch} [{bar_text}] - {elapsed:.1f}s{metrics}")
            sys.stdout.flush()
            self._terminal_bar_shown = True

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Print the epoch's line (0-based ``epoch``) and get ready for the next epoch."""
        self.epochs_done += 1
        self._epoch_start = None
        if self.verbose == 0:
            return
        if self._terminal_bar_shown:
            sys.stdout.write("\r\033[K")  # erase the bar: the epoch line takes its place
            self._terminal_bar_shown = False
        print(f"{self._epoch_title(epoch)}{format_logs(logs)}", flush=True)
        if self._widget is not None:
            self._widget[1].value = self.steps_per_epoch

    def close(self, error: bool = False) -> None:
        """Mark the live bar finished: green when every epoch ran, orange when training stopped
        early (e.g. early stopping), red after an ``error`` (the context manager passes it)."""
        if self._terminal_bar_shown:
            sys.stdout.write("\n")  # keep the interrupted bar visible
            self._terminal_bar_shown = False
        if self._widget is None:
            return
        _, bar, info = self._widget
        self._widget = None
        if error:
            bar.bar_style, bar.description = "danger", "failed"
        elif self.epochs_done < self.epochs - self.initial_epoch:
            bar.bar_style, bar.description = "warning", "stopped"
            info.value += " (stopped early)"
        else:
            bar.bar_style, bar.description = "success", "done"

    def __enter__(self) -> "FitProgress":
        return self

    def __exit__(self, error_type: Any, *_: Any) -> None:
        self.close(error=error_type is not None)

    def _epoch_title(self, epoch: int) -> str:
        return f"Epoch {epoch + 1}/{self.epochs}"

    def _make_widget(self) -> tuple:
        import ipywidgets

        bar = ipywidgets.IntProgress(value=0, min=0, max=self.steps_per_epoch,
                                     description=self._epoch_title(self.initial_epoch),
                                     style={"description_width": "initial"})
        info = ipywidgets.HTML()
        container = ipywidgets.HBox([bar, info])
        show_widget(container, f"fit: {self.epochs - self.initial_epoch} epochs of {self.steps_per_epoch} steps")
        return container, bar, info


def format_logs(logs: Mapping[str, Any] | None) -> str:
    """`` - name: value`` for each metric, rounded like Keras' progress bar; '' for no logs."""
    if not logs:
        return ""
    parts = []
    for name, value in logs.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"logs[{name!r}]: expected a number or a one-element tensor, "
                            f"got {type(value).__name__}") from None
        parts.append(f" - {name}: {number:.4f}" if abs(number) > 1e-3 else f" - {name}: {number:.4e}")
    return "".join(parts)
