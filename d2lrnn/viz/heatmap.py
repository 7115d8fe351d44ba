"""``heatmap``: a matrix as coloured cells, e.g. gate activations (units x time steps) over a sentence."""
from __future__ import annotations

from typing import Any, Sequence

import numpy

from .. import backend
from ..autograd import Tensor


def heatmap(matrix: Any, xlabels: Sequence[str] | None = None, ylabels: Sequence[str] | None = None,
            ax: Any = None, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
            cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None,
            annotate: bool = False, colorbar: bool | str = True, figsize: tuple | None = None) -> Any:
    """Draw ``matrix`` (rows x columns) as coloured cells and return the matplotlib Axes.

    Args:
        matrix: a 2-D array or Tensor of shape (rows, columns), e.g. a gate's activations of
            shape (num_hiddens, num_steps).
        xlabels, ylabels: one label per column / per row (e.g. the tokens of the sentence).
        ax: Axes to draw into; by default a new pyplot figure, which Jupyter shows once at the
            end of the cell (assign the result, ``ax = heatmap(...)``, to print nothing else).
        title, xlabel, ylabel: texts of the plot.
        cmap, vmin, vmax: colour map and its range (for gates in [0, 1] pass vmin=0, vmax=1).
        annotate: write each value, rounded to 2 decimals, in its cell (small matrices only).
        colorbar: add a colour bar; a string adds one with that label (what the colours measure).
        figsize: size of the new figure in inches; by default it grows with the matrix.
    """
    values = numpy.asarray(matrix.numpy() if isinstance(matrix, Tensor) else backend.to_numpy(matrix), dtype=float)
    if values.ndim != 2:
        raise ValueError(f"heatmap(): matrix must be 2-D (rows, columns), got shape {values.shape}")
    rows, columns = values.shape
    for name, labels, expected in (("xlabels", xlabels, columns), ("ylabels", ylabels, rows)):
        if labels is not None and len(labels) != expected:
            raise ValueError(f"heatmap(): {name} must have {expected} entries (one per "
                             f"{'column' if name == 'xlabels' else 'row'}), got {len(labels)}")
    if ax is None:
        import matplotlib.pyplot as plt

        if figsize is None:
            figsize = (min(12.0, 1.5 + 0.45 * columns), min(8.0, 1.0 + 0.35 * rows))
        _, ax = plt.subplots(figsize=figsize)
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    if xlabels is not None:
        ax.set_xticks(range(columns), [str(label) for label in xlabels])
    if ylabels is not None:
        ax.set_yticks(range(rows), [str(label) for label in ylabels])
    if annotate:
        middle = numpy.nanmean(values) if vmin is None or vmax is None else (vmin + vmax) / 2
        for i in range(rows):
            for j in range(columns):
                colour = "black" if values[i, j] > middle else "white"  # readable on viridis-like maps
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=8, color=colour)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax)
        if isinstance(colorbar, str):
            bar.set_label(colorbar)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    return ax
