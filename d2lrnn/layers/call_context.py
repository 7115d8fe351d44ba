"""The call context: what an outer layer call passes down to the layers it calls.

``training`` flows from the outermost ``layer(...)`` call to every layer called inside it
(default False, so dropout is off unless a training loop asks for it). ``call_accepts`` says
which of ``mask``, ``training``, ``initial_state`` a ``call`` method declares, so only those
are passed.
"""
from __future__ import annotations

import inspect
import threading
from typing import Any


class _CallContext(threading.local):
    """The ``training`` flag of the outermost layer call, seen by the layers it calls."""

    depth: int = 0
    training: bool | None = None


context = _CallContext()

_accepts_cache: dict[tuple, bool] = {}


def call_accepts(function: Any, parameter: str) -> bool:
    """Whether ``function`` declares ``parameter`` (or takes **kwargs)."""
    key = (function, parameter)
    if key not in _accepts_cache:
        params = inspect.signature(function).parameters
        _accepts_cache[key] = parameter in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return _accepts_cache[key]
