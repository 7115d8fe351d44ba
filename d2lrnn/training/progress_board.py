"""``ProgressBoard``: the book's live training curve, made safe for strict nbval.

In a Jupyter kernel the curve animates inside an ``ipywidgets.Output`` whose frames travel as
widget state, which nbval ignores. When training ends, ``finish()`` empties that widget, shows the
final figure once as an ordinary PNG and prints the last value of every line, rounded. What the
notebook stores is therefore [an empty widget view, the PNG figure, one line of text]: the same
on every run, and readable when the notebook is reopened without a kernel.

Outside Jupyter (a script, a terminal, a CI log) the board keeps its data (``board.data``;
``board.render()`` draws it) and prints one plain line per whole unit of x, i.e. per epoch for
the ``Trainer``: ``epoch 3/10: train_ppl 8.123, val_ppl 8.456 (2.1 sec)``, with no control
characters, so the output reads the same in a terminal and in a log file.

Differences from the book's version:
- lines are updated in place; the book plots every line again on each point without clearing,
  so each frame stacks one more copy of every line;
- a missing ``xlabel`` leaves the axis unlabelled (the book's fallback ``self.x`` does not exist);
- frames are PNG instead of SVG (matplotlib's SVG changes from run to run).
"""
from __future__ import annotations

import collections
import math
import sys
import time
from typing import Any, Sequence

from ..viz.notebook import figure_png_bundle, notebook_shell, show_figure, show_widget

Point = collections.namedtuple("Point", ["x", "y"])


SCALES = ("linear", "log", "symlog", "logit")


