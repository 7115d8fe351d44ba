"""Containers of sub-modules, as PyTorch's: ``Sequential``, ``ModuleList`` and ``ModuleDict``.

Each child is stored as an attribute named by its position ('0', '1', ...) or its key, so
``Module.named_parameters`` finds it and the state-dict keys are PyTorch's: ``'0.weight'``
for the first layer of a Sequential.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from .module import Module


def _check_module(module: Any, container: str, where: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{container}: {where} must be a d2lrnn.nn.Module, got {type(module).__name__}")
    return module


class ModuleList(Module):
    """A list of modules, registered under the names '0', '1', ...; index, iterate, append."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        if modules is not None:
            self.extend(modules)

    def _items(self) -> list[Module]:
        return [value for key, value in vars(self).items() if key.isdigit()]

    def _set_items(self, items: list[Module]) -> None:
        for key in [key for key in vars(self) if key.isdigit()]:
            delattr(self, key)
        for i, module in enumerate(items):
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    def __getitem__(self, index: int | slice) -> Any:
        items = self._items()
        if isinstance(index, slice):
            return ModuleList(items[index])
        if not isinstance(index, int) or not -len(items) <= index < len(items):
            raise IndexError(f"{type(self).__name__}: index {index!r} is out of range for {len(items)} modules")
        return items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        items = self._items()
        items[index] = _check_module(module, type(self).__name__, f"the module at index {index}")
        self._set_items(items)

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns self."""
        setattr(self, str(len(self)), _check_module(module, type(self).__name__, "the appended module"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Append every module of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        items = self._items()
        items.insert(index, _check_module(module, type(self).__name__, "the inserted module"))
        self._set_items(items)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward: iterate over it in your own forward")

    def __repr__(self) -> str:
        body = "\n".join(f"  ({i}): " + repr(m).replace("\n", "\n  ") for i, m in enumerate(self))
        return f"{type(self).__name__}(\n{body}\n)" if body else f"{type(self).__name__}()"


class Sequential(ModuleList):
    """Modules applied one after the other: ``Sequential(m0, m1, ...)`` or ``Sequential(OrderedDict(...))``.

    ``forward(x)`` returns ``m_n(...m_1(m_0(x)))``. With an OrderedDict the children are
    named by its keys; otherwise '0', '1', ... as in PyTorch.
    """

    def __init__(self, *modules: Any) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for key, module in modules[0].items():
                _set_named(self, key, module, "Sequential")
        else:
            for i, module in enumerate(modules):
                setattr(self, str(i), _check_module(module, "Sequential", f"argument {i}"))

    def _items(self) -> list[Module]:
        return [value for value in vars(self).values() if isinstance(value, Module)]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):  # PyTorch keeps the children's names in a slice
            return Sequential(OrderedDict(list(zip(self._names(), self._items()))[index]))
        return super().__getitem__(index)

    def _names(self) -> list[str]:
        return [key for key, value in vars(self).items() if isinstance(value, Module)]

    def _set_items(self, items: list[Module]) -> None:
        for key in self._names():
            delattr(self, key)
        for i, module in enumerate(items):
            setattr(self, str(i), module)

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end under the next free number (a slice may have left '1', '2'); returns self."""
        names = set(self._names())
        number = len(names)
        while str(number) in names:
            number += 1
        setattr(self, str(number), _check_module(module, "Sequential", "the appended module"))
        return self

    def forward(self, x: Any) -> Any:
        """Feed ``x`` through every module in order."""
        for module in self:
            x = module(x)
        return x

    def __repr__(self) -> str:
        body = "\n".join(f"  ({k}): " + repr(m).replace("\n", "\n  ") for k, m in zip(self._names(), self))
        return f"Sequential(\n{body}\n)" if body else "Sequential()"


def _set_named(owner: Module, key: Any, module: Any, container: str) -> None:
    """Register ``module`` as ``owner.<key>``, refusing keys that would hide an attribute of the class."""
    if not isinstance(key, str) or not key or "." in key:
        raise ValueError(f"{container}: keys must be non-empty strings without '.', got {key!r}")
    if hasattr(type(owner), key) or key in ("training",):
        raise ValueError(f"{container}: key {key!r} would hide the attribute {type(owner).__name__}.{key}")
    setattr(owner, key, _check_module(module, container, f"the value of key {key!r}"))


class ModuleDict(Module):
    """A dict of modules, registered under their keys: ``d['rnn']``, ``d.keys()``, ``d.items()``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        if modules is not None:
            self.update(modules)

    def _dict(self) -> "OrderedDict[str, Module]":
        return OrderedDict((k, v) for k, v in vars(self).items() if isinstance(v, Module))

    def __getitem__(self, key: str) -> Module:
        modules = self._dict()
        if key not in modules:
            raise KeyError(f"ModuleDict: no module under key {key!r}; keys are {list(modules)}")
        return modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        _set_named(self, key, module, "ModuleDict")

    def __delitem__(self, key: str) -> None:
        self[key]  # raises a KeyError naming the keys
        delattr(self, key)

    def __contains__(self, key: str) -> bool:
        return key in self._dict()

    def __len__(self) -> int:
        return len(self._dict())

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._dict().keys())

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return list(self._dict().values())

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs, in insertion order."""
        return list(self._dict().items())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or an iterable of (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward: look its modules up in your own forward")

    def __repr__(self) -> str:
        body = "\n".join(f"  ({k}): " + repr(m).replace("\n", "\n  ") for k, m in self.items())
        return f"ModuleDict(\n{body}\n)" if body else "ModuleDict()"


__all__ = ["Sequential", "ModuleList", "ModuleDict"]
