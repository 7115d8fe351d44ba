"""ipywidgets explorers: shapes versus sizes, gates over time, Bidirectional merge modes.

Each function returns the widget. Its text form (``print(widget)``, and the ``text/plain`` that
nbval compares and that a reopened notebook or GitHub shows) is a plain-text table of what the
widget displays, computed from the current settings, so it is the same on every run.
"""
from __future__ import annotations

from html import escape
from typing import Any, Callable, Mapping, Sequence

import ipywidgets
import numpy

from .. import backend
from ..autograd import Tensor, tensor
from ..layers.merge import MERGE_MODES, merge
from .layer_shapes import RNN_LAYERS, rnn_output_shapes, rnn_param_count

MAX_UNITS_IN_TEXT = 8  # the text form of time_stepper shows at most this many units per step


class Explorer(ipywidgets.VBox):
    """A VBox of controls whose text form is a description of what it currently shows."""

    def __init__(self, children: Sequence[Any], describe: Callable[[], str]) -> None:
        super().__init__(children)
        self._describe = describe

    def __repr__(self) -> str:
        return self._describe()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self._describe()  # ipywidgets would cut it at 110 characters
        return bundle


def _pre(text: str) -> str:
    return f"<pre style='margin:0'>{escape(text)}</pre>"


def _format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join(lines)


def _shapes_text(shapes: list) -> str:
    return ", ".join(str(shape) for shape in shapes)


# ----------------------------------------------------------------------------- shape explorer
def shape_table(batch_size: int, time_steps: int, features: int, units: int, return_state: bool = False) -> str:
    """The text shown by ``shape_explorer``: output shapes and parameters of each recurrent layer."""
    rows = []
    for layer in RNN_LAYERS:
        for bidirectional in (False, True):
            for return_sequences in (False, True):
                arguments = f"{units}, return_sequences=True" if return_sequences else f"{units}"
                if return_state:
                    arguments += ", return_state=True"
                call = f"{layer}({arguments})"
                shapes = rnn_output_shapes(layer, batch_size, time_steps, units, return_sequences=return_sequences,
                                           return_state=return_state, bidirectional=bidirectional)
                params = rnn_param_count(layer, features, units, bidirectional=bidirectional)
                rows.append((f"Bidirectional({call})" if bidirectional else call, _shapes_text(shapes), f"{params:,}"))
    title = (f"Input (batch, time, features) = ({batch_size}, {time_steps}, {features})\n"
             "Keras-style layers (batch-major); Bidirectional with merge_mode='concat'")
    return title + "\n" + _format_table(("layer", "returns", "params"), rows)


def shape_explorer(batch_size: int = 32, time_steps: int = 10, features: int = 8, units: int = 16) -> Explorer:
    """Sliders for batch size, time steps, features and units, with every layer's output shapes.

    Shows, for SimpleRNN, LSTM and GRU, alone or in Bidirectional, with and without
    ``return_sequences`` (and optionally ``return_state``), what the layer returns for an input
    of shape (batch_size, time_steps, features) and how many parameters it has.
    """
    def slider(value: int, largest: int, description: str) -> ipywidgets.IntSlider:
        return ipywidgets.IntSlider(value, min=1, max=max(largest, value), description=description,
                                    style={"description_width": "80px"})

    sliders = {
        "batch_size": slider(batch_size, 128, "batch size"),
        "time_steps": slider(time_steps, 100, "time steps"),
        "features": slider(features, 64, "features"),
        "units": slider(units, 128, "units"),
    }
    return_state = ipywidgets.Checkbox(False, description="return_state")
    view = ipywidgets.HTML()

    def describe() -> str:
        return shape_table(**{name: s.value for name, s in sliders.items()}, return_state=return_state.value)

    def refresh(_change: Any = None) -> None:
        view.value = _pre(describe())

    for control in (*sliders.values(), return_state):
        control.observe(refresh, names="value")
    refresh()
    return Explorer([*sliders.values(), return_state, view], describe)


