"""Model and weight files: ``model.save(path)``, ``load_model(path)``, ``save_weights`` / ``load_weights``.

A **model file** is one zip archive at exactly the given path, holding

- ``d2lrnn_model.json``: ``{"format": "d2lrnn-model", "format_version": 1, "class_name": ..., "config":
  model.get_config(), "build_inputs": ..., "compile": ...}``, where ``build_inputs`` describes the
  inputs of the model's first call (shape and dtype of each array) so that a model that builds on
  its first call can be built again, and ``compile`` holds compile's arguments when they are all
  names and numbers;
- ``weights.npz``: the arrays of ``model.weights`` in order (``weight_0``, ``weight_1``, ...) and
  their ``paths``.

A **weights file** is that ``.npz`` archive alone. Nothing is pickled: the arrays are read with
``allow_pickle=False`` and the rest is JSON. Every file is written to a temporary file in the same
folder and then renamed, so an interrupted save never leaves a partial file behind. A file that is
not one of these (truncated, corrupted, another format) raises a ValueError naming its path.
"""
from __future__ import annotations

import inspect
import io
import json
import os
import tempfile
import zipfile
import zlib
from typing import Any, Callable

import numpy

from .. import backend
from ..autograd import Tensor, no_grad
from ..layers.serialization import LAYER_CLASSES
from . import keras_weights
from .data_adapter import is_array

MODEL_FORMAT = "d2lrnn-model"
WEIGHTS_FORMAT = "d2lrnn-weights"
FORMAT_VERSION = 1
CONFIG_NAME = "d2lrnn_model.json"
WEIGHTS_NAME = "weights.npz"
# What a damaged archive may raise while it is read.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError, UnicodeDecodeError)


# ------------------------------------------------------------------------ writing
def write_atomically(path: str | os.PathLike, write: Callable[[Any], None], overwrite: bool = True) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it to ``path``.

    Readers see either the old file or the complete new one; on an error the temporary file is removed.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"path: {path!r} is a directory; give a file name")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"path: {path!r} exists and overwrite=False")
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _weights_archive(model: Any) -> bytes:
    """The .npz bytes of the model's weights, in ``weights`` order, with their paths."""
    weights = model.weights
    arrays = {f"weight_{i}": backend.to_numpy(w.data) for i, w in enumerate(weights)}
    arrays["paths"] = numpy.array([w.path for w in weights], dtype=str)
    arrays["format"] = numpy.array(WEIGHTS_FORMAT)
    buffer = io.BytesIO()
    numpy.savez(buffer, **arrays)
    return buffer.getvalue()


def save_weights(model: Any, path: str | os.PathLike, overwrite: bool = True) -> None:
    """Write ``model.weights`` to a ``.npz`` archive at exactly ``path`` (no extension is added)."""
    data = _weights_archive(model)
    write_atomically(path, lambda f: f.write(data), overwrite)


def save_model(model: Any, path: str | os.PathLike, overwrite: bool = True) -> None:
    """Write the model's config, first-call inputs, compile arguments and weights to one zip file at ``path``."""
    header = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "class_name": type(model).__name__,
        "config": model.get_config(),
        "build_inputs": getattr(model, "_first_call_inputs", None),
        "compile": _json_or_none(getattr(model, "_compile_args", None)),
    }
    try:
        text = json.dumps(header, default=_to_json, indent=1)
    except TypeError as error:
        raise TypeError(f"save: the config of model '{model.name}' holds something JSON cannot store ({error}); "
                        "give your layers and model a get_config of names, numbers, lists and dicts") from None
    weights = _weights_archive(model)

    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(CONFIG_NAME, text)
            archive.writestr(WEIGHTS_NAME, weights)

    write_atomically(path, write, overwrite)


def _to_json(value: Any) -> Any:
    if isinstance(value, (numpy.integer, numpy.floating, numpy.bool_)):
        return value.item()
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    if isinstance(value, numpy.dtype):
        return value.name
    raise TypeError(f"{value!r} (of type {type(value).__name__}) is not JSON serializable")