class ProgressBoard:
    """Plot points as they arrive: a live animation in Jupyter, plain data elsewhere.

    Args match the book's ``d2l.ProgressBoard``: axis labels, limits and scales; line styles
    ``ls`` and ``colors`` cycled over the labels in order of appearance; an existing ``fig`` and
    ``axes`` to draw into; ``figsize`` in inches; ``display=False`` to only collect data;
    ``title`` above the plot (not in the book's version).

    The Trainer calls ``finish()`` at the end of ``fit``. When nobody does, it runs by itself at
    the end of the notebook cell, so a board used directly in a loop also ends cleanly.
    """

    #: Least seconds between two live frames. Frames only animate; the final figure has every point.
    frame_interval = 0.1

    def __init__(self, xlabel: str | None = None, ylabel: str | None = None,
                 xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
                 xscale: str = "linear", yscale: str = "linear",
                 ls: Sequence[str] = ("-", "--", "-.", ":"), colors: Sequence[str] = ("C0", "C1", "C2", "C3"),
                 fig: Any = None, axes: Any = None, figsize: tuple = (3.5, 2.5), display: bool = True,
                 title: str | None = None) -> None:
        for name, styles in (("ls", ls), ("colors", colors)):
            if isinstance(styles, str) or len(styles) == 0:
                raise ValueError(f"{name}: expected a non-empty list of strings, got {styles!r}")
        self.xlabel, self.ylabel = xlabel, ylabel
        self.title = title
        self.xlim, self.ylim = xlim, ylim
        for name, scale in (("xscale", xscale), ("yscale", yscale)):
            if scale not in SCALES:
                raise ValueError(f"{name}: expected one of {SCALES}, got {scale!r}")
        self.xscale, self.yscale = xscale, yscale
        self.ls, self.colors = list(ls), list(colors)
        self.fig, self.axes = fig, axes
        self.figsize = figsize
        self.display = display
        self.raw_points: dict[str, list[Point]] = collections.OrderedDict()  # waiting to be averaged
        self.data: dict[str, list[Point]] = collections.OrderedDict()  # the plotted (averaged) points
        self._lines: dict[str, Any] = {}
        self._live_output = None  # the ipywidgets.Output showing frames while a cell runs
        self._next_frame_time = 0.0
        self._line_unit = None  # outside Jupyter: the whole x whose line is not printed yet
        self._line_start = time.monotonic()

    def draw(self, x: Any, y: Any, label: str, every_n: int = 1) -> None:
        """Add the raw point ``(x, y)`` to the line ``label``.

        Every ``every_n`` raw points of a label become one plotted point at their mean x and mean
        y. ``x`` and ``y`` are numbers, or one-element arrays or tensors (on any device).
        """
        if not isinstance(label, str):
            raise TypeError(f"draw(): label must be a string, got {type(label).__name__}")
        if isinstance(every_n, bool) or not isinstance(every_n, int) or every_n < 1:
            raise ValueError(f"draw(): every_n must be an integer >= 1, got {every_n!r}")
        point = Point(_as_float(x, "x"), _as_float(y, "y"))
        if label not in self.raw_points:
            self.raw_points[label] = []
            self.data[label] = []
        points = self.raw_points[label]
        points.append(point)
        if len(points) < every_n:
            return
        mean = Point(sum(p.x for p in points) / len(points), sum(p.y for p in points) / len(points))
        points.clear()
        in_terminal = self.display and notebook_shell() is None
        if in_terminal:
            self._print_line(before=mean.x)
        self.data[label].append(mean)
        if in_terminal:
            self._line_unit = max(self._line_unit or 0, math.ceil(mean.x))
        elif self.display:
            self._show_frame()

    def render(self) -> Any:
        """Draw the current data into the board's figure and return it (a matplotlib Figure)."""
        if self.fig is None:
            # A Figure made without pyplot: the inline backend will not show it again by itself.
            from matplotlib.figure import Figure

            self.fig = self.axes.figure if self.axes is not None else Figure(figsize=self.figsize)
        if self.axes is None:
            self.axes = self.fig.axes[0] if self.fig.axes else self.fig.add_subplot()
        ax = self.axes
        for i, (label, points) in enumerate(self.data.items()):
            if label not in self._lines:
                (self._lines[label],) = ax.plot([], [], linestyle=self.ls[i % len(self.ls)],
                                                color=self.colors[i % len(self.colors)], label=label)
            self._lines[label].set_data([p.x for p in points], [p.y for p in points])
        ax.set_xscale(self.xscale)
        ax.set_yscale(self.yscale)
        ax.relim()
        ax.autoscale_view()
        if self.xlim is not None:
            ax.set_xlim(self.xlim)
        if self.ylim is not None:
            ax.set_ylim(self.ylim)
        ax.set_xlabel(self.xlabel or "")
        ax.set_ylabel(self.ylabel or "")
        ax.set_title(self.title or "")
        if self._lines:
            ax.legend()
        return self.fig

    def finish(self) -> None:
        """End the live view: show the final figure once and print each line's last value.

        Does nothing outside Jupyter, with ``display=False``, or when nothing was drawn since
        the last ``finish()``. Calling it twice is harmless. Outside Jupyter it prints the line
        of the last unit of x.
        """
        self._print_line()
        output, self._live_output = self._live_output, None
        if output is None:
            return
        shell = notebook_shell()
        if shell is not None:
            shell.events.unregister("post_execute", self._finish_at_cell_end)
        output.outputs = ()
        fig = self.render()
        show_figure(fig)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None and getattr(fig, "number", None) is not None:
            pyplot.close(fig)  # a figure given by the caller from pyplot: don't let inline show it twice
        last_values = [f"{label} {_format_value(points[-1].y)}" for label, points in self.data.items() if points]
        if last_values:
            print(", ".join(last_values))

    def _print_line(self, before: float | None = None) -> None:
        """Outside Jupyter: print the pending unit's line, unless ``before`` still falls in it."""
        unit = self._line_unit
        if unit is None or (before is not None and math.ceil(before) <= unit):
            return
        self._line_unit = None
        total = f"/{self.xlim[1]:g}" if self.xlim is not None else ""
        values = ", ".join(f"{label} {_format_value(points[-1].y)}" for label, points in self.data.items() if points)
        now = time.monotonic()
        print(f"{self.xlabel or 'x'} {unit}{total}: {values} ({now - self._line_start:.1f} sec)", flush=True)
        self._line_start = now

    def _show_frame(self) -> None:
        """Redraw into the live widget, unless the previous frame was too recent."""
        shell = notebook_shell()
        if shell is None:
            return
        if self._live_output is None:
            import ipywidgets

            self._live_output = ipywidgets.Output()
            show_widget(self._live_output, "")
            shell.events.register("post_execute", self._finish_at_cell_end)
            self._next_frame_time = 0.0
        start = time.monotonic()
        if start < self._next_frame_time:
            return
        frame = figure_png_bundle(self.render())
        self._live_output.outputs = ({"output_type": "display_data", "data": frame, "metadata": {}},)
        end = time.monotonic()
        # Wait nine times what the frame cost: live drawing takes at most a tenth of the run.
        self._next_frame_time = end + max(self.frame_interval, 9 * (end - start))

    def _finish_at_cell_end(self) -> None:
        self.finish()


def _as_float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = getattr(value, "shape", None)
        got = f"{type(value).__name__} of shape {shape}" if shape is not None else type(value).__name__
        raise TypeError(f"draw(): {name} must be a number or a one-element array or tensor, got {got}") from None


def _format_value(value: float) -> str:
    """Three decimals; scientific notation when those would show only zeros."""
    return f"{value:.3f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.3e}"
