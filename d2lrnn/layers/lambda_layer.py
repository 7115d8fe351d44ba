"""``Lambda``: wrap a plain function of Tensors as a layer."""
from __future__ import annotations

import importlib
from typing import Any, Callable

from .layer import Layer


class Lambda(Layer):
    """Keras's ``Lambda(function)``: ``call`` is ``function(inputs, **arguments)``.

    Write the function with Tensor operations so that gradients flow. Without ``output_shape`` the
    output shape is found by running the function on a small batch.

    Args:
        function: callable Tensor (or list of Tensors) -> Tensor(s).
        output_shape: the output shape without the batch axis, or a callable input_shape ->
            output_shape (batch axis included), or None.
        mask: None (the output has no mask), or a callable (inputs, mask) -> mask.
        arguments: extra keyword arguments for ``function``.

    Config: a named function is saved by module and name and found again on loading (or through
    ``custom_objects``); an anonymous ``lambda`` cannot be rebuilt from a config.
    """

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any) -> None:
        if not callable(function):
            raise TypeError(f"function: expected a callable of Tensors, got {function!r}")
        if mask is not None and not callable(mask):
            raise TypeError(f"mask: expected None or a callable (inputs, mask) -> mask, got {mask!r}")
        super().__init__(**kwargs)
        self.function = function
        self.output_shape = tuple(output_shape) if isinstance(output_shape, (list, tuple)) else output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self.mask(inputs, mask) if self.mask is not None else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_shape is None:
            raise NotImplementedError(f"Lambda '{self.name}' has no output_shape")
        if callable(self.output_shape):
            return self.output_shape(input_shape)
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + self.output_shape

    def get_config(self) -> dict:
        function = self.function
        qualname = getattr(function, "__qualname__", "<lambda>")
        if getattr(function, "__name__", "<lambda>") == "<lambda>" or "<locals>" in qualname:
            raise ValueError(f"Lambda '{self.name}': its function {qualname} is anonymous or local, so a config "
                             "cannot name it. Define it with `def` at module level (or write a Layer subclass).")
        config = {**super().get_config(), "function": {"module": function.__module__, "name": function.__qualname__},
                  "arguments": self.arguments}
        if self.output_shape is not None and not callable(self.output_shape):
            config["output_shape"] = self.output_shape
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Lambda":
        config = dict(config)
        spec = config.pop("function")
        if isinstance(spec, dict):
            name = spec["name"]
            function = (custom_objects or {}).get(name)
            if function is None:
                try:
                    function = importlib.import_module(spec["module"])
                    for part in name.split("."):
                        function = getattr(function, part)
                except (ImportError, AttributeError):
                    raise ValueError(f"Lambda: cannot find function {spec['module']}.{name}; pass it in custom_objects="
                                     f"{{'{name}': function}}") from None
            spec = function
        return cls(spec, **config)


__all__ = ["Lambda"]
