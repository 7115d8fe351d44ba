"""Checkers for the pieces around the cells: a bidirectional layer, one-hot inputs, perplexity and
gradient clipping. Each runs the student's function beside a reference on random and edge inputs
and, when they disagree, names the mutated reference that behaves like the student's function.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy

from ..autograd import Tensor, concat, stack
from ..autograd.functional import cross_entropy, one_hot
from ..nn import Module, Parameter
from .cells import rnn_step
from .harness import Case, Mutant, OutputFormError, as_tensors, compare
from .result import CheckResult

# --- bidirectional RNN ---------------------------------------------------------------------------

BIRNN_INPUTS, BIRNN_FORWARD, BIRNN_BACKWARD = 3, 4, 2


def birnn(inputs: list, f_params: dict, b_params: dict, realign: bool = True, reverse: bool = True,
          backward_params: str = "b", order: str = "fb") -> list:
    """The book's bidirectional RNN from zero states; the keyword arguments build its mutants.

    The forward RNN reads x_1 ... x_T, the backward one x_T ... x_1; its outputs are put back in
    forward order, and step t's output is the concatenation [->H_t, <-H_t].
    """
    batch = inputs[0].shape[0]
    b_params = f_params if backward_params == "f" else b_params

    def run(steps: list, params: dict) -> list:
        H = Tensor(numpy.zeros((batch, params["W_hh"].shape[0])), dtype=numpy.float64)
        outputs = []
        for X in steps:
            H = rnn_step(X, H, params)
            outputs.append(H)
        return outputs

    forward = run(inputs, f_params)
    backward = run(inputs[::-1] if reverse else inputs, b_params)
    if realign and reverse:
        backward = backward[::-1]
    pairs = zip(forward, backward) if order == "fb" else zip(backward, forward)
    return [concat(pair, axis=-1) for pair in pairs]


def _birnn_outputs(result: Any) -> tuple:
    """outputs (a list of (batch, h) Tensors or a (T, batch, h) Tensor), or (outputs, states) -> (stacked,)."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], (list, Tensor)) \
            and not isinstance(result[1], Tensor):
        result = result[0]  # BiRNNScratch.forward's (outputs, (f_H, b_H))
    if isinstance(result, (list, tuple)):
        steps = as_tensors(result)
        if len({tuple(s.shape) for s in steps}) != 1:
            raise OutputFormError(f"its outputs have different shapes per step: {[tuple(s.shape) for s in steps]}")
        return (stack(list(steps), axis=0),)
    return as_tensors(result)


def _birnn_case(name: str, rng: numpy.random.Generator, steps: int, batch: int, scale: float,
                diagnose: bool = True) -> Case:
    def params(hiddens: int) -> dict:
        return {"W_xh": rng.normal(0, scale, (BIRNN_INPUTS, hiddens)), "W_hh": rng.normal(0, scale, (hiddens, hiddens)),
                "b_h": rng.normal(0, scale, (hiddens,))}
    inputs = [rng.normal(0, scale + 0.3, (batch, BIRNN_INPUTS)) for _ in range(steps)]
    return Case(name, (inputs, params(BIRNN_FORWARD), params(BIRNN_BACKWARD)), diagnose)


def _bi(**options: Any) -> Callable:
    return lambda inputs, f_params, b_params: birnn(inputs, f_params, b_params, **options)


BIRNN_MUTANTS = [
    Mutant("the backward outputs are not put back in forward order: step t is joined with the backward "
           "state of step T - t + 1 (the book's bug d2l-en #2306)", _bi(realign=False)),
    Mutant("the backward RNN reads the sequence forwards (the inputs are not reversed)", _bi(reverse=False)),
    Mutant("the halves are concatenated in the wrong order: [<-H_t, ->H_t] instead of [->H_t, <-H_t]",
           _bi(order="bf")),
]


