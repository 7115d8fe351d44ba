"""Weight initializers with Keras 3's names, defaults and formulas.

An initializer is an object called as ``init(shape, dtype)`` that returns a NumPy array.
Unseeded initializers draw from ``numpy.random`` (so ``d2lrnn.seed(n)`` makes a notebook
reproducible); a seeded one gives the same values every time it is called. Values cannot
be made equal to Keras's own draws: copy weights with ``set_weights`` to compare.
"""
from __future__ import annotations

import math
from typing import Any

import numpy

from ..configurable import Configurable

# The standard deviation of N(0, 1) truncated to [-2, 2]; dividing by it keeps the variance.
_TRUNCATED_STDDEV_FACTOR = 0.87962566103423978


class Initializer(Configurable):
    """Base class: ``__call__(shape, dtype)`` returns a new NumPy array of that shape."""

    CONFIG = ("seed",)

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _random(self) -> Any:
        """The random source: the global NumPy generator, or a fresh one from ``seed``."""
        return numpy.random if self.seed is None else numpy.random.RandomState(self.seed)


class _Deterministic(Initializer):
    """An initializer that draws nothing at random, so it has no seed."""

    CONFIG = ()

    def __init__(self) -> None:
        super().__init__()


class Zeros(_Deterministic):
    """All zeros."""

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return numpy.zeros(shape, dtype=dtype)


class Ones(_Deterministic):
    """All ones."""

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return numpy.ones(shape, dtype=dtype)


class Constant(_Deterministic):
    """Every entry equal to ``value``."""

    CONFIG = ("value",)

    def __init__(self, value: float = 0.0) -> None:
        super().__init__()
        self.value = value

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return numpy.full(shape, self.value, dtype=dtype)


class RandomNormal(Initializer):
    """N(mean, stddev^2) samples; Keras's default stddev is 0.05."""

    CONFIG = ("mean", "stddev", "seed")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return self._random().normal(self.mean, self.stddev, shape).astype(dtype)


class RandomUniform(Initializer):
    """U(minval, maxval) samples; Keras's default range is [-0.05, 0.05]."""

    CONFIG = ("minval", "maxval", "seed")

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return self._random().uniform(self.minval, self.maxval, shape).astype(dtype)


def _truncated_normal(random: Any, mean: float, stddev: float, shape: tuple) -> numpy.ndarray:
    """N(mean, stddev^2) samples redrawn until they lie within two standard deviations."""
    values = random.standard_normal(shape)
    outside = numpy.abs(values) > 2
    while outside.any():
        values[outside] = random.standard_normal(int(outside.sum()))
        outside = numpy.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(RandomNormal):
    """N(mean, stddev^2) restricted to [mean - 2 stddev, mean + 2 stddev]."""

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        return _truncated_normal(self._random(), self.mean, self.stddev, shape).astype(dtype)


