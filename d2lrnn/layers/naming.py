"""Names: unique default layer names ('lstm', 'lstm_1', ...) and weight paths ('lstm/lstm_cell/kernel').

A layer without a ``name`` gets its class name in snake case, numbered per kind;
``clear_session`` restarts the count. While a layer builds, its name is pushed on the build
scope, so the weights its sub-layers create are named under it.
"""
from __future__ import annotations

import re
import threading

_name_counts: dict[str, int] = {}


def to_snake_case(name: str) -> str:
    """'SimpleRNN' -> 'simple_rnn', 'LSTMCell' -> 'lstm_cell' (Keras's rule for default names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ..."""
    count = _name_counts.get(prefix, 0)
    _name_counts[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Restart the default names (the next LSTM is called 'lstm' again), like Keras's."""
    _name_counts.clear()


class _BuildScope(threading.local):
    """Names of the layers being built, outermost first: weight paths like 'lstm/lstm_cell/kernel'."""

    def __init__(self) -> None:
        self.names: list[str] = []


build_scope = _BuildScope()


def weight_path(layer_name: str, weight_name: str) -> str:
    """'lstm/lstm_cell/kernel' while 'lstm' builds its cell 'lstm_cell'; 'dense/kernel' otherwise."""
    inside_own_build = bool(build_scope.names) and build_scope.names[-1] == layer_name
    return "/".join((build_scope.names if inside_own_build else [layer_name]) + [weight_name])
