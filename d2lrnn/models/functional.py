"""``Model``: a functional model (a graph of layer calls from ``Input``s to outputs), or the base class
of a subclassed model.

Functional, as the Keras guides write it::

    encoder_inputs = layers.Input((None,), dtype="int32")
    x = layers.Embedding(1000, 64)(encoder_inputs)
    output, state_h, state_c = layers.LSTM(64, return_state=True)(x)
    ...
    model = models.Model([encoder_inputs, decoder_inputs], decoder_outputs)

Every layer call on symbolic tensors recorded a ``Node``. ``Model(inputs, outputs)`` walks the nodes
back from the outputs (without recursion), orders them so that each runs after the nodes it reads
from, and a call on data runs them in that order. A layer called twice is one layer with two nodes
(shared weights); a model built from some of the same tensors (an inference encoder
``Model(encoder_inputs, [state_h, state_c])``) shares the layers and their weights.

Subclassed, as the Keras guides write it::

    class Classifier(models.Model):
        def __init__(self):
            super().__init__()
            self.lstm = layers.LSTM(32)
            self.dense = layers.Dense(1)

        def call(self, inputs, training=None, mask=None):
            return self.dense(self.lstm(inputs))

The layers held in attributes are tracked: their weights are the model's, in the order the
attributes were set. Both kinds are Layers too: they can be called inside another model.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy

from .. import backend
from ..autograd import Tensor
from ..layers.layer import Layer
from ..layers.masks import attach_mask
from ..layers.naming import unique_name
from ..layers.serialization import deserialize_layer, serialize_layer
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor, flatten_structure, map_structure
from ..layers.node import Node, flatten_shapes, inbound_nodes, node_of
from .summary import format_shape, summary_text
from .trainer import TrainableModel

KERAS_TENSOR_TAG = "__keras_tensor__"


class Model(TrainableModel):
    """A functional model ``Model(inputs, outputs, name=None)``, or the base of a subclassed model.

    Args:
        inputs: the ``Input`` tensor(s) it starts from: one KerasTensor, a list, or a dict name -> tensor.
        outputs: the KerasTensor(s) it computes: one, a list, or a dict name -> tensor.
        name: default 'functional', 'functional_1', ... (a subclass: its class name in snake case).

    Call: ``model(x, training=False)`` with x in the structure of ``inputs`` (a list of arrays in
    input order, or a dict by input name). Returns the outputs in the structure of ``outputs``.

    Attributes:
        inputs, outputs: the KerasTensors, flat lists (None for a subclassed model).
        output_names: the names of the layers that make the outputs (the keys of a dict of outputs).
        layers: every layer of the graph, Input layers included, inputs first (Keras's order).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if len(args) > 2:
            raise TypeError(f"Model takes at most two positional arguments (inputs, outputs), got {len(args)}")
        functional = inputs is not None or outputs is not None
        if functional and kwargs.get("name") is None:
            kwargs["name"] = unique_name("functional")
        super().__init__(**kwargs)
        self._inputs_structure: Any = None
        self._outputs_structure: Any = None
        self.inputs: list[KerasTensor] | None = None
        self.outputs: list[KerasTensor] | None = None
        self._graph_layers: list[Layer] | None = None
        self._graph_nodes: list[Node] = []
        self._last_output_count = 1
        if functional:
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        for argument, structure in (("inputs", inputs), ("outputs", outputs)):
            leaves = flatten_structure(structure)
            if not leaves or not all(isinstance(x, KerasTensor) for x in leaves):
                raise TypeError(f"{argument}: expected a KerasTensor (from layers.Input or a layer called on one), "
                                f"a list or a dict of them, got {_describe(structure)}")
        self._inputs_structure, self._outputs_structure = inputs, outputs
        self.inputs, self.outputs = flatten_structure(inputs), flatten_structure(outputs)
        nodes, layers = map_graph(self.inputs, self.outputs)
        self._graph_nodes = [node for node in nodes if not node.is_input and not _fed_directly(node, self.inputs)]
        self._graph_layers = layers
        self._node_set = set(map(id, nodes))
        self.built = True

    # ------------------------------------------------------------- structure
    @property
    def is_functional(self) -> bool:
        """True for ``Model(inputs, outputs)``, False for a subclassed model."""
        return self._graph_layers is not None

    @property
    def layers(self) -> list[Layer]:
        """The graph's layers (Input layers first, then by depth), or the layers a subclass holds."""
        if self.is_functional:
            return list(self._graph_layers)
        unique = {}
        for layer in Layer._sublayers(self):
            unique.setdefault(id(layer), layer)
        return list(unique.values())

    @property
    def _layers(self) -> list[Layer]:
        return self.layers

    def _sublayers(self) -> Any:
        return iter(self.layers)

    @property
    def input(self) -> Any:
        """The inputs as given to the constructor (a functional model); else the first symbolic call's."""
        return self._inputs_structure if self.is_functional else super().input

    @property
    def output(self) -> Any:
        """The outputs as given to the constructor (a functional model); else the first symbolic call's."""
        return self._outputs_structure if self.is_functional else super().output

    @property
    def single_input(self) -> bool:
        """Whether the model takes one array (not a list or dict of inputs): a list given as data is then
        that one array."""
        return self.is_functional and not isinstance(self._inputs_structure, (list, tuple, dict))

    @property
    def output_names(self) -> list[str]:
        """One name per output: the dict keys of a dict of outputs, else the names of the layers that
        made them ('output_0', ... for a subclassed model)."""
        if isinstance(self._outputs_structure, dict):
            return list(self._outputs_structure)
        if self.is_functional:
            return [x._keras_history.layer.name for x in self.outputs]
        return [f"output_{i}" for i in range(self._last_output_count)]

    @property
    def input_names(self) -> list[str]:
        """The dict keys of a dict of inputs, else the names of the Input layers."""
        if isinstance(self._inputs_structure, dict):
            return list(self._inputs_structure)
        return [x._keras_history.layer.name for x in self.inputs or []]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        found = self.layers
        if (name is None) == (index is None):
            raise ValueError(f"get_layer: give exactly one of name and index, got name={name!r}, index={index!r}")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, numpy.integer)) or \
                    not -len(found) <= index < len(found):
                raise ValueError(f"get_layer: index {index!r} is out of range for a model of {len(found)} layers")
            return found[index]
        for layer in found:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are {[l.name for l in found]}")

    # ---------------------------------------------------------------- calling
    def _convert_inputs(self, inputs: Any) -> Any:
        return inputs  # matched to the Input tensors (and converted) in call

    def maybe_build(self, input_shape: Any) -> None:
        if not self.is_functional:
            super().maybe_build(input_shape)

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        """Run the recorded graph on ``inputs`` (a subclass defines its own ``call``)."""
        if not self.is_functional:
            raise NotImplementedError(f"{type(self).__name__} must define call(self, inputs, training=None, "
                                      "mask=None), or be built as Model(inputs, outputs)")
        flat = self._match_inputs(inputs)
        masks = [None] * len(flat) if mask is None else self._match_inputs(mask, argument="mask")
        values = {}
        device = self._weights_device()
        for i, (x, tensor, m) in enumerate(zip(flat, self.inputs, masks)):
            value = _to_input_value(x, tensor, device, self, i)
            if m is not None and isinstance(value, Tensor):
                attach_mask(value, backend.to_device(m.data if isinstance(m, Tensor) else numpy.asarray(m),
                                                     value.device).astype(bool))
            values[id(tensor)] = value
        for node in self._graph_nodes:
            args, kwargs = map_structure(lambda v: values[id(v)] if isinstance(v, KerasTensor) else v,
                                         (node.call_args, node.call_kwargs))
            kwargs.setdefault("training", training)
            results = node.layer(*args, **kwargs)
            for tensor, value in zip(node.output_tensors, flatten_structure(results)):
                values[id(tensor)] = value
        return map_structure(lambda tensor: values[id(tensor)], self._outputs_structure)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        outputs = super().__call__(inputs, *args, **kwargs)
        if not self.is_functional and not isinstance(outputs, dict):
            self._last_output_count = len(flatten_structure(outputs))
        return outputs

    def _match_inputs(self, inputs: Any, argument: str = "inputs") -> list:
        """The data for each Input tensor, in ``self.inputs`` order."""
        structure = self._inputs_structure
        names = self.input_names
        if isinstance(inputs, dict):
            missing = [name for name in names if name not in inputs]
            if missing:
                raise ValueError(f"{argument}: model '{self.name}' expects a dict with the keys {names}; "
                                 f"missing {missing}, got keys {list(inputs)}")
            return [inputs[name] for name in names]
        if isinstance(structure, dict):
            raise TypeError(f"{argument}: model '{self.name}' was built with a dict of inputs {names}; pass a "
                            f"dict with those keys, got {type(inputs).__name__}")
        count = len(self.inputs)
        several = isinstance(inputs, (list, tuple)) and (count > 1 or (
            len(inputs) == 1 and (isinstance(inputs[0], (Tensor, numpy.ndarray)) or backend.is_gpu_array(inputs[0]))
            and isinstance(structure, (list, tuple))))
        if count == 1 and not several:
            return [inputs]
        if not isinstance(inputs, (list, tuple)) or len(inputs) != count:
            got = f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple)) else f"one {type(inputs).__name__}"
            raise ValueError(f"{argument}: model '{self.name}' has {count} inputs {names}; pass a list of {count} "
                             f"arrays in that order (or a dict by name), got {got}")
        return list(inputs)

    def _weights_device(self) -> str:
        weights = self.weights
        return weights[0].device if weights else backend.default_device()

    def compute_output_shape(self, input_shape: Any) -> Any:
        if not self.is_functional:
            raise NotImplementedError(f"{type(self).__name__} does not define compute_output_shape()")
        return map_structure(lambda tensor: tensor.shape, self._outputs_structure)

    # ----------------------------------------------------------------- summary
    def summary(self, line_length: int | None = None, print_fn: Callable[[str], Any] | None = None) -> None:
        """Print Keras 3's table: each layer's name (type), output shape and parameter count, and for
        graphs that are not a plain chain a "Connected to" column ('lstm[0][1]': output 1 of the
        layer's call 0); then the total, trainable and non-trainable parameters with their memory."""
        rows = []
        graph = self.is_functional and not self._is_sequential_like()
        for layer in self.layers:
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            row = (f"{layer.name} ({layer_type_name(layer)})", self._shape_text(layer), params)
            rows.append(row + (self._connections(layer),) if graph else row)
        (print_fn or print)(summary_text(self, rows, line_length))

    def _model_nodes(self, layer: Layer) -> list[Node]:
        return [node for node in inbound_nodes(layer) if id(node) in self._node_set]

    def _shape_text(self, layer: Layer) -> str:
        if self.is_functional:
            nodes = self._model_nodes(layer)
            shapes = [tensor.shape for tensor in nodes[-1].output_tensors] if nodes else None
        else:
            shape = getattr(layer, "_build_shape", None)
            try:
                shapes = flatten_shapes(layer.compute_output_shape(shape)) if shape is not None else None
            except (NotImplementedError, TypeError, ValueError):
                shapes = None
        if not shapes:
            return "?"
        return format_shape(shapes[0] if len(shapes) == 1 else shapes)

    def _connections(self, layer: Layer) -> str:
        links = [f"{x._keras_history.layer.name}[{x._keras_history.node_index}][{x._keras_history.tensor_index}]"
                 for node in self._model_nodes(layer) for x in node.input_tensors]
        return ", ".join(links) or "-"

    def _is_sequential_like(self) -> bool:
        """Keras's test (one node per depth, each with at most one input, no layer called twice), which
        holds exactly when the nodes form a chain: one input each, and no node feeding two others."""
        nodes = self._graph_nodes
        if any(len(node.input_tensors) > 1 for node in nodes) or len(self.inputs) > 1:
            return False
        layers_seen, producers = set(), set()
        for node in nodes:
            if id(node.layer) in layers_seen:
                return False
            layers_seen.add(id(node.layer))
            for parent in node.parent_nodes:
                if id(parent) in producers:
                    return False
                producers.add(id(parent))
        return True

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras's functional config: every layer with the calls that feed it ('inbound_nodes'), then
        'input_layers' and 'output_layers' as [layer name, node index, tensor index]."""
        if not self.is_functional:
            raise NotImplementedError(f"{type(self).__name__} is a subclassed model: define get_config() (and "
                                      "from_config) to rebuild it from its constructor arguments")
        model_index = {}  # id(node) -> index among the layer's nodes in this model
        for layer in self.layers:
            for i, node in enumerate(self._model_nodes(layer)):
                model_index[id(node)] = i

        def history(tensor: KerasTensor) -> list:
            node = node_of(tensor)
            return [tensor._keras_history.layer.name, model_index[id(node)], tensor._keras_history.tensor_index]

        def serialize(value: Any) -> Any:
            if isinstance(value, KerasTensor):
                return {"class_name": KERAS_TENSOR_TAG,
                        "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": history(value)}}
            return value

        entries = []
        for layer in self.layers:
            entry = serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else [
                {"args": map_structure(serialize, list(node.call_args)),
                 "kwargs": map_structure(serialize, node.call_kwargs)}
                for node in self._model_nodes(layer)]
            entries.append(entry)
        return {"name": self.name, "trainable": self.trainable, "layers": entries,
                "input_layers": map_structure(history, self._inputs_structure),
                "output_layers": map_structure(history, self._outputs_structure)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Model":
        """A new functional model with the same graph (new weights); ``custom_objects`` maps class names
        to your layer classes."""
        if "layers" not in config or "output_layers" not in config:
            raise ValueError(f"from_config: expected a functional model's config with 'layers', 'input_layers' and "
                             f"'output_layers', got keys {sorted(config)}")
        created: dict[str, Layer] = {}
        outputs_of: dict[tuple, list] = {}  # (layer name, node index) -> flat output tensors
        pending = []
        for entry in config["layers"]:
            layer = deserialize_layer(entry, custom_objects)
            name = entry.get("name", layer.name)
            created[name] = layer
            if isinstance(layer, InputLayer):
                outputs_of[(name, 0)] = [layer.output]
            else:
                pending.append([name, layer, list(entry.get("inbound_nodes", [])), 0])

        def tensor_of(value: Any) -> Any:
            if isinstance(value, dict) and value.get("class_name") == KERAS_TENSOR_TAG:
                name, node_index, tensor_index = value["config"]["keras_history"]
                return outputs_of[(name, node_index)][tensor_index]
            return value

        def ready(value: Any) -> bool:
            return all((v["config"]["keras_history"][0], v["config"]["keras_history"][1]) in outputs_of
                       for v in _tensor_configs(value))

        while pending:
            progress = False
            for item in pending:
                name, layer, node_configs, done = item
                while done < len(node_configs) and ready(node_configs[done]):
                    node_config = node_configs[done]
                    args = _untagged_map(tensor_of, node_config.get("args", []))
                    kwargs = _untagged_map(tensor_of, node_config.get("kwargs", {}))
                    outputs_of[(name, done)] = flatten_structure(layer(*args, **kwargs))
                    done += 1
                    progress = True
                item[3] = done
            pending = [item for item in pending if item[3] < len(item[2])]
            if pending and not progress:
                raise ValueError(f"from_config: the calls of layers {[item[0] for item in pending]} read tensors "
                                 "that no layer of the config makes")

        def endpoint(value: Any) -> Any:
            name, node_index, tensor_index = value
            return outputs_of[(name, node_index)][tensor_index]

        inputs = _map_endpoints(endpoint, config["input_layers"])
        outputs = _map_endpoints(endpoint, config["output_layers"])
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))

    def __repr__(self) -> str:
        kind = "functional" if self.is_functional else "subclassed"
        return f"<{type(self).__name__} name={self.name}, {kind}, built={self.built}>"


# ------------------------------------------------------------------- the graph
def map_graph(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[list[Node], list[Layer]]:
    """The nodes between ``inputs`` and ``outputs`` in an order where each node follows the nodes it
    reads from, and the layers ordered as Keras orders them (by depth from the outputs, deepest first;
    ties by the order a depth-first walk from the outputs meets them). No recursion: a graph of any
    depth works. Raises a ValueError when an output needs a tensor that no input leads to."""
    input_ids = {id(x) for x in inputs}
    layer_index: dict[int, int] = {}
    layer_of: dict[int, Layer] = {}
    finished: set[int] = set()
    order: list[Node] = []
    stack: list[tuple[KerasTensor, bool]] = [(x, False) for x in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        node = node_of(tensor)
        if expanded:
            if id(node) not in finished:
                finished.add(id(node))
                order.append(node)
            continue
        if id(node) in finished:
            continue
        layer_index.setdefault(id(node.layer), len(layer_index))
        layer_of[id(node.layer)] = node.layer
        stack.append((tensor, True))
        if id(tensor) in input_ids:
            continue
        if node.is_input:
            raise ValueError(
                f"Model: the outputs need tensor '{tensor.name}' of Input layer '{node.layer.name}', which is not "
                f"among the model's inputs {[x.name for x in inputs]} (the graph is disconnected). Add it to inputs.")
        stack.extend((x, False) for x in reversed(node.input_tensors))
    for x in inputs:  # inputs that no output reads still belong to the model
        node = node_of(x)
        if id(node) not in finished:
            finished.add(id(node))
            order.insert(0, node)
            layer_index.setdefault(id(node.layer), -1)
            layer_of[id(node.layer)] = node.layer

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        if not (len(node.output_tensors) and all(id(t) in input_ids for t in node.output_tensors)):
            for parent in node.parent_nodes:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    ordered = sorted(layer_of, key=lambda key: (-layer_depth[key], layer_index[key]))
    return order, [layer_of[key] for key in ordered]


def _fed_directly(node: Node, inputs: list[KerasTensor]) -> bool:
    """Whether every output of ``node`` is a model input (so the node does not run)."""
    ids = {id(x) for x in inputs}
    return all(id(t) in ids for t in node.output_tensors)


def layer_type_name(layer: Layer) -> str:
    """The type Keras shows in a summary: 'Functional' for a functional model, else the class name."""
    return "Functional" if isinstance(layer, Model) and layer.is_functional and type(layer) is Model \
        else type(layer).__name__


def _to_input_value(x: Any, tensor: KerasTensor, device: str, model: Model, position: int) -> Any:
    """Data for Input ``tensor``: a Tensor (floats in the Input's float dtype), strings stay NumPy."""
    if isinstance(x, KerasTensor):
        raise TypeError("Model: got a KerasTensor as data; call a layer on it instead, or build a Model")
    if not isinstance(x, Tensor):
        array = x if backend.is_gpu_array(x) else numpy.asarray(x)
        if array.dtype.kind in "OUS":
            return array
        if array.dtype.kind not in "biuf":
            raise TypeError(f"inputs: input {position} of model '{model.name}' must hold numbers, got dtype "
                            f"{array.dtype}")
        dtype = tensor.dtype if (array.dtype.kind == "f" and numpy.dtype(tensor.dtype).kind == "f") else None
        x = Tensor(array, dtype=dtype, device=device)
    if x.ndim != tensor.ndim or any(d is not None and d != n for d, n in zip(tensor.shape, x.shape)):
        raise ValueError(f"inputs: input {position} ('{tensor.name}') of model '{model.name}' expects shape "
                         f"{tensor.shape} (None = any size), got an array of shape {tuple(x.shape)}")
    return x


def _tensor_configs(value: Any) -> list:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == KERAS_TENSOR_TAG:
                found.append(item)
            else:
                stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _untagged_map(fn: Callable, value: Any) -> Any:
    """``map_structure`` that treats a serialized KerasTensor dict as one leaf."""
    if isinstance(value, dict) and value.get("class_name") == KERAS_TENSOR_TAG:
        return fn(value)
    if isinstance(value, dict):
        return {key: _untagged_map(fn, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_untagged_map(fn, item) for item in value)
    return value


def _map_endpoints(fn: Callable, value: Any) -> Any:
    """Input/output layer entries: [name, node, tensor], or a list or dict of them."""
    if isinstance(value, dict):
        return {key: _map_endpoints(fn, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str):
        return fn(value)
    return [_map_endpoints(fn, item) for item in value]


def _describe(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {[type(v).__name__ for v in value]}"
    return f"{type(value).__name__} {value!r}"[:200]


__all__ = ["Model", "map_graph", "layer_type_name"]
