"""The serialization registry: layer configs by class name, so configs can name the layers they hold.

Every ``Layer`` subclass registers itself in ``LAYER_CLASSES`` when it is defined.
"""
from __future__ import annotations

from typing import Any

# Every Layer subclass, by class name (filled by Layer.__init_subclass__).
LAYER_CLASSES: dict[str, type] = {}


def serialize_layer(layer: Any) -> dict:
    """{'class_name': 'LSTM', 'config': layer.get_config()}: enough to rebuild it (without weights)."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config: dict, custom_objects: dict | None = None) -> Any:
    """The inverse of ``serialize_layer``; ``custom_objects`` maps class names to classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_layer: expected a dict with 'class_name' and 'config', got {config!r}")
    classes = {**LAYER_CLASSES, **(custom_objects or {})}
    name = config["class_name"]
    if name not in classes:
        raise ValueError(f"deserialize_layer: unknown layer class {name!r}; define it (or pass it in "
                         f"custom_objects) before loading. Known: {sorted(classes)}")
    return classes[name].from_config(config.get("config", {}))