# ------------------------------------------------------------------------------ time stepper
def time_stepper(values: Any, labels: Sequence[str] | None = None, digits: int = 2) -> Explorer:
    """Step through activations over time: a slider (and play button) over t, one row per series.

    Args:
        values: an array or Tensor of shape (time_steps, units), a list of time_steps arrays of
            shape (units,), or a dict ``{name: such an array}`` to show several series side by side
            (e.g. ``{'input gate': I, 'forget gate': F, 'output gate': O}``).
        labels: one label per time step (e.g. the tokens); default t=0, t=1, ...
        digits: decimals shown for each value.
    """
    series = {name: _as_matrix(v, name) for name, v in (values.items() if isinstance(values, Mapping)
                                                         else [("values", values)])}
    if not series:
        raise ValueError("time_stepper(): values must contain at least one series, got an empty dict")
    steps = {m.shape[0] for m in series.values()}
    if len(steps) != 1:
        shapes = {name: m.shape for name, m in series.items()}
        raise ValueError(f"time_stepper(): every series needs the same number of time steps, got shapes {shapes}")
    num_steps = steps.pop()
    labels = [f"t={t}" for t in range(num_steps)] if labels is None else [str(label) for label in labels]
    if len(labels) != num_steps:
        raise ValueError(f"time_stepper(): labels must have {num_steps} entries (one per time step), got {len(labels)}")
    low = min(float(m.min()) for m in series.values())
    high = max(float(m.max()) for m in series.values())

    slider = ipywidgets.IntSlider(0, min=0, max=num_steps - 1, description="t")
    player = ipywidgets.Play(0, min=0, max=num_steps - 1, interval=600, description="play")
    ipywidgets.jslink((player, "value"), (slider, "value"))
    view = ipywidgets.HTML()

    def refresh(_change: Any = None) -> None:
        view.value = _stepper_html(series, labels, slider.value, low, high, digits)

    def describe() -> str:
        return _stepper_text(series, labels, digits)

    slider.observe(refresh, names="value")
    refresh()
    return Explorer([ipywidgets.HBox([player, slider]), view], describe)


def _as_matrix(values: Any, name: str) -> numpy.ndarray:
    if isinstance(values, Tensor):
        matrix = values.numpy()
    elif isinstance(values, (list, tuple)):
        matrix = numpy.stack([v.numpy() if isinstance(v, Tensor) else backend.to_numpy(v) for v in values])
    else:
        matrix = backend.to_numpy(values)
    matrix = numpy.asarray(matrix, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix[:, None]  # one unit
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"time_stepper(): {name} must have shape (time_steps, units), got {matrix.shape}")
    return matrix


def _stepper_text(series: dict, labels: list, digits: int) -> str:
    num_steps, = {m.shape[0] for m in series.values()}
    units = max(m.shape[1] for m in series.values())
    shown = min(units, MAX_UNITS_IN_TEXT)
    note = f" (first {shown} shown)" if shown < units else ""
    lines = [f"{num_steps} time steps x {units} units{note}; series: {', '.join(series)}"]
    for t, label in enumerate(labels):
        cells = [f"{name} [{' '.join(f'{v:.{digits}f}' for v in m[t, :shown])}]" for name, m in series.items()]
        lines.append(f"{label!r:>8}  " + "  ".join(cells))
    return "\n".join(lines)


def _stepper_html(series: dict, labels: list, t: int, low: float, high: float, digits: int) -> str:
    tokens = " ".join(
        f"<b style='background:#ffd54f'>{escape(label)}</b>" if i == t else escape(label)
        for i, label in enumerate(labels)
    )
    rows = []
    for name, matrix in series.items():
        cells = "".join(_colour_cell(v, low, high, digits) for v in matrix[t])
        rows.append(f"<tr><th style='text-align:left;padding-right:8px'>{escape(name)}</th>{cells}</tr>")
    return f"<div style='font-family:monospace'>{tokens}</div><table>{''.join(rows)}</table>"


def _colour_cell(value: float, low: float, high: float, digits: int) -> str:
    """A table cell shaded from white (lowest value) to blue (highest)."""
    share = 0.0 if high == low else (value - low) / (high - low)
    red, green, blue = (round(255 + (c - 255) * share) for c in (47, 110, 165))
    text = "white" if share > 0.55 else "black"
    return (f"<td style='background:rgb({red},{green},{blue});color:{text};padding:2px 6px;"
            f"font-family:monospace'>{value:.{digits}f}</td>")


