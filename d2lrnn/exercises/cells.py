"""Checkers for one step of the book's three cells, written by a student as ``fn(X, state, params)``.

``params`` holds the book's names: ``W_xh, W_hh, b_h`` (RNN); ``W_xi, W_hi, b_i`` and the same
for the forget gate ``f``, the output gate ``o`` and the input node ``c`` (LSTM); ``W_xz, W_hz,
b_z``, ``W_xr, W_hr, b_r`` and ``W_xh, W_hh, b_h`` for the candidate (GRU). ``X`` is (batch,
num_inputs), the state is ``H`` (batch, num_hiddens), or the pair ``(H, C)`` for the LSTM, and
the function returns the new state in the same form.

The references below are the book's equations. Each mistake a checker can name is a mutated
copy of them; the checker runs the student's function and reports which copy behaves the same.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy

from ..autograd import Tensor
from .harness import Case, Mutant, compare
from .result import CheckResult

NUM_INPUTS, NUM_HIDDENS = 3, 4  # different, so a weight used in the wrong place shows as a shape error

GATE_WORDS = {"i": "input gate", "f": "forget gate", "o": "output gate", "c": "input node C~",
              "z": "update gate", "r": "reset gate", "h": "candidate H~"}


def _sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def _tanh(x: Tensor) -> Tensor:
    return x.tanh()


def _identity(x: Tensor) -> Tensor:
    return x


def _params(rng: numpy.random.Generator, gates: str, scale: float) -> dict:
    """The book's triples (W_x*, W_h*, b_*) for the given gate letters, random (biases too)."""
    params = {}
    for g in gates:
        params[f"W_x{g}"] = rng.normal(0, scale, (NUM_INPUTS, NUM_HIDDENS))
        params[f"W_h{g}"] = rng.normal(0, scale, (NUM_HIDDENS, NUM_HIDDENS))
        params[f"b_{g}"] = rng.normal(0, scale, (NUM_HIDDENS,))
    return params


def cell_cases(gates: str, num_states: int = 1, seed: int = 0) -> list:
    """Random inputs for one step: a batch of 3, a batch of 1, saturating values, a zero state."""
    rng = numpy.random.default_rng(seed)

    def state(batch: int, scale: float) -> Any:
        states = tuple(rng.normal(0, scale, (batch, NUM_HIDDENS)) for _ in range(num_states))
        return states if num_states > 1 else states[0]

    zero = tuple(numpy.zeros((2, NUM_HIDDENS)) for _ in range(num_states))
    return [
        Case("random batch of 3", (rng.normal(0, 1, (3, NUM_INPUTS)), state(3, 0.8), _params(rng, gates, 0.7))),
        Case("batch of 1", (rng.normal(0, 1, (1, NUM_INPUTS)), state(1, 0.8), _params(rng, gates, 0.7))),
        Case("saturating values", (rng.normal(0, 8, (2, NUM_INPUTS)), state(2, 3.0), _params(rng, gates, 4.0)),
             diagnose=False),
        Case("zero state", (rng.normal(0, 1, (2, NUM_INPUTS)), zero if num_states > 1 else zero[0],
                            _params(rng, gates, 0.7)), diagnose=False),
    ]


def _swaps(reference: Callable, gates: str) -> list:
    """Mutants where one gate uses another gate's weight or bias: params[W_xf] <- params[W_xi], ..."""
    mutants = []
    for kind in ("W_x", "W_h", "b_"):
        for g in gates:
            for other in gates:
                if other != g:
                    mutants.append(Mutant(
                        f"the {GATE_WORDS[g]} uses {kind}{other} where {kind}{g} belongs (a gate using another "
                        "gate's weight)", _with_param(reference, f"{kind}{g}", f"{kind}{other}")))
    return mutants


def _with_param(reference: Callable, target: str, source: str) -> Callable:
    def mutant(X: Tensor, state: Any, params: dict) -> Any:
        return reference(X, state, {**params, target: params[source]})
    return mutant


def _zero_probes(gates: str) -> dict:
    probes = {}
    for g in gates:
        probes[f"b_{g}"] = f"the bias b_{g} of the {GATE_WORDS[g]} is missing"
        probes[f"W_x{g}"] = f"the {GATE_WORDS[g]} ignores the input X (W_x{g} is never used)"
        probes[f"W_h{g}"] = f"the {GATE_WORDS[g]} ignores the state H (W_h{g} is never used)"
    return probes


# --- RNN -----------------------------------------------------------------------------------------

def rnn_step(X: Tensor, H: Tensor, params: dict, activation: Callable = _tanh) -> Tensor:
    """The book's RNN step: H = tanh(X W_xh + H W_hh + b_h)."""
    return activation(X @ params["W_xh"] + H @ params["W_hh"] + params["b_h"])


