"""Pictures and explorers: the autograd graph, heatmaps, gradient norms over time, ipywidgets.

Everything here is built to be shown in a notebook that strict nbval checks: the autograd graph
is a deterministic SVG, plots are matplotlib figures (stored as PNG), and every widget has a
plain-text form that says what it shows.
"""
from . import diagrams
from .diagrams import bidirectional_rnn, gru_cell, lstm_cell, unrolled_rnn
from .gradient_flow import plot_gradient_norms
from .graph import SVGDrawing, draw_graph
from .heatmap import heatmap
from .layer_shapes import rnn_output_shapes, rnn_param_count

# The explorers need ipywidgets (and so IPython), slow to import: load them on first use.
_WIDGETS = ("merge_mode_explorer", "shape_explorer", "time_stepper")


def __getattr__(name: str):
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    if name == "temperature_explorer":
        from .sampling import temperature_explorer

        return temperature_explorer
    raise AttributeError(f"module 'd2lrnn.viz' has no attribute {name!r}")


__all__ = [
    "SVGDrawing", "draw_graph", "heatmap", "merge_mode_explorer", "plot_gradient_norms", "rnn_output_shapes",
    "rnn_param_count", "shape_explorer", "time_stepper",
    "diagrams", "unrolled_rnn", "lstm_cell", "gru_cell", "bidirectional_rnn", "temperature_explorer",
]