# ------------------------------------------------------------------------- merge mode explorer
def merge_outputs(forward: numpy.ndarray, backward: numpy.ndarray, merge_mode: str | None) -> list:
    """Combine the two directions as ``Bidirectional(merge_mode=...)`` does (it is its ``merge``): a list."""
    return [merged.numpy() for merged in merge(tensor(forward), tensor(backward), merge_mode)]


MERGE_FORMULAS = {"concat": "[y_f, y_b]", "sum": "y_f + y_b", "ave": "(y_f + y_b) / 2", "mul": "y_f * y_b",
                  None: "y_f, y_b (two outputs)"}


def merge_table(forward: Sequence[float], backward: Sequence[float], batch_size: int = 32, time_steps: int = 10,
                return_sequences: bool = False) -> str:
    """The text shown by ``merge_mode_explorer``: every merge mode applied to one example."""
    y_f, y_b = numpy.asarray(forward, dtype=float), numpy.asarray(backward, dtype=float)
    units = y_f.shape[-1]
    rows = []
    for mode in MERGE_MODES:
        merged = merge_outputs(y_f, y_b, mode)
        example = ", ".join(_vector_text(m) for m in merged)
        shapes = rnn_output_shapes("LSTM", batch_size, time_steps, units, return_sequences=return_sequences,
                                   bidirectional=True, merge_mode=mode)
        rows.append((repr(mode), MERGE_FORMULAS[mode], example, _shapes_text(shapes)))
    layer = f"LSTM({units}, return_sequences=True)" if return_sequences else f"LSTM({units})"
    title = (f"Bidirectional({layer}) on input ({batch_size}, {time_steps}, features); "
             f"at one step y_f = {_vector_text(y_f)}, y_b = {_vector_text(y_b)}")
    return title + "\n" + _format_table(("merge_mode", "formula", "example", "output shape"), rows)


def _vector_text(vector: numpy.ndarray) -> str:
    return "[" + ", ".join(f"{v:g}" for v in numpy.round(vector, 4)) + "]"


def merge_mode_explorer(forward: Sequence[float] = (0.5, -1.0, 2.0), backward: Sequence[float] = (1.5, 0.5, -1.0),
                        batch_size: int = 32, time_steps: int = 10) -> Explorer:
    """Pick a Bidirectional merge mode and see what it does to a forward and a backward output.

    ``forward`` and ``backward`` are the two directions' outputs at one time step (same length);
    the widget shows the merged result and the shape the layer returns.
    """
    y_f, y_b = numpy.asarray(forward, dtype=float), numpy.asarray(backward, dtype=float)
    if y_f.ndim != 1 or y_f.shape != y_b.shape or y_f.size == 0:
        raise ValueError(f"merge_mode_explorer(): forward and backward must be non-empty vectors of the same "
                         f"length, got shapes {y_f.shape} and {y_b.shape}")
    mode = ipywidgets.Dropdown(options=[("concat", "concat"), ("sum", "sum"), ("ave", "ave"), ("mul", "mul"),
                                        ("None", None)], value="concat", description="merge_mode",
                                 style={"description_width": "initial"})
    sequences = ipywidgets.Checkbox(False, description="return_sequences")
    view = ipywidgets.HTML()

    def describe() -> str:
        return merge_table(y_f, y_b, batch_size, time_steps, sequences.value)

    def refresh(_change: Any = None) -> None:
        merged = merge_outputs(y_f, y_b, mode.value)
        shapes = rnn_output_shapes("LSTM", batch_size, time_steps, y_f.size, return_sequences=sequences.value,
                                   bidirectional=True, merge_mode=mode.value)
        view.value = _pre(f"y_f = {_vector_text(y_f)}\ny_b = {_vector_text(y_b)}\n"
                          f"merge_mode={mode.value!r}: {MERGE_FORMULAS[mode.value]}\n"
                          f"result = {', '.join(_vector_text(m) for m in merged)}\n"
                          f"layer returns {_shapes_text(shapes)}")

    mode.observe(refresh, names="value")
    sequences.observe(refresh, names="value")
    refresh()
    return Explorer([ipywidgets.HBox([mode, sequences]), view], describe)
