"""Reading a Keras 3 ``.weights.h5`` file (``keras_model.save_weights(path)``) into a d2lrnn model.

Keras stores each variable at ``layers/<name>/[<sub-layer>/...]vars/<i>``, where ``<name>`` is the
layer's class name in snake case, numbered in model order when a class repeats (``dense``,
``dense_1``), and a sub-layer is named by the attribute holding it (``cell``, ``forward_layer``,
``backward_layer``). The arrays of each top-level layer are taken in d2lrnn's weight order (own
variables, then the forward then the backward layer of a Bidirectional, then other sub-layers
alphabetically) and checked against the layer's weights by count and shape.

Needs ``h5py`` (``pip install h5py``), an optional extra: ``pip install d2lrnn[keras]``.
"""
from __future__ import annotations

import re
from typing import Any

import numpy

from ..layers.naming import to_snake_case

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_SUBLAYER_ORDER = {"vars": 0, "forward_layer": 1, "backward_layer": 2}


def is_hdf5_file(path: str) -> bool:
    """Whether the file at ``path`` starts with the HDF5 signature."""
    with open(path, "rb") as f:
        return f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE


def keras_layer_keys(layers: list) -> list[str]:
    """The group name Keras gives each layer of a model's ``layers`` list: 'dense', 'dense_1', ..."""
    used: dict[str, int] = {}
    keys = []
    for layer in layers:
        name = to_snake_case(type(layer).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        keys.append(name)
    return keys


def _sort_key(relative_path: str) -> list:
    """Order of a variable inside a layer's group: own vars first, forward before backward, index as a number."""
    key = []
    for part in relative_path.split("/"):
        key.append((0, int(part), "") if re.fullmatch(r"\d+", part) else (1, _SUBLAYER_ORDER.get(part, 9), part))
    return key


def read_keras_weights(model: Any, path: str) -> list[numpy.ndarray]:
    """The arrays of a Keras ``.weights.h5`` file in ``model.weights`` order, checked by count and shape."""
    try:
        import h5py
    except ImportError:
        raise ImportError("load_weights: reading a Keras .weights.h5 file needs h5py (pip install h5py)") from None
    # Keras numbers repeated classes over all layers, weights or not.
    named_layers = [(layer, key) for layer, key in zip(model.layers, keras_layer_keys(model.layers))
                    if layer.weights]
    arrays: list[numpy.ndarray] = []
    with h5py.File(path, "r") as f:
        if "layers" not in f:
            raise ValueError(f"load_weights: {path!r} is an HDF5 file without a 'layers' group; only Keras 3 "
                             ".weights.h5 files are read")
        group = f["layers"]
        for layer, key in named_layers:
            if key not in group:
                raise ValueError(f"load_weights: {path!r} holds no weights for layer '{layer.name}' (Keras group "
                                 f"'layers/{key}'); it holds {sorted(group)}")
            found: list[tuple[str, Any]] = []
            group[key].visititems(lambda name, obj: found.append((name, obj)) if isinstance(obj, h5py.Dataset)
                                  else None)
            found.sort(key=lambda item: _sort_key(item[0]))
            own = layer.weights
            if len(found) != len(own):
                raise ValueError(f"load_weights: layer '{layer.name}' has {len(own)} weights, but the Keras file "
                                 f"holds {len(found)} under 'layers/{key}': {[name for name, _ in found]}")
            for w, (name, dataset) in zip(own, found):
                if tuple(dataset.shape) != tuple(w.shape):
                    raise ValueError(f"load_weights: weight '{w.path}' has shape {tuple(w.shape)}, but the Keras "
                                     f"file's 'layers/{key}/{name}' has shape {tuple(dataset.shape)}")
                arrays.append(numpy.asarray(dataset))
    return arrays


__all__ = ["read_keras_weights", "is_hdf5_file", "keras_layer_keys"]
