"""``plot_gradient_norms``: how large dL/dh_t is at each time step t (vanishing / exploding gradients).

With a log scale, a gradient that shrinks by the same factor at every step back in time is a
straight line; its slope is the log of that factor.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy

from .. import backend
from ..autograd import Tensor


def plot_gradient_norms(norms: Any, ax: Any = None, title: str | None = None, log: bool = True,
                        xlabel: str = "time step t", ylabel: str = "norm of dL/dh_t",
                        figsize: tuple = (4.5, 3.0)) -> Any:
    """Plot one curve of gradient norms over time steps t = 1..T; return the matplotlib Axes.

    Args:
        norms: one curve, or a dict ``{label: curve}`` to compare models (e.g. RNN vs LSTM).
            A curve has one entry per time step: either the norm itself (a number), or the
            gradient dL/dh_t (an array or Tensor of any shape), whose L2 norm is then taken.
        ax: Axes to draw into; by default a new pyplot figure (Jupyter shows it at the end of
            the cell; write ``ax = plot_gradient_norms(...)`` to print nothing else).
        title, xlabel, ylabel: texts of the plot.
        log: logarithmic y axis (the default: norms often span many orders of magnitude).
        figsize: size of the new figure, in inches.
    """
    curves = norms.items() if isinstance(norms, Mapping) else [(None, norms)]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    for label, curve in curves:
        values = _curve_values(curve, label)
        ax.plot(numpy.arange(1, len(values) + 1), values, marker=".", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if isinstance(norms, Mapping):
        ax.legend()
    return ax


def _curve_values(curve: Sequence[Any], label: str | None) -> numpy.ndarray:
    """One float per time step: the entry itself, or the L2 norm of an array entry."""
    where = "norms" if label is None else f"norms[{label!r}]"
    if isinstance(curve, Tensor):
        curve = curve.numpy()
    if isinstance(curve, (str, bytes)) or not hasattr(curve, "__len__") or len(curve) == 0:
        raise ValueError(f"plot_gradient_norms(): {where} must be a non-empty sequence with one entry "
                         f"per time step, got {type(curve).__name__}")
    values = []
    for entry in curve:
        array = entry.numpy() if isinstance(entry, Tensor) else backend.to_numpy(entry)
        if array.dtype == object:
            raise TypeError(f"plot_gradient_norms(): entries of {where} must be numbers, arrays or Tensors, "
                            f"got {type(entry).__name__}")
        values.append(float(numpy.linalg.norm(array.astype(float).ravel())))
    return numpy.asarray(values)
