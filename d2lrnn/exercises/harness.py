"""What every checker shares: run a student's function and a reference on the same inputs,
compare values and gradients, confirm the student's backward with finite differences, and
name the mistake by probing: which deliberately mutated reference behaves like the student's
function? The function's source is never read.

Inputs are described by ``Case``s: nested tuples, lists and dicts of NumPy arrays. Every
floating-point array becomes a float64 leaf Tensor that requires a gradient; integer arrays and
other values are passed as they are. A dict's entries are named by their keys (the book's
``W_xh``, ``b_h``, ...), other inputs by ``arg_names``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy

from ..autograd import Tensor, no_grad
from .result import CheckResult

VALUE_RTOL, VALUE_ATOL = 1e-4, 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-6
FD_EPS = 1e-6
LEAVES_AUTOGRAD = ("the function leaves autograd somewhere, e.g. by computing through NumPy arrays, "
                   "``.data`` or ``.numpy()``; use Tensor operations (@, .tanh(), .sigmoid(), d2l.stack, ...)")


@dataclass(frozen=True)
class Case:
    """One set of inputs. ``diagnose``: use it to recognise mistakes (random inputs tell mutants apart;
    a zero state or saturated gates hide some of them)."""

    name: str
    args: tuple
    diagnose: bool = True


@dataclass(frozen=True)
class Mutant:
    """A reference with one deliberate mistake, and the words that name it."""

    description: str
    function: Callable[..., Any]


class OutputFormError(ValueError):
    """The student's function returned something of the wrong kind (the message says what)."""


def as_tensors(output: Any) -> tuple:
    """A function's result as a flat tuple of Tensors: a Tensor, or (nested) tuples and lists of them."""
    if isinstance(output, Tensor):
        return (output,)
    if isinstance(output, (tuple, list)):
        return tuple(t for item in output for t in as_tensors(item))
    if isinstance(output, numpy.ndarray) or hasattr(output, "__array__"):
        raise OutputFormError(f"it returns a {type(output).__name__}, not a Tensor, so the gradient does not flow: "
                              + LEAVES_AUTOGRAD)
    raise OutputFormError(f"it returns {type(output).__name__}, not a Tensor or a tuple of Tensors")


def _build(structure: Any, name: str, leaves: dict, replace: dict) -> Any:
    """Turn the NumPy arrays of a case into Tensors; float arrays become leaves registered by path."""
    if isinstance(structure, dict):
        return {key: _build(value, _entry_name(name, key), leaves, replace) for key, value in structure.items()}
    if isinstance(structure, (tuple, list)):
        names = name if isinstance(name, tuple) else tuple(f"{name}[{i}]" for i in range(len(structure)))
        return type(structure)(_build(v, n, leaves, replace) for v, n in zip(structure, names))
    if isinstance(structure, numpy.ndarray) and structure.dtype.kind == "f":
        array = replace.get(name, structure)
        leaf = Tensor(numpy.array(array, dtype=numpy.float64), requires_grad=True, dtype=numpy.float64)
        leaves[name] = leaf
        return leaf
    if isinstance(structure, numpy.ndarray):
        return Tensor(structure)
    return structure


def _entry_name(dict_name: str, key: Any) -> str:
    """A dict entry's path: its key for ``params`` (the book's names), else name['key']."""
    return str(key) if dict_name == "params" else f"{dict_name}[{key!r}]"


def build_inputs(case: Case, arg_names: Sequence, replace: dict | None = None) -> tuple[tuple, dict]:
    """(arguments, {path: leaf Tensor}) for one call; ``replace`` swaps arrays by path."""
    leaves: dict = {}
    args = tuple(_build(arg, name, leaves, replace or {}) for arg, name in zip(case.args, arg_names))
    return args, leaves


def _weighted_sum(outputs: tuple) -> Tensor:
    """sum_k (o_k * w_k).sum() with fixed random weights, so every output element gets its own gradient."""
    rng = numpy.random.default_rng(1234)
    total = None
    for o in outputs:
        term = (o * rng.standard_normal(o.shape)).sum()
        total = term if total is None else total + term
    return total


def _values(outputs: tuple) -> list:
    return [numpy.asarray(o.numpy(), dtype=numpy.float64) for o in outputs]


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(numpy.allclose(a, b, rtol=rtol, atol=atol, equal_nan=False))


def _call(function: Callable, case: Case, arg_names: Sequence, normalize: Callable, replace: dict | None = None):
    args, leaves = build_inputs(case, arg_names, replace)
    return normalize(function(*args)), leaves


