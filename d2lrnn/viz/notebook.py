"""How figures and widgets reach a Jupyter notebook so that strict nbval can check them.

nbval compares every ``text/plain`` output of a cell with the stored one, skips PNG and widget
views, and ignores widget traffic (comm messages). So the rules followed here are:

- a figure is shown as a PNG whose ``text/plain`` is the figure's repr,
  e.g. ``<Figure size 350x250 with 1 Axes>`` (no memory address);
- a widget is shown with a ``text/plain`` chosen by us, which is also what a reopened notebook
  or GitHub shows, since JupyterLab does not restore live widgets;
- live updates go through widget state only (``Output.outputs``, ``IntProgress.value``).
"""
from __future__ import annotations

import base64
import io
import sys
from typing import Any


def notebook_shell() -> Any:
    """The running IPython shell if this code runs in a Jupyter kernel, else None.

    A plain Python script or a terminal IPython session gives None: there is nowhere to show
    a widget, so callers just keep their data.
    """
    if "IPython" not in sys.modules:  # a kernel has always imported it; a script need not
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return shell


def figure_png_bundle(fig: Any) -> dict:
    """``{'image/png': base64 text, 'text/plain': repr(fig)}`` for a matplotlib figure.

    The PNG carries no 'Software' stamp, so the same figure gives the same bytes on every run.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return {
        "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "text/plain": repr(fig),
    }


def show_figure(fig: Any) -> None:
    """Display ``fig`` once, as a PNG with its repr as text (works without pyplot)."""
    from IPython.display import display

    display(figure_png_bundle(fig), raw=True)


def show_widget(widget: Any, text: str) -> None:
    """Display ``widget`` with ``text`` as its ``text/plain`` form.

    JupyterLab draws the live widget; nbval, GitHub and a reopened notebook see ``text``.
    """
    from IPython.display import display

    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    display({"application/vnd.jupyter.widget-view+json": view, "text/plain": text}, raw=True)
