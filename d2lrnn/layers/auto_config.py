"""Keras 3's automatic config: the arguments a layer's constructor was called with.

A user's layer or cell that defines no ``get_config`` still gets a config, so that it can be
copied (``Bidirectional(RNN(cell))``) and rebuilt with ``from_config``.
"""
from __future__ import annotations

import inspect
from typing import Any


class Arguments:
    """The remembered arguments, wrapped: a plain dict attribute holding a layer argument would make
    that layer look like a sub-layer of its owner (``Layer._sublayers`` looks into dicts)."""

    __slots__ = ("values",)

    def __init__(self, values: dict) -> None:
        self.values = values


def auto_config(cls: type, args: tuple, kwargs: dict) -> Arguments | None:
    """The arguments of ``cls(*args, **kwargs)`` by parameter name, or None when they cannot be
    named (variadic or positional-only parameters, or arguments that do not fit the signature)."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())[1:]
    if any(p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL) for p in parameters):
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        if signature.parameters[name].kind == inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        else:
            config[name] = value
    return Arguments(config)


def completed_auto_config(cls: type, base: dict, arguments: Arguments) -> dict:
    """``base`` (name, trainable, dtype) updated with the constructor ``arguments``; base keys the
    constructor cannot take (no such parameter and no ``**kwargs``) are dropped."""
    parameters = inspect.signature(cls.__init__).parameters
    takes_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    config = {k: v for k, v in base.items() if takes_kwargs or k in parameters}
    config.update(arguments.values)
    return config
