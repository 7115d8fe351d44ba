"""Tolerance markers: compare the floats a cell prints within a declared tolerance.

A code cell whose printed floating-point numbers come from training (or other computation that
amplifies rounding differences between BLAS kernels) declares a tolerance in its metadata::

    "metadata": {"d2lrnn": {"rtol": 0.05}}        # and/or "atol": 0.01

A notebook may declare a default for all its cells the same way in the notebook metadata; a
cell's own marker replaces it (``{"rtol": 0, "atol": 0}`` makes one cell strict again).

In a marked cell's text outputs (stdout, stderr, text/plain, text/html, text/markdown,
text/latex), everything that is not a number must match exactly, integers too; a float
(a number written with a decimal point or an exponent) passes when
``|now - stored| <= atol + rtol * |stored|``. Other outputs, and unmarked cells, stay strict.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

MARKER = "d2lrnn"
#: Output keys whose text is compared with the tolerance (stream names and MIME types).
TEXT_KEYS = ("stdout", "stderr", "text/plain", "text/html", "text/markdown", "text/latex")
# A number not glued to a word: "-0.59", "7.975", "1.2e-05", "12"; the "2" of "conv2d" is text.
NUMBER = re.compile(r"((?<![\w.])[-+]?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)(?!\w))")


@dataclass(frozen=True)
class Tolerance:
    """How far a printed float may move: ``|now - stored| <= atol + rtol * |stored|``."""

    rtol: float = 0.0
    atol: float = 0.0

    def allowed(self, stored: float) -> float:
        """The largest difference allowed around ``stored``."""
        return self.atol + self.rtol * abs(stored)

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


def parse_marker(value: object, where: str) -> Tolerance:
    """The ``Tolerance`` of a marker ``{"rtol": ..., "atol": ...}``; ``where`` names it in errors."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping like {{'rtol': 0.05}}, got {value!r}")
    unknown = set(value) - {"rtol", "atol"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; expected 'rtol' and/or 'atol'")
    numbers = {}
    for name in ("rtol", "atol"):
        number = value.get(name, 0.0)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not number >= 0 \
                or math.isinf(number):
            raise ValueError(f"{where}: {name} must be a finite number >= 0, got {number!r}")
        numbers[name] = float(number)
    return Tolerance(**numbers)


def tolerance_of(cell_metadata: dict, notebook_metadata: dict | None = None) -> Tolerance | None:
    """The tolerance declared for a cell (its own marker, else the notebook's), or None: strict."""
    if MARKER in cell_metadata:
        return parse_marker(cell_metadata[MARKER], f"cell metadata {MARKER!r}")
    if notebook_metadata and MARKER in notebook_metadata:
        return parse_marker(notebook_metadata[MARKER], f"notebook metadata {MARKER!r}")
    return None


def _is_float(token: str) -> bool:
    return "." in token or "e" in token or "E" in token


@dataclass(frozen=True)
class Difference:
    """A float that moved further than its tolerance allows."""

    stored: str
    now: str
    tolerance: Tolerance

    def __str__(self) -> str:
        stored, now = float(self.stored), float(self.now)
        return (f"{self.stored} (stored) vs {self.now} (now): difference {abs(now - stored):.3g} "
                f"> allowed {self.tolerance.allowed(stored):.3g} ({self.tolerance})")


def reconcile(stored: str, now: str, tolerance: Tolerance) -> tuple[str, list[Difference], float]:
    """Match ``now`` against ``stored`` under ``tolerance``.

    Returns ``(text, differences, worst)``: ``text`` is ``now`` with every float that lies within
    tolerance written as in ``stored`` (so an exact comparison of ``text`` with ``stored`` then
    fails only on real changes); ``differences`` lists the floats beyond tolerance; ``worst`` is
    the largest ``|now - stored| / allowed`` over the floats (0 when there are none; inf when a
    float moved and nothing is allowed). When the two texts do not have the same sequence of
    words and numbers, ``now`` is returned unchanged (the exact comparison reports it).
    """
    stored_parts, now_parts = NUMBER.split(stored), NUMBER.split(now)
    if len(stored_parts) != len(now_parts):
        return now, [], 0.0
    parts, differences, worst = list(now_parts), [], 0.0
    for index in range(1, len(parts), 2):  # odd places hold the numbers
        old, new = stored_parts[index], now_parts[index]
        if old == new or not (_is_float(old) and _is_float(new)):
            continue  # equal, or an integer: compared exactly
        gap, allowed = abs(float(new) - float(old)), tolerance.allowed(float(old))
        worst = max(worst, gap / allowed if allowed > 0 else (math.inf if gap > 0 else 0.0))
        if gap <= allowed:
            parts[index] = old
        else:
            differences.append(Difference(old, new, tolerance))
    return "".join(parts), differences, worst