def check_birnn(fn: Callable) -> CheckResult:
    """Judge ``fn(inputs, f_params, b_params) -> outputs``, a bidirectional RNN from zero states.

    ``inputs`` is a list of T Tensors (batch, 3); ``f_params`` and ``b_params`` hold the book's
    ``W_xh``, ``W_hh``, ``b_h`` of the forward (4 hidden units) and the backward (2 hidden units)
    RNN. ``outputs`` is a list of T Tensors (batch, 6), step t being [->H_t, <-H_t] (or the
    stacked (T, batch, 6) Tensor, or ``BiRNNScratch``'s pair (outputs, states)).
    """
    rng = numpy.random.default_rng(0)
    cases = [_birnn_case("random batch of 3, 5 steps", rng, 5, 3, 0.7),
             _birnn_case("batch of 1", rng, 4, 1, 0.7),
             _birnn_case("saturating values", rng, 4, 2, 4.0, diagnose=False),
             _birnn_case("one time step", rng, 1, 2, 0.7, diagnose=False)]
    return compare("check_birnn", fn, birnn, cases, ("inputs", "f_params", "b_params"),
                   ("outputs (T, batch, 6)",), normalize=_birnn_outputs, mutants=BIRNN_MUTANTS)


# --- one-hot inputs ------------------------------------------------------------------------------

ONE_HOT_VOCAB = 6


def one_hot_inputs(X: Tensor, vocab_size: int) -> Tensor:
    """The book's ``RNNLMScratch.one_hot``: indices (batch, steps) -> float (steps, batch, vocab_size)."""
    return one_hot(X.numpy().T, vocab_size, dtype="float32")


def _one_hot_outputs(result: Any) -> tuple:
    outputs = as_tensors(result)
    for t in outputs:
        if numpy.dtype(t.dtype).kind != "f":
            raise OutputFormError(f"it returns a Tensor of dtype {numpy.dtype(t.dtype)}; the RNN multiplies it with "
                                  "float weights, so it must be a float tensor (e.g. .astype('float32'))")
    return outputs


def check_one_hot(fn: Callable) -> CheckResult:
    """Judge ``fn(X, vocab_size)``, the language model's ``one_hot``: token indices X (batch_size,
    num_steps), an integer Tensor, -> float one-hot inputs (num_steps, batch_size, vocab_size)."""
    rng = numpy.random.default_rng(0)
    edges = numpy.array([[0, ONE_HOT_VOCAB - 1, 0, 1, ONE_HOT_VOCAB - 1]])
    cases = [Case("random batch of 2, 5 steps", (rng.integers(0, ONE_HOT_VOCAB, (2, 5)), ONE_HOT_VOCAB)),
             Case("batch of 1 with the first and last token", (edges, ONE_HOT_VOCAB)),
             Case("one step", (rng.integers(0, ONE_HOT_VOCAB, (3, 1)), ONE_HOT_VOCAB))]
    mutants = [Mutant("the indices are shifted by one: token k lights up column k + 1",
                      lambda X, V: one_hot((X.numpy().T + 1) % V, V))]
    return compare("check_one_hot", fn, one_hot_inputs, cases, ("X", "vocab_size"),
                   ("the one-hot inputs (num_steps, batch_size, vocab_size)",), normalize=_one_hot_outputs,
                   mutants=mutants, what="values, shape and dtype")


# --- perplexity ----------------------------------------------------------------------------------

def perplexity(Y_hat: Tensor, Y: Tensor) -> Tensor:
    """exp(mean cross-entropy): logits Y_hat (batch, steps, vocab), integer targets Y (batch, steps) -> scalar."""
    return cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.numpy().reshape(-1)).exp()


def _mean_ce(Y_hat: Tensor, Y: Tensor) -> Tensor:
    return cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.numpy().reshape(-1))


