"""``Node``: one call of a layer on KerasTensors, and ``symbolic_call``, which records it.

Calling a layer on symbolic inputs (``layers.Input`` or another layer's symbolic output) does not
compute anything a user sees. ``symbolic_call`` instead

1. builds the layer for the symbolic input shape (so a layer that cannot take its input fails
   here, with the same error as on data);
2. runs the layer once on a small *probe* batch (ones, or zeros where ids index a table), with
   gradients off, dropout off and stateful states restored afterwards: the same code path as on
   data, so every check the layer makes on its inputs runs, and the probe's outputs say which
   outputs carry a mask;
3. takes the output shapes from ``compute_output_shape`` (``None`` stays ``None``); for a layer
   without one (``Lambda``, most custom layers) a second probe with other sizes finds the axes
   that follow the input's unknown sizes, as Keras's torch backend does;
4. records a ``Node`` (the layer, the call's arguments with their KerasTensors, the output
   KerasTensors) in ``layer._inbound_nodes`` and returns the output KerasTensors in the
   structure the layer returns (one tensor, or a list such as ``[output, h, c]``).
"""
from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from ..autograd import Tensor, no_grad
from .layer import Layer
from .masks import attach_mask, mask_of
from .keras_tensor import KerasHistory, KerasTensor, flatten_structure, map_structure

# Sizes given to unknown axes in the probes: batch axis first, then any other unknown axis. The
# second pair tells which output axes follow them.
PROBE_SIZES = ((2, 3), (5, 7))


class Node:
    """One call of ``layer``: ``layer(*call_args, **call_kwargs)`` returned ``outputs``.

    Attributes:
        layer: the layer called (an ``InputLayer`` for the node that makes an Input's tensor).
        call_args: the positional arguments, KerasTensors inside (the inputs first).
        call_kwargs: keyword arguments (``initial_state``, ``mask``, ``training``, ...).
        outputs: the output KerasTensors, in the structure the layer returned.
        input_tensors, output_tensors: the KerasTensors of the arguments and of the outputs, flat.
        index: position in ``layer._inbound_nodes`` (the ``[0]`` of 'dense[0][0]').
    """

    def __init__(self, layer: Layer, call_args: tuple, call_kwargs: dict, outputs: Any) -> None:
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [x for x in flatten_structure((call_args, call_kwargs)) if isinstance(x, KerasTensor)]
        self.output_tensors = flatten_structure(outputs)
        nodes = inbound_nodes(layer)
        self.index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = KerasHistory(layer, self.index, i)

    @property
    def is_input(self) -> bool:
        """Whether this node makes an Input's tensor (it has no inputs of its own)."""
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list["Node"]:
        """The nodes that made this node's input tensors."""
        return [node_of(x) for x in self.input_tensors]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}[{self.index}]>"


def inbound_nodes(layer: Layer) -> list[Node]:
    """The symbolic calls of ``layer``, in order (created on first use)."""
    nodes = layer.__dict__.get("_inbound_nodes")
    if nodes is None:
        nodes = layer.__dict__["_inbound_nodes"] = []
    return nodes


def node_of(tensor: KerasTensor) -> Node:
    """The node that made ``tensor``."""
    layer, node_index, _ = tensor._keras_history
    return inbound_nodes(layer)[node_index]


def symbolic_call(layer: Layer, call_args: tuple, call_kwargs: dict) -> Any:
    """Record ``layer(*call_args, **call_kwargs)`` on KerasTensors and return its output KerasTensors.

    ``call_kwargs`` holds the keywords as the user gave them (``training`` only if given).
    """
    inputs = call_args[0]
    first = _run_probe(layer, call_args, call_kwargs, PROBE_SIZES[0])
    flat_first = flatten_structure(first)
    if not all(isinstance(y, Tensor) for y in flat_first):
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}) returned "
                        f"{[type(y).__name__ for y in flat_first]}; a layer must return Tensors (or lists of them)")
    shapes = _declared_output_shapes(layer, inputs, flat_first)
    if shapes is None:
        second = flatten_structure(_run_probe(layer, call_args, call_kwargs, PROBE_SIZES[1]))
        shapes = [tuple(a if a == b else None for a, b in zip(y1.shape, y2.shape)) if y1.ndim == y2.ndim
                  else (None,) * y1.ndim for y1, y2 in zip(flat_first, second)]
    position = iter(range(len(flat_first)))

    def symbolic(y: Tensor) -> KerasTensor:
        i = next(position)
        mask = mask_of(y)
        return KerasTensor(shapes[i], y.dtype, mask_ndim=None if mask is None else numpy.ndim(mask))

    outputs = map_structure(symbolic, first)
    Node(layer, call_args, call_kwargs, outputs)
    return outputs


def _run_probe(layer: Layer, call_args: tuple, call_kwargs: dict, sizes: tuple) -> Any:
    """Call ``layer`` on concrete stand-ins of the KerasTensors; gradients off, training off,
    the states of stateful layers (and the parameters' values) left as they were."""
    stand_ins = map_structure(lambda x: probe_value(x, sizes) if isinstance(x, KerasTensor) else x,
                              (call_args, call_kwargs))
    args, kwargs = stand_ins
    kwargs = {**kwargs, "training": False}
    stateful = [(l, l.states) for l in layer._flatten_layers() if getattr(l, "stateful", False)
                and "states" in vars(l)]
    try:
        with no_grad():
            return layer(*args, **kwargs)
    finally:
        for l, states in stateful:
            if states is None:
                l.reset_state()
            else:
                l.states = states


def probe_value(tensor: KerasTensor, sizes: tuple) -> Any:
    """A concrete stand-in for ``tensor``: unknown batch size -> sizes[0], other unknown sizes -> sizes[1];
    floats are ones, integers ones (a valid id of any table with two rows or more), booleans True."""
    shape = tuple(sizes[0] if (d is None and i == 0) else sizes[1] if d is None else d
                  for i, d in enumerate(tensor.shape))
    if tensor.dtype == "string":
        return numpy.full(shape, "a", dtype=object)
    value = Tensor(numpy.ones(shape, dtype=tensor.dtype), device=backend.default_device())
    if tensor.has_mask:
        attach_mask(value, numpy.ones(shape[:tensor.mask_ndim], dtype=bool))
    return value


def _declared_output_shapes(layer: Layer, inputs: Any, probe_outputs: list) -> list | None:
    """The layer's ``compute_output_shape`` for the symbolic input shape, flat, if it has one that
    agrees with the probe's outputs; else None."""
    input_shape = map_structure(lambda x: x.shape if isinstance(x, KerasTensor) else numpy.shape(x), inputs) \
        if isinstance(inputs, (list, tuple, dict)) else getattr(inputs, "shape", None)
    try:
        declared = layer.compute_output_shape(input_shape)
    except NotImplementedError:
        return None
    shapes = flatten_shapes(declared)
    if len(shapes) != len(probe_outputs):
        return None
    for shape, y in zip(shapes, probe_outputs):
        if len(shape) != y.ndim or any(d is not None and d != n for d, n in zip(shape, y.shape)):
            return None
    return shapes


def flatten_shapes(shapes: Any) -> list[tuple]:
    """A flat list of shapes from a shape or nested lists / tuples / dicts of shapes."""
    if isinstance(shapes, dict):
        shapes = list(shapes.values())
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, (int, numpy.integer)) for d in shapes):
        return [tuple(None if d is None else int(d) for d in shapes)]
    return [s for item in shapes for s in flatten_shapes(item)]


__all__ = ["Node", "symbolic_call", "node_of", "inbound_nodes", "probe_value", "flatten_shapes"]