RNN_MUTANTS = [
    Mutant("sigmoid where tanh belongs: H = sigmoid(X W_xh + H W_hh + b_h)",
           lambda X, H, p: rnn_step(X, H, p, _sigmoid)),
    Mutant("tanh is missing: H = X W_xh + H W_hh + b_h", lambda X, H, p: rnn_step(X, H, p, _identity)),
    Mutant("ReLU where tanh belongs", lambda X, H, p: rnn_step(X, H, p, lambda x: x.relu())),
    Mutant("W_hh is used transposed: H W_hh^T instead of H W_hh",
           lambda X, H, p: rnn_step(X, H, {**p, "W_hh": p["W_hh"].T})),
]


def check_rnn_step(fn: Callable) -> CheckResult:
    """Judge ``fn(X, H, params) -> H``, one step of the book's RNN, against H = tanh(X W_xh + H W_hh + b_h).

    ``X`` (batch, 3), ``H`` (batch, 4), ``params`` {'W_xh' (3, 4), 'W_hh' (4, 4), 'b_h' (4,)},
    all float64 Tensors that require gradients. Returns a ``CheckResult`` (truthy when passed).
    """
    return compare("check_rnn_step", fn, rnn_step, cell_cases("h"), ("X", "H", "params"), ("H",),
                   mutants=RNN_MUTANTS, zero_probes={
                       "b_h": "the bias b_h is missing",
                       "W_hh": "the new state ignores the old one (W_hh is never used)",
                       "W_xh": "the new state ignores the input X (W_xh is never used)"})


# --- LSTM ----------------------------------------------------------------------------------------

def lstm_step(X: Tensor, state: tuple, params: dict, gate: Callable = _sigmoid, node: Callable = _tanh,
              cell: Callable = _tanh, gates_used: str = "ifo", tanh_gate: str = "", keep_cell: bool = True,
              swap_state: bool = False) -> tuple:
    """The book's LSTM step; the keyword arguments build its mutants.

        I = sigma(X W_xi + H W_hi + b_i), F = ..., O = ...,  C~ = tanh(X W_xc + H W_hc + b_c)
        C = F * C_prev + I * C~,   H = O * tanh(C)
    """
    H, C = state

    def pre(g: str) -> Tensor:
        return X @ params[f"W_x{g}"] + H @ params[f"W_h{g}"] + params[f"b_{g}"]

    I, F, O = ((_tanh if g in tanh_gate else gate)(pre(g)) if g in gates_used else 1.0 for g in "ifo")
    C_tilde = node(pre("c"))
    C = (F * C if keep_cell else 0.0) + I * C_tilde
    H = O * cell(C)
    return (C, H) if swap_state else (H, C)


def _lstm(**options: Any) -> Callable:
    return lambda X, state, params: lstm_step(X, state, params, **options)


LSTM_MUTANTS = [
    Mutant("sigmoid where tanh belongs: the input node C~ uses sigmoid", _lstm(node=_sigmoid)),
    Mutant("tanh is missing on the cell: H = O * C instead of O * tanh(C)", _lstm(cell=_identity)),
    Mutant("sigmoid where tanh belongs: H = O * sigmoid(C)", _lstm(cell=_sigmoid)),
    Mutant("tanh where sigmoid belongs: the gates use tanh", _lstm(gate=_tanh)),
    *[Mutant(f"tanh where sigmoid belongs: the {GATE_WORDS[g]} uses tanh", _lstm(tanh_gate=g)) for g in "ifo"],
    Mutant("tanh is missing on the input node: C~ = X W_xc + H W_hc + b_c", _lstm(node=_identity)),
    Mutant("the input gate is left out: C = F * C_prev + C~", _lstm(gates_used="fo")),
    Mutant("the forget gate is left out: C = C_prev + I * C~", _lstm(gates_used="io")),
    Mutant("the output gate is left out: H = tanh(C)", _lstm(gates_used="if")),
    Mutant("the old cell is dropped: C = I * C~ (F * C_prev is missing)", _lstm(keep_cell=False)),
    Mutant("the state comes back as (C, H) instead of (H, C)", _lstm(swap_state=True)),
]


def check_lstm_step(fn: Callable) -> CheckResult:
    """Judge ``fn(X, (H, C), params) -> (H, C)``, one step of the book's LSTM.

    ``params`` has ``W_x*`` (3, 4), ``W_h*`` (4, 4) and ``b_*`` (4,) for * in i, f, o (gates) and
    c (input node). Returns a ``CheckResult`` (truthy when passed) naming the likely mistake.
    """
    return compare("check_lstm_step", fn, lstm_step, cell_cases("ifoc", num_states=2),
                   ("X", ("H", "C"), "params"), ("H", "C"), mutants=LSTM_MUTANTS + _swaps(lstm_step, "ifoc"),
                   zero_probes=_zero_probes("ifoc"))


# --- GRU -----------------------------------------------------------------------------------------