def _numerical_gradients(fn: Callable, case: Case, arg_names: Sequence, normalize: Callable, paths: list) -> dict:
    """d weighted_sum(fn(inputs)) / d input, by central differences, for each leaf path."""
    _, leaves = build_inputs(case, arg_names)
    base = {path: leaf.numpy().copy() for path, leaf in leaves.items()}

    def evaluate(replace: dict) -> float:
        with no_grad():
            outputs, _ = _call(fn, case, arg_names, normalize, replace)
            return float(_weighted_sum(outputs).item())

    gradients = {}
    for path in paths:
        array = base[path].copy()
        grad = numpy.zeros(array.shape)
        for index in numpy.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + FD_EPS
            plus = evaluate({path: array})
            array[index] = saved - FD_EPS
            minus = evaluate({path: array})
            array[index] = saved
            grad[index] = (plus - minus) / (2 * FD_EPS)
        gradients[path] = grad
    return gradients


def compare(name: str, fn: Callable, reference: Callable, cases: Sequence[Case], arg_names: Sequence,
            output_names: Sequence[str], normalize: Callable[[Any], tuple] = as_tensors,
            mutants: Sequence[Mutant] = (), zero_probes: dict | None = None,
            what: str | None = None) -> CheckResult:
    """Judge ``fn`` against ``reference`` on ``cases``; see the module docstring.

    Args:
        name: the checker's name, shown in the result.
        fn, reference: called with the same freshly built inputs.
        cases: the inputs.
        arg_names: one name per argument (a tuple of names for a tuple argument such as (H, C)).
        output_names: names of the outputs after ``normalize`` (for messages).
        normalize: the result -> a tuple of Tensors; raises ``OutputFormError`` with a message.
        mutants: references with one mistake each, tried when the values differ.
        zero_probes: {input path: words}: when the reference with that input set to zero behaves
            like ``fn``, the words name the mistake (an unused weight, a missing bias).
        what: what was compared, for the verdict (default: values and gradients).
    """
    if not callable(fn):
        raise TypeError(f"{name}: fn must be a function, got {type(fn).__name__}")
    with numpy.errstate(all="ignore"):  # overflow in a student's function is reported as a difference
        return _compare(name, fn, reference, cases, arg_names, output_names, normalize, mutants, zero_probes, what)


def _compare(name: str, fn: Callable, reference: Callable, cases: Sequence[Case], arg_names: Sequence,
             output_names: Sequence[str], normalize: Callable, mutants: Sequence[Mutant], zero_probes: dict | None,
             what: str | None) -> CheckResult:
    problems: list[str] = []
    observed: list = []  # (case, student values) where the output had the right form and shapes
    values_differ = False
    for index, case in enumerate(cases):
        ref_outputs, ref_leaves = _call(reference, case, arg_names, normalize)
        try:
            outputs, leaves = _call(fn, case, arg_names, normalize)
        except OutputFormError as error:
            problems.append(f"[{case.name}] {error}")
            continue
        except Exception as error:  # the student's code may raise anything: report it, do not crash
            problems.append(f"[{case.name}] the function raised {type(error).__name__}: {error}")
            continue
        if len(outputs) != len(ref_outputs):
            problems.append(f"[{case.name}] wrong output: {len(outputs)} tensor(s) returned, expected "
                            f"{len(ref_outputs)} ({', '.join(output_names)})")
            continue
        wrong_shapes = [f"{n} has shape {tuple(o.shape)}, expected {tuple(r.shape)}"
                        for n, o, r in zip(output_names, outputs, ref_outputs) if o.shape != r.shape]
        if wrong_shapes:
            problems.append(f"[{case.name}] wrong output shape: " + "; ".join(wrong_shapes))
            continue
        values, ref_values = _values(outputs), _values(ref_outputs)
        observed.append((case, values))
        off = [_difference(n, v, r) for n, v, r in zip(output_names, values, ref_values)
               if not _close(v, r, VALUE_RTOL, VALUE_ATOL)]
        if off:
            values_differ = True
            problems.append(f"[{case.name}] values differ from the reference: " + "; ".join(off))
            continue
        problems.extend(_compare_gradients(fn, case, arg_names, normalize, outputs, leaves, ref_outputs,
                                           ref_leaves, check_numerically=index == 0))
    likely = _diagnose(observed, mutants, zero_probes or {}, reference, arg_names, normalize) if values_differ else []
    if values_differ and not likely and (mutants or zero_probes):
        likely.append("none of the usual mistakes reproduces these values; compare your equations with the "
                      "book's term by term")
    return CheckResult(name, [case.name for case in cases], problems, likely, *([what] if what else []))


