"""``Configurable``: an object described by its constructor arguments (initializers, regularizers).

``get_config()`` returns those arguments, ``from_config(config)`` calls the constructor with
them, and the repr shows them: ``GlorotUniform(seed=None)``, ``L2(l2=0.01)``.
"""
from __future__ import annotations


class Configurable:
    """Base for objects rebuilt from ``get_config()``: ``type(x).from_config(x.get_config())`` is like ``x``."""

    # The names of the constructor arguments, each kept as the attribute of the same name.
    CONFIG: tuple[str, ...] = ()

    def get_config(self) -> dict:
        """The constructor arguments named in ``CONFIG``, with their values."""
        return {name: getattr(self, name) for name in self.CONFIG}

    @classmethod
    def from_config(cls, config: dict) -> "Configurable":
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"
