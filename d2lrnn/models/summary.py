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
COLUMN_SPLITS = (0.45, 0.80)  # Keras's positions for sequential models
DEFAULT_LINE_LENGTH = 88


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


def column_widths(line_length: int) -> tuple[int, int, int]:
    """Inner widths of the three columns so that borders included the table is ``line_length`` wide."""
    first, second = (int(line_length * p) for p in COLUMN_SPLITS)
    return first - 1, second - first - 2, line_length - second - 1


def _rule(left: str, fill: str, join: str, right: str, widths: Sequence[int]) -> str:
    return left + join.join(fill * w for w in widths) + right


def _row(cells: Sequence[str], widths: Sequence[int], bar: str) -> list[str]:
    """One table row, several lines tall when a cell's text has to wrap."""
    wrapped = [textwrap.wrap(text, w - 2, break_on_hyphens=False) or [""] for text, w in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, w, right in zip(wrapped, widths, RIGHT_ALIGNED):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(w - 2) if right else text.ljust(w - 2)) + " ")
        out.append(bar + bar.join(parts) + bar)
    return out


def format_summary(model_name: str, rows: Sequence[tuple[str, str, str]], trainable_params: int,
                   non_trainable_params: int, trainable_bytes: int, non_trainable_bytes: int,
                   line_length: int = DEFAULT_LINE_LENGTH) -> str:
    """The whole summary text.

    Args:
        model_name: printed as ``Model: "name"``.
        rows: (``"name (Type)"``, output shape text, parameter count text) per layer.
        trainable_params, non_trainable_params: counts for the footer.
        trainable_bytes, non_trainable_bytes: their memory (parameters times bytes per dtype).
        line_length: total width in characters (Keras: 88 for sequential models).
    """
    widths = column_widths(line_length)
    lines = [f'Model: "{model_name}"', _rule("┏", "━", "┳", "┓", widths)]
    lines += _row(HEADER, widths, "┃")
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule("├", "─", "┼", "┤", widths))
        lines += _row(row, widths, "│")
    lines.append(_rule("└", "─", "┴", "┘", widths))
    total = trainable_params + non_trainable_params
    lines += [
        f" Total params: {total:,} ({readable_memory_size(trainable_bytes + non_trainable_bytes)})",
        f" Trainable params: {trainable_params:,} ({readable_memory_size(trainable_bytes)})",
        f" Non-trainable params: {non_trainable_params:,} ({readable_memory_size(non_trainable_bytes)})",
    ]
    return "\n".join(lines)


__all__ = ["format_summary", "format_shape", "readable_memory_size", "column_widths"]