def _json_or_none(value: Any) -> Any:
    """``value`` if it is plain JSON (names, numbers, lists, dicts), else None."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


# ------------------------------------------------------------------------ reading
def _read_model_archive(path: str, method: str = "load_model") -> tuple[dict, dict]:
    """(header, weights by name) of a model file; ValueError naming the path if it is not one."""
    _check_exists(path)
    not_ours = f"{path!r} is not a d2lrnn model file"
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{method}: {not_ours} (not a complete zip archive: truncated, or not written by model.save)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if CONFIG_NAME not in names or WEIGHTS_NAME not in names:
                raise ValueError(f"{method}: {not_ours}: it lacks {CONFIG_NAME} and {WEIGHTS_NAME}")
            header = json.loads(archive.read(CONFIG_NAME).decode("utf-8"))
            weights = _read_npz(archive.read(WEIGHTS_NAME), path)
    except ValueError as error:
        if str(error).startswith(f"{method}:"):
            raise
        raise ValueError(f"{method}: {not_ours} (it is damaged or truncated: {error})") from None
    except _READ_ERRORS as error:
        raise ValueError(f"{method}: {not_ours} (it is damaged or truncated: {error})") from None
    if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
        raise ValueError(f"{method}: {not_ours} (its {CONFIG_NAME} has no format '{MODEL_FORMAT}')")
    if header.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"{method}: {path!r} was written in format version {header['format_version']}, newer "
                         f"than this d2lrnn reads ({FORMAT_VERSION}); update d2lrnn")
    return header, weights


def _read_npz(data: bytes | str, path: str) -> dict:
    """The arrays of an .npz archive (bytes or a file name), read without pickle; they must include
    ``paths`` and ``weight_i`` for each path."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    loaded = numpy.load(source, allow_pickle=False)
    if not isinstance(loaded, numpy.lib.npyio.NpzFile):
        raise ValueError(f"{path!r} is a single array, not an .npz archive of weights")
    with loaded as f:
        arrays = {key: f[key] for key in f.files}
    if "paths" not in arrays:
        raise ValueError(f"{path!r} holds no weight paths")
    paths = [str(p) for p in arrays["paths"]]
    missing = [f"weight_{i}" for i in range(len(paths)) if f"weight_{i}" not in arrays]
    if missing:
        raise ValueError(f"{path!r} lacks the arrays {missing}")
    return {"paths": paths, "arrays": [arrays[f"weight_{i}"] for i in range(len(paths))]}


def _read_weights_file(path: str) -> dict:
    """The weights of a weights file (or of a model file); ValueError naming the path if it is neither."""
    _check_exists(path)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                if CONFIG_NAME in archive.namelist():
                    return _read_model_archive(path, "load_weights")[1]
        except zipfile.BadZipFile:
            pass
    try:
        return _read_npz(path, path)
    except _READ_ERRORS as error:
        reason = str(error) if "d2lrnn" in str(error) or str(error).startswith(repr(path)) else type(error).__name__
        raise ValueError(f"load_weights: {path!r} is not a d2lrnn weights file (written by save_weights or save); "
                         f"it is damaged, truncated or of another format ({reason})") from None


def _check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"path: no file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"path: {path!r} is a directory, not a file written by d2lrnn")


def assign_weights(model: Any, stored: dict, path: str, method: str) -> None:
    """Copy stored weights into ``model.weights``, checking their count and shapes."""
    own, arrays, paths = model.weights, stored["arrays"], stored["paths"]
    if len(arrays) != len(own):
        raise ValueError(f"{method}: {path!r} holds {len(arrays)} weights {paths}, the model has {len(own)} "
                         f"{[w.path for w in own]}")
    for w, array, saved_path in zip(own, arrays, paths):
        if array.shape != w.shape:
            raise ValueError(f"{method}: weight '{w.path}' has shape {w.shape}, but the file's '{saved_path}' has "
                             f"shape {array.shape}")
    model.set_weights(arrays)