PERPLEXITY_MUTANTS = [
    Mutant("the exponential is missing: that is the mean cross-entropy, not the perplexity", _mean_ce),
    Mutant("exp of the summed cross-entropy: average over the tokens before taking exp",
           lambda Y_hat, Y: (_mean_ce(Y_hat, Y) * Y.numpy().size).exp()),
    Mutant("base 2 where the book uses base e: 2 ** mean cross-entropy (in nats)",
           lambda Y_hat, Y: (_mean_ce(Y_hat, Y) * math.log(2)).exp()),
    Mutant("the mean of per-token perplexities: exp(mean(l)) is not mean(exp(l))",
           lambda Y_hat, Y: cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.numpy().reshape(-1),
                                          reduction="none").exp().mean()),
]


def check_perplexity(fn: Callable) -> CheckResult:
    """Judge ``fn(Y_hat, Y)``: perplexity exp(mean cross-entropy) of logits Y_hat (batch, steps,
    vocab) for integer targets Y (batch, steps), as a scalar Tensor; its gradient is checked too.
    Logits near 1000 test numerical stability: exp overflows there, so softmax-then-log gives nan,
    while log-softmax (``cross_entropy``) shifts by the largest logit first."""
    rng = numpy.random.default_rng(0)
    cases = [Case("random batch of 2, 5 steps", (rng.normal(0, 2, (2, 5, 6)), rng.integers(0, 6, (2, 5)))),
             Case("batch of 1", (rng.normal(0, 2, (1, 3, 6)), rng.integers(0, 6, (1, 3)))),
             Case("uniform logits (perplexity = vocab size)", (numpy.zeros((2, 4, 6)), rng.integers(0, 6, (2, 4))),
                  diagnose=False),
             Case("logits near 1000 (exp overflows)", (rng.normal(0, 2, (2, 3, 6)) + 1000, rng.integers(0, 6, (2, 3))),
                  diagnose=False)]
    return compare("check_perplexity", fn, perplexity, cases, ("Y_hat", "Y"), ("perplexity",),
                   normalize=_scalar_output, mutants=PERPLEXITY_MUTANTS)


def _scalar_output(result: Any) -> tuple:
    outputs = as_tensors(result)
    if len(outputs) == 1 and outputs[0].size == 1 and outputs[0].ndim > 0:
        return (outputs[0].reshape(()),)  # a (1,) or (1, 1) perplexity is still one number
    return outputs


# --- gradient clipping ---------------------------------------------------------------------------

def clip_gradients(grad_clip_val: float, model: Module) -> None:
    """The book's ``clip_gradients``: scale all gradients by min(1, theta / ||g||), ||g|| the global norm."""
    params = [p for p in model.parameters() if p.requires_grad]
    norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in params))
    if norm > grad_clip_val:
        for p in params:
            p.grad = p.grad * (grad_clip_val / norm)


def _per_parameter(theta: float, model: Module) -> None:
    for p in model.parameters():
        norm = float(numpy.sqrt((p.grad ** 2).sum()))
        if norm > theta:
            p.grad = p.grad * (theta / norm)


def _scaled_by(scale: Callable[[float, float], float], always: bool = False, squared: bool = False) -> Callable:
    """A clipping mutant: ``scale(theta, norm)`` applied to every gradient when norm > theta (or always);
    ``squared`` uses the squared norm in place of the norm."""
    def mutant(theta: float, model: Module) -> None:
        params = model.parameters()
        norm = sum(float((p.grad ** 2).sum()) for p in params)
        norm = norm if squared else math.sqrt(norm)
        if always or norm > theta:
            for p in params:
                p.grad = p.grad * scale(theta, norm)
    return mutant


def _element_wise(theta: float, model: Module) -> None:
    for p in model.parameters():
        p.grad = numpy.clip(p.grad, -theta, theta)