def compute_fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras counts them: (rows, columns) of a matrix, times the
    receptive field for higher ranks; a vector has fan_in = fan_out = its length."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n``, n = fan_in, fan_out or their mean (``mode``).

    distribution 'uniform': U(-L, L) with L = sqrt(3 scale / n);
    'untruncated_normal': N(0, scale / n); 'truncated_normal': the same variance after
    truncation at two standard deviations.
    """

    CONFIG = ("scale", "mode", "distribution", "seed")
    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got scale={scale}")
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self.MODES}, got mode={mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of {self.DISTRIBUTIONS}, "
                             f"got distribution={distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        random = self._random()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = random.uniform(-limit, limit, shape)
        elif self.distribution == "untruncated_normal":
            values = random.normal(0.0, math.sqrt(variance), shape)
        else:
            values = _truncated_normal(random, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV_FACTOR, shape)
        return numpy.asarray(values).astype(dtype)


class _FixedVarianceScaling(VarianceScaling):
    """A named VarianceScaling whose only argument is ``seed`` (GlorotUniform and friends)."""

    CONFIG = ("seed",)
    SETTINGS: tuple = ()

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self.SETTINGS, seed=seed)


def _named_variance_scaling(name: str, settings: tuple, doc: str) -> type:
    """A ``_FixedVarianceScaling`` subclass called ``name`` with (scale, mode, distribution) = ``settings``."""
    return type(name, (_FixedVarianceScaling,), {"SETTINGS": settings, "__doc__": doc, "__module__": __name__})


GlorotUniform = _named_variance_scaling("GlorotUniform", (1.0, "fan_avg", "uniform"),
                                        "U(-L, L) with L = sqrt(6 / (fan_in + fan_out)): Keras's default kernel initializer.")
GlorotNormal = _named_variance_scaling("GlorotNormal", (1.0, "fan_avg", "truncated_normal"),
                                       "Truncated normal with variance 2 / (fan_in + fan_out).")
HeNormal = _named_variance_scaling("HeNormal", (2.0, "fan_in", "truncated_normal"),
                                   "Truncated normal with variance 2 / fan_in.")
HeUniform = _named_variance_scaling("HeUniform", (2.0, "fan_in", "uniform"),
                                    "U(-L, L) with L = sqrt(6 / fan_in).")
LecunNormal = _named_variance_scaling("LecunNormal", (1.0, "fan_in", "truncated_normal"),
                                      "Truncated normal with variance 1 / fan_in.")
LecunUniform = _named_variance_scaling("LecunUniform", (1.0, "fan_in", "uniform"),
                                       "U(-L, L) with L = sqrt(3 / fan_in).")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``: Keras's default recurrent initializer.

    For shape (..., c) with r = product of the other dimensions: draw A ~ N(0, 1) of shape
    (max(r, c), min(r, c)), take A = QR, fix the signs of Q's columns by sign(diag R), and
    transpose when r < c. A recurrent kernel (U, G*U) therefore has orthonormal *rows*;
    its U x U gate blocks are not orthogonal on their own.
    """

    CONFIG = ("gain", "seed")

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least two dimensions, got shape={tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._random().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = numpy.linalg.qr(a)
        q = q * numpy.sign(numpy.diag(r))
        if rows < cols:
            q = q.T
        return numpy.ascontiguousarray(self.gain * q.reshape(shape), dtype=dtype)


class Identity(_Deterministic):
    """``gain`` times the identity matrix (2-D shapes only)."""

    CONFIG = ("gain",)

    def __init__(self, gain: float = 1.0) -> None:
        super().__init__()
        self.gain = gain

    def __call__(self, shape: tuple, dtype: Any = "float32") -> numpy.ndarray:
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2-D, got shape={tuple(shape)}")
        return (self.gain * numpy.eye(*shape)).astype(dtype)


INITIALIZERS: dict[str, type] = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
    "identity": Identity,
}
_BY_CLASS_NAME = {cls.__name__: cls for cls in INITIALIZERS.values()}


def get(identifier: Any) -> Initializer:
    """An initializer from a name ('glorot_uniform', 'GlorotUniform'), a config dict
    ({'class_name': ..., 'config': {...}}), an Initializer, or a callable(shape, dtype)."""
    if isinstance(identifier, str):
        cls = INITIALIZERS.get(identifier) or _BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"initializer: unknown initializer {identifier!r}; expected one of "
                             f"{sorted(INITIALIZERS)}, an Initializer object or a callable(shape, dtype)")
        return cls()
    if isinstance(identifier, dict):
        class_name = identifier.get("class_name")
        if class_name not in _BY_CLASS_NAME:
            raise ValueError(f"initializer: unknown class_name {class_name!r} in config {identifier!r}; "
                             f"expected one of {sorted(_BY_CLASS_NAME)}")
        return _BY_CLASS_NAME[class_name].from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise TypeError(f"initializer: expected a name, a config dict or a callable, got {identifier!r} "
                    f"of type {type(identifier).__name__}")


def serialize(initializer: Any) -> Any:
    """A config dict that ``get`` turns back into an equal initializer (a custom callable as is)."""
    if isinstance(initializer, Initializer) and type(initializer).__name__ in _BY_CLASS_NAME:
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return initializer