def gru_step(X: Tensor, H: Tensor, params: dict, gate: Callable = _sigmoid, candidate: Callable = _tanh,
             reset: str = "before", reversed_blend: bool = False, use_update: bool = True) -> Tensor:
    """The book's GRU step (reset before the recurrent product); the keyword arguments build its mutants.

        Z = sigma(X W_xz + H W_hz + b_z),  R = sigma(X W_xr + H W_hr + b_r)
        H~ = tanh(X W_xh + (R * H) W_hh + b_h),   H_new = Z * H + (1 - Z) * H~
    """
    Z = gate(X @ params["W_xz"] + H @ params["W_hz"] + params["b_z"]) if use_update else 0.0
    R = gate(X @ params["W_xr"] + H @ params["W_hr"] + params["b_r"])
    if reset == "before":
        recurrent = (R * H) @ params["W_hh"]
    elif reset == "after":  # Keras reset_after=True: R applied to the product
        recurrent = R * (H @ params["W_hh"])
    else:
        recurrent = H @ params["W_hh"]
    H_tilde = candidate(X @ params["W_xh"] + recurrent + params["b_h"])
    return (1 - Z) * H + Z * H_tilde if reversed_blend else Z * H + (1 - Z) * H_tilde


def _gru(**options: Any) -> Callable:
    return lambda X, H, params: gru_step(X, H, params, **options)


GRU_MUTANTS = [
    Mutant("the update blend is reversed: H = (1 - Z) * H_prev + Z * H~ instead of Z * H_prev + (1 - Z) * H~",
           _gru(reversed_blend=True)),
    Mutant("the reset is applied after the recurrent product: R * (H W_hh) instead of (R * H) W_hh. That is "
           "Keras's reset_after=True (and PyTorch's) form, not the book's", _gru(reset="after")),
    Mutant("the reset gate is left out: H~ = tanh(X W_xh + H W_hh + b_h)", _gru(reset="none")),
    Mutant("the update gate is left out: H = H~", _gru(use_update=False)),
    Mutant("sigmoid where tanh belongs: the candidate H~ uses sigmoid", _gru(candidate=_sigmoid)),
    Mutant("tanh is missing on the candidate H~", _gru(candidate=_identity)),
    Mutant("tanh where sigmoid belongs: the gates use tanh", _gru(gate=_tanh)),
]


def check_gru_step(fn: Callable) -> CheckResult:
    """Judge ``fn(X, H, params) -> H``, one step of the book's GRU (reset before the product).

    ``params`` has ``W_x*`` (3, 4), ``W_h*`` (4, 4) and ``b_*`` (4,) for * in z (update), r (reset)
    and h (candidate). Returns a ``CheckResult`` (truthy when passed) naming the likely mistake.
    """
    return compare("check_gru_step", fn, gru_step, cell_cases("zrh"), ("X", "H", "params"), ("H",),
                   mutants=GRU_MUTANTS + _swaps(gru_step, "zrh"), zero_probes=_zero_probes("zrh"))


# --- any cell ------------------------------------------------------------------------------------

def check_cell(fn: Callable, reference: Callable, cases: list | None = None, arg_names: tuple = ("X", "H"),
               output_names: tuple | None = None, mutants: list | None = None,
               name: str = "check_cell") -> CheckResult:
    """Judge any function against a reference implementation of the same thing.

    By default both are called as ``f(X, H)`` with X (batch, 3) and H (batch, 4) on a random
    batch of 3, a batch of 1, saturating values and a zero state; the reference keeps its own
    weights (e.g. a closure over a model's parameters). Pass ``cases`` (a list of ``Case``, or of
    ``(name, args)`` tuples of NumPy arrays, dicts and tuples of them) for other signatures, and
    ``mutants`` (``Mutant(words, function)``) to name mistakes of your own.

    Values are compared, then gradients through ``backward`` against the reference's and against
    finite differences of ``fn``. Returns a ``CheckResult``, truthy when everything matched.
    """
    if not callable(reference):
        raise TypeError(f"check_cell: reference must be a function, got {type(reference).__name__}")
    if cases is None:
        rng = numpy.random.default_rng(0)
        cases = [Case("random batch of 3", (rng.normal(0, 1, (3, NUM_INPUTS)), rng.normal(0, 0.8, (3, NUM_HIDDENS)))),
                 Case("batch of 1", (rng.normal(0, 1, (1, NUM_INPUTS)), rng.normal(0, 0.8, (1, NUM_HIDDENS)))),
                 Case("saturating values", (rng.normal(0, 8, (2, NUM_INPUTS)), rng.normal(0, 3, (2, NUM_HIDDENS))),
                      diagnose=False),
                 Case("zero state", (rng.normal(0, 1, (2, NUM_INPUTS)), numpy.zeros((2, NUM_HIDDENS))),
                      diagnose=False)]
    cases = [c if isinstance(c, Case) else Case(c[0], tuple(c[1])) for c in cases]
    if output_names is None:
        output_names = ("output",)
    return compare(name, fn, reference, cases, arg_names, _names_for(output_names), mutants=mutants or ())


def _names_for(output_names: tuple) -> tuple:
    """Output names, padded with 'output k' so a function returning more outputs is still described."""
    return tuple(output_names) + tuple(f"output {k}" for k in range(len(output_names), 16))