CLIP_MUTANTS = [
    Mutant("the gradients are left unchanged: assign p.grad (p.grad = p.grad * scale, or p.grad[:] *= scale)",
           lambda theta, model: None),
    Mutant("each parameter is clipped by its own norm; the book clips the global norm over all parameters",
           _per_parameter),
    Mutant("the square root is missing: the squared norm is used as the norm",
           _scaled_by(lambda theta, norm: theta / norm, squared=True)),
    Mutant("the gradients are rescaled to norm theta even when their norm is already below theta",
           _scaled_by(lambda theta, norm: theta / norm, always=True)),
    Mutant("the scale is inverted: ||g|| / theta instead of theta / ||g||", _scaled_by(lambda theta, norm: norm / theta)),
    Mutant("each element is clipped to [-theta, theta] instead of scaling the whole gradient", _element_wise),
]


class _Model(Module):
    """Stand-in for a model: parameters of a few shapes, each holding a given gradient."""

    def __init__(self, grads: list) -> None:
        super().__init__()
        self.weights = [Parameter(numpy.zeros(g.shape), dtype=numpy.float64) for g in grads]
        for p, g in zip(self.weights, grads):
            p.grad = g.copy()

    def parameters(self) -> list:
        return list(self.weights)


def _clip_cases() -> list:
    rng = numpy.random.default_rng(0)
    shapes = [(3, 4), (4, 4), (4,)]
    large = [rng.normal(0, 2, s) for s in shapes]  # global norm about 9
    small = [g * 0.02 for g in large]  # global norm about 0.2
    uneven = [rng.normal(0, 0.1, (3, 4)), rng.normal(0, 5, (4, 4)), rng.normal(0, 0.1, (4,))]
    return [("a global norm above theta = 1", 1.0, large), ("a global norm below theta = 1", 1.0, small),
            ("one large gradient among small ones, theta = 2", 2.0, uneven),
            ("a single parameter, theta = 0.5", 0.5, [rng.normal(0, 1, (1, 5))])]


def _clipped(fn: Callable, theta: float, grads: list) -> list:
    model = _Model(grads)
    fn(theta, model)
    return [numpy.asarray(p.grad.numpy() if isinstance(p.grad, Tensor) else p.grad, dtype=numpy.float64)
            for p in model.weights]


def check_clip_gradients(fn: Callable) -> CheckResult:
    """Judge ``fn(grad_clip_val, model)``, the book's ``clip_gradients``: it must scale every
    ``p.grad`` of ``model.parameters()`` by min(1, theta / ||g||), with ||g|| the norm of all the
    gradients together, in place (the return value is ignored).

    Run on gradients above and below the threshold, one large gradient among small ones, and a
    single parameter. Returns a ``CheckResult`` naming the likely mistake.
    """
    if not callable(fn):
        raise TypeError(f"check_clip_gradients: fn must be a function, got {type(fn).__name__}")
    problems, observed = [], []
    cases = _clip_cases()
    for name, theta, grads in cases:
        expected = _clipped(clip_gradients, theta, grads)
        try:
            got = _clipped(fn, theta, grads)
        except Exception as error:
            problems.append(f"[{name}] the function raised {type(error).__name__}: {error}")
            continue
        shapes = [g.shape for g in got]
        if shapes != [e.shape for e in expected]:
            problems.append(f"[{name}] wrong gradient shapes after clipping: {shapes}, expected "
                            f"{[e.shape for e in expected]}")
            continue
        observed.append((name, theta, grads, got))
        if not all(numpy.allclose(g, e, rtol=1e-5, atol=1e-8) for g, e in zip(got, expected)):
            norm = math.sqrt(sum(float((g ** 2).sum()) for g in got))
            problems.append(f"[{name}] the clipped gradients differ from the reference (their global norm is "
                            f"{norm:.4g}, expected {min(theta, math.sqrt(sum(float((g ** 2).sum()) for g in grads))):.4g})")
    likely = []
    if problems and observed:
        for mutant in CLIP_MUTANTS:
            if all(all(numpy.allclose(m, g, rtol=1e-5, atol=1e-8) for m, g in zip(_clipped(mutant.function, t, gr), got))
                   for _, t, gr, got in observed):
                likely.append(mutant.description)
    return CheckResult("check_clip_gradients", [c[0] for c in cases], problems, likely,
                       what="the gradients after clipping")