def _difference(name: str, values: numpy.ndarray, expected: numpy.ndarray) -> str:
    """How an output differs from the reference, in words."""
    broken = ~numpy.isfinite(values) & numpy.isfinite(expected)
    if broken.any():
        return f"{name} holds inf or nan where the reference is finite (an overflow?)"
    return f"{name} is off by up to {numpy.abs(values - expected).max():.3g}"


def _compare_gradients(fn: Callable, case: Case, arg_names: Sequence, normalize: Callable, outputs: tuple,
                       leaves: dict, ref_outputs: tuple, ref_leaves: dict, check_numerically: bool) -> list:
    """Problems with the gradients of one case (values already match)."""
    if not ref_leaves:  # nothing differentiable goes in (e.g. integer indices)
        return []
    _weighted_sum(ref_outputs).backward()
    if not any(o.requires_grad for o in outputs):
        return [f"[{case.name}] the gradient does not flow: the outputs are not connected to the inputs' graph; "
                + LEAVES_AUTOGRAD]
    try:
        _weighted_sum(outputs).backward()
    except Exception as error:
        return [f"[{case.name}] backward through the function raised {type(error).__name__}: {error}"]
    analytic = {path: (leaf.grad if leaf.grad is not None else numpy.zeros(leaf.shape)) for path, leaf in leaves.items()}
    expected = {path: (leaf.grad if leaf.grad is not None else numpy.zeros(leaf.shape))
                for path, leaf in ref_leaves.items()}
    differing = [path for path in expected if not _close(numpy.asarray(analytic[path]), expected[path],
                                                         GRAD_RTOL, GRAD_ATOL)]
    if not (check_numerically or differing):
        return []
    numeric = _numerical_gradients(fn, case, arg_names, normalize, list(expected))
    problems = []
    for path in expected:
        a = numpy.asarray(analytic[path], dtype=numpy.float64)
        if not _close(a, numeric[path], GRAD_RTOL, GRAD_ATOL):
            how = "no gradient reaches it" if leaves[path].grad is None else \
                f"backward gives {_worst(a, numeric[path])}"
            problems.append(f"[{case.name}] the gradient does not flow to {path}: {how}, while finite differences "
                            f"of the function's own values give {_worst(numeric[path], a)}; " + LEAVES_AUTOGRAD)
        elif path in differing:
            problems.append(f"[{case.name}] the gradient with respect to {path} differs from the reference "
                            f"(by up to {numpy.abs(a - expected[path]).max():.3g})")
    return problems


def _worst(values: numpy.ndarray, other: numpy.ndarray) -> str:
    """The entry of ``values`` where it is farthest from ``other``, with its index."""
    index = numpy.unravel_index(numpy.argmax(numpy.abs(values - other)), values.shape)
    return f"{values[index]:.4g} at index {tuple(int(i) for i in index)}"


def _diagnose(observed: list, mutants: Sequence[Mutant], zero_probes: dict, reference: Callable,
              arg_names: Sequence, normalize: Callable) -> list:
    """The descriptions of the mutants (and zeroed inputs) that reproduce the student's values."""
    telling = [(case, values) for case, values in observed if case.diagnose] or observed
    if not telling:
        return []
    candidates = list(mutants)
    for path, words in zero_probes.items():
        candidates.append(Mutant(words, _zeroed(reference, path, arg_names)))
    found = []
    for mutant in candidates:
        if all(_reproduces(mutant, case, values, arg_names, normalize) for case, values in telling):
            found.append(mutant.description)
    return found


def _zeroed(reference: Callable, path: str, arg_names: Sequence) -> Callable:
    """The reference with the input at ``path`` set to zero (``Mutant.function`` gets built inputs)."""
    def function(*args: Any) -> Any:
        return reference(*_replace_path(args, arg_names, path))
    return function


def _replace_path(args: tuple, arg_names: Sequence, path: str) -> tuple:
    def visit(value: Any, name: Any) -> Any:
        if isinstance(value, dict):
            return {k: visit(v, _entry_name(name, k)) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            names = name if isinstance(name, tuple) else tuple(f"{name}[{i}]" for i in range(len(value)))
            return type(value)(visit(v, n) for v, n in zip(value, names))
        if isinstance(value, Tensor) and name == path:
            return value * 0.0
        return value
    return tuple(visit(a, n) for a, n in zip(args, arg_names))


def _reproduces(mutant: Mutant, case: Case, values: list, arg_names: Sequence, normalize: Callable) -> bool:
    try:
        with no_grad():
            outputs, _ = _call(mutant.function, case, arg_names, normalize)
    except Exception:  # a mutant that cannot run on these shapes is simply not the explanation
        return False
    return len(outputs) == len(values) and all(_close(m, v, VALUE_RTOL, VALUE_ATOL)
                                               for m, v in zip(_values(outputs), values))