def load_weights(model: Any, path: str | os.PathLike) -> None:
    """Read a file written by ``save_weights`` (or ``save``), or a Keras 3 ``.weights.h5`` file (needs
    h5py), into ``model``, checking count and shapes."""
    path = os.fspath(path)
    _check_exists(path)
    if keras_weights.is_hdf5_file(path):
        if model._needs_data_to_build():
            raise ValueError(f"load_weights: model '{model.name}' is not built yet; give it an Input(shape) or "
                             "call it on data first, so that its weights exist")
        model.set_weights(keras_weights.read_keras_weights(model, path))
        return
    stored = _read_weights_file(path)
    if model._needs_data_to_build():
        raise ValueError(f"load_weights: model '{model.name}' is not built yet; give it an Input(shape) or call "
                         "it on data first, so that its weights exist")
    assign_weights(model, stored, path, "load_weights")


def load_model(path: str | os.PathLike, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """The model saved at ``path`` by ``model.save``, rebuilt from its config with the saved weights.

    Args:
        path: the model file.
        custom_objects: {class name: class} for your own layers and model classes (classes defined
            in this session are found by name anyway).
        compile: compile it again when it was saved compiled with names only (e.g. 'adam', 'mse').
    """
    path = os.fspath(path)
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects: expected a dict {{name: class}}, got {custom_objects!r}")
    header, stored = _read_model_archive(path)
    classes = {**LAYER_CLASSES, **(custom_objects or {})}
    class_name = header.get("class_name")
    if class_name not in classes:
        raise ValueError(f"load_model: {path!r} holds a model of class {class_name!r}, which is not defined; define "
                         "it (or pass it in custom_objects) before loading")
    cls = classes[class_name]
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            model = cls.from_config(header["config"], custom_objects=custom_objects)
        else:
            model = cls.from_config(header["config"])
    except (TypeError, KeyError) as error:
        raise ValueError(f"load_model: cannot rebuild {class_name} from the config in {path!r} ({error}); a "
                         "subclassed model needs a get_config that returns its constructor's arguments") from None
    if model._needs_data_to_build() and header.get("build_inputs") is not None:
        _build_from_description(model, header["build_inputs"])
    assign_weights(model, stored, path, "load_model")
    if compile and header.get("compile"):
        model.compile(**header["compile"])
    return model


# ----------------------------------------------------------- first-call inputs
def describe_inputs(inputs: Any) -> Any:
    """{'shape': [...], 'dtype': ...} for an array, or a list/dict of them; None if some part is not an
    array (e.g. a symbolic input)."""
    if isinstance(inputs, dict):
        parts = {key: describe_inputs(value) for key, value in inputs.items()}
        return None if any(p is None for p in parts.values()) else {"dict": parts}
    if isinstance(inputs, (list, tuple)) and inputs and all(is_array(x) for x in inputs):
        parts = [describe_inputs(x) for x in inputs]
        return None if any(p is None for p in parts) else {"list": parts}
    if is_array(inputs):
        data = inputs.data if isinstance(inputs, Tensor) else inputs
        if not hasattr(data, "shape"):
            data = numpy.asarray(data)
        if data.dtype == object:
            return None
        return {"shape": list(data.shape), "dtype": data.dtype.str}
    return None


def _zeros_like_description(description: dict, batch_size: int | None) -> Any:
    """Zeros of the described shapes (with ``batch_size`` samples unless None: the saved count)."""
    if "dict" in description:
        return {key: _zeros_like_description(value, batch_size) for key, value in description["dict"].items()}
    if "list" in description:
        return [_zeros_like_description(value, batch_size) for value in description["list"]]
    shape = list(description["shape"])
    if batch_size is not None and shape:
        shape[0] = batch_size
    return numpy.zeros(shape, dtype=numpy.dtype(description["dtype"]))


def _build_from_description(model: Any, description: dict) -> None:
    """Build a model that builds on its first call by calling it once on zeros of the saved shapes:
    one sample, or the saved batch size when a stateful layer needs it."""
    stateful = any(getattr(layer, "stateful", False) for layer in model._flatten_layers())
    with no_grad():
        model(_zeros_like_description(description, None if stateful else 1))
    model.reset_states()


__all__ = ["save_model", "load_model", "save_weights", "load_weights", "write_atomically", "describe_inputs",
           "assign_weights", "MODEL_FORMAT", "WEIGHTS_FORMAT"]
