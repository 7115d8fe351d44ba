"""The text of ``Sequential.summary()``, drawn like Keras 3 (box-drawing table, memory sizes).

Example (88 characters wide)::

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
    │ dense (Dense)                        │ (None, 1)                   │              17 │
    └──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
     Total params: 17 (68.00 B)
     Trainable params: 17 (68.00 B)
     Non-trainable params: 0 (0.00 B)
"""
from __future__ import annotations

import textwrap
from typing import Sequence

HEADER = ("Layer (type)", "Output Shape", "Param #")
RIGHT_ALIGNED = (False, False, True)
COLUMN_SPLITS = (0.45, 0.80)  # Keras's positions for sequential-like models
DEFAULT_LINE_LENGTH = 88
# Graph models (several inputs, merges, shared layers) add a "Connected to" column, 108 wide.
GRAPH_HEADER = HEADER + ("Connected to",)
GRAPH_RIGHT_ALIGNED = RIGHT_ALIGNED + (False,)
GRAPH_COLUMN_SPLITS = (0.30, 0.56, 0.74)
GRAPH_LINE_LENGTH = 108


def readable_memory_size(num_bytes: float) -> str:
    """Bytes with two decimals in the largest unit (1024-based) that keeps the value >= 1: '362.44 KB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes < 1024:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"


def format_shape(shape: object) -> str:
    """(None, 20, 64) for a tuple, '[(None, 4), (None, 4)]' for a list of shapes, '?' for None."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def column_widths(line_length: int, splits: Sequence[float] = COLUMN_SPLITS) -> tuple[int, ...]:
    """Inner widths of the columns so that borders included the table is ``line_length`` wide."""
    bounds = [0] + [int(line_length * p) for p in splits] + [line_length]
    widths = [b - a - 1 for a, b in zip(bounds, bounds[1:])]
    widths[1] -= 1  # the borders take one character more than the splits leave
    return tuple(widths)


def _rule(left: str, fill: str, join: str, right: str, widths: Sequence[int]) -> str:
    return left + join.join(fill * w for w in widths) + right


def _row(cells: Sequence[str], widths: Sequence[int], bar: str, right_aligned: Sequence[bool]) -> list[str]:
    """One table row, several lines tall when a cell's text has to wrap. The "Connected to" cell
    (fourth) wraps between connections and ends a connection too long for a line with '…'."""
    wrapped = []
    for column, (text, w) in enumerate(zip(cells, widths)):
        if column == 3:
            lines = [line if len(line) <= w - 2 else line[:w - 3] + "…"
                     for line in textwrap.wrap(text, w - 2, break_long_words=False, break_on_hyphens=False)]
        else:
            lines = textwrap.wrap(text, w - 2, break_on_hyphens=False)
        wrapped.append(lines or [""])
    height = max(len(lines) for lines in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, w, right in zip(wrapped, widths, right_aligned):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(w - 2) if right else text.ljust(w - 2)) + " ")
        out.append(bar + bar.join(parts) + bar)
    return out


def format_summary(model_name: str, rows: Sequence[tuple[str, ...]], trainable_params: int,
                   non_trainable_params: int, trainable_bytes: int, non_trainable_bytes: int,
                   line_length: int | None = None) -> str:
    """The whole summary text.

    Args:
        model_name: printed as ``Model: "name"``.
        rows: (``"name (Type)"``, output shape text, parameter count text) per layer, plus the
            "Connected to" text as a fourth entry for graph models.
        trainable_params, non_trainable_params: counts for the footer.
        trainable_bytes, non_trainable_bytes: their memory (parameters times bytes per dtype).
        line_length: total width in characters (Keras: 88 for sequential-like models, 108 with
            the "Connected to" column).
    """
    graph = bool(rows) and len(rows[0]) == 4
    header, right_aligned, splits = ((GRAPH_HEADER, GRAPH_RIGHT_ALIGNED, GRAPH_COLUMN_SPLITS) if graph
                                     else (HEADER, RIGHT_ALIGNED, COLUMN_SPLITS))
    widths = column_widths(line_length or (GRAPH_LINE_LENGTH if graph else DEFAULT_LINE_LENGTH), splits)
    lines = [f'Model: "{model_name}"', _rule("┏", "━", "┳", "┓", widths)]
    lines += _row(header, widths, "┃", right_aligned)
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule("├", "─", "┼", "┤", widths))
        lines += _row(row, widths, "│", right_aligned)
    lines.append(_rule("└", "─", "┴", "┘", widths))
    total = trainable_params + non_trainable_params
    lines += [
        f" Total params: {total:,} ({readable_memory_size(trainable_bytes + non_trainable_bytes)})",
        f" Trainable params: {trainable_params:,} ({readable_memory_size(trainable_bytes)})",
        f" Non-trainable params: {non_trainable_params:,} ({readable_memory_size(non_trainable_bytes)})",
    ]
    return "\n".join(lines)


def summary_text(model: object, rows: Sequence[tuple[str, ...]], line_length: int | None = None) -> str:
    """``format_summary`` for ``model``, with the footer counted from its (unique) weights."""
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    return format_summary(model.name, rows, sum(w.size for w in trainable), sum(w.size for w in frozen),
                          sum(w.data.nbytes for w in trainable), sum(w.data.nbytes for w in frozen),
                          line_length=line_length)


__all__ = ["summary_text", "format_summary", "format_shape", "readable_memory_size", "column_widths"]
