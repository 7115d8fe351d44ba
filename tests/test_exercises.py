"""The checkers of d2lrnn.exercises against student-style functions: correct ones written
differently from the references, one mutant per mistake a checker names, functions that leave
autograd, return the wrong shape, or raise."""
import math

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import exercises as ex


def sig(x):
    return 1 / (1 + (-x).exp())  # written out, not Tensor.sigmoid: an independent correct form


# --- students' RNN steps -------------------------------------------------------------------------

def rnn_ok(X, H, p):
    return (H @ p["W_hh"] + p["b_h"] + X @ p["W_xh"]).tanh()


def rnn_no_bias(X, H, p):
    return (X @ p["W_xh"] + H @ p["W_hh"]).tanh()


def rnn_sigmoid(X, H, p):
    return sig(X @ p["W_xh"] + H @ p["W_hh"] + p["b_h"])


def rnn_through_numpy(X, H, p):
    pre = X.numpy() @ p["W_xh"].numpy() + H.numpy() @ p["W_hh"].numpy() + p["b_h"].numpy()
    return d2l.tensor(np.tanh(pre))


def rnn_detached_weights(X, H, p):
    """Values right, but W_hh's gradient is cut: only part of the graph leaves autograd."""
    return (X @ p["W_xh"] + H @ d2l.tensor(p["W_hh"].numpy(), dtype=np.float64) + p["b_h"]).tanh()


def rnn_wrong_shape(X, H, p):
    return (X @ p["W_xh"] + H @ p["W_hh"] + p["b_h"]).tanh().T


def rnn_raises(X, H, p):
    return X @ p["W_hh"]


def test_rnn_step_passes_a_correct_step_and_names_mistakes():
    ok = ex.check_rnn_step(rnn_ok)
    assert ok and ok.passed and "passed" in str(ok) and "passed" in ok._repr_html_()
    ok.assert_passed()
    result = ex.check_rnn_step(rnn_no_bias)
    assert not result and "the bias b_h is missing" in result.likely_mistakes
    with pytest.raises(AssertionError, match="the bias b_h is missing"):
        result.assert_passed()
    assert any("sigmoid where tanh belongs" in m for m in ex.check_rnn_step(rnn_sigmoid).likely_mistakes)


def test_a_step_through_numpy_fails_with_the_gradient_does_not_flow():
    result = ex.check_rnn_step(rnn_through_numpy)
    assert not result
    assert all("the gradient does not flow" in p for p in result.problems) and len(result.problems) == 4
    partly = ex.check_rnn_step(rnn_detached_weights)
    assert not partly and any("the gradient does not flow to W_hh" in p for p in partly.problems)
    assert not any("to W_xh" in p for p in partly.problems)


def test_wrong_shapes_and_exceptions_are_reported_not_raised():
    shape = ex.check_rnn_step(rnn_wrong_shape)
    assert not shape and "wrong output shape: H has shape (4, 3), expected (3, 4)" in str(shape)
    raised = ex.check_rnn_step(rnn_raises)
    assert not raised and "the function raised" in str(raised)
    assert len(raised.problems) == 4
    with pytest.raises(TypeError, match="fn must be a function"):
        ex.check_rnn_step(42)


# --- students' LSTM steps ------------------------------------------------------------------------

def lstm_factory(gate_i="i", gate_f="f", gate_o="o", weight_of=None, bias=True, node=None, cell=None,
                 input_gate=True, swap=False):
    """A student's LSTM step; the arguments plant one mistake each. Gates are computed with sig()."""
    node = node or (lambda x: x.tanh())
    cell = cell or (lambda x: x.tanh())
    weight_of = weight_of or {}

    def fn(X, state, p):
        H, C = state

        def pre(g):
            w = weight_of.get(g, g)
            out = X @ p["W_x" + w] + H @ p["W_h" + g]
            return out + p["b_" + g] if bias or g != "f" else out
        I = sig(pre(gate_i))
        F = sig(pre(gate_f))
        O = sig(pre(gate_o))
        C_new = F * C + (I * node(pre("c")) if input_gate else node(pre("c")))
        H_new = O * cell(C_new)
        return (C_new, H_new) if swap else (H_new, C_new)
    return fn


def lstm_through_scratch_class(X, state, p):
    """A correct step through the library's LSTMScratch, a second independent implementation."""
    layer = d2l.LSTMScratch(3, 4)
    for name, value in p.items():
        setattr(layer, name, value)
    outputs, (H, C) = layer([X], state)
    return H, C


@pytest.mark.parametrize("student, words", [
    (lstm_factory(weight_of={"f": "i"}), "the forget gate uses W_xi where W_xf belongs"),
    (lstm_factory(bias=False), "the bias b_f of the forget gate is missing"),
    (lstm_factory(node=sig), "sigmoid where tanh belongs: the input node C~ uses sigmoid"),
    (lstm_factory(cell=lambda x: x), "tanh is missing on the cell"),
    (lstm_factory(input_gate=False), "the input gate is left out"),
    (lstm_factory(swap=True), "the state comes back as (C, H)"),
])
def test_lstm_mistakes_are_named(student, words):
    result = ex.check_lstm_step(student)
    assert not result
    assert any(words in m for m in result.likely_mistakes), result.likely_mistakes
    assert words in str(result) and words.replace("(", "").split()[0] in result._repr_html_()


def test_lstm_correct_forms_pass():
    assert ex.check_lstm_step(lstm_factory())
    assert ex.check_lstm_step(lstm_through_scratch_class)


def test_lstm_returning_only_H_is_a_wrong_output():
    result = ex.check_lstm_step(lambda X, s, p: lstm_factory()(X, s, p)[0])
    assert not result and "1 tensor(s) returned, expected 2 (H, C)" in str(result)


# --- students' GRU steps -------------------------------------------------------------------------

def gru_factory(reversed_blend=False, reset_after=False, z_weight="z", candidate=None):
    candidate = candidate or (lambda x: x.tanh())

    def fn(X, H, p):
        Z = sig(X @ p["W_x" + z_weight] + H @ p["W_hz"] + p["b_z"])
        R = sig(X @ p["W_xr"] + H @ p["W_hr"] + p["b_r"])
        recurrent = R * (H @ p["W_hh"]) if reset_after else (R * H) @ p["W_hh"]
        H_tilde = candidate(X @ p["W_xh"] + recurrent + p["b_h"])
        return (1 - Z) * H + Z * H_tilde if reversed_blend else Z * H + (1 - Z) * H_tilde
    return fn


def gru_through_scratch_class(X, H, p):
    layer = d2l.GRUScratch(3, 4)
    for name, value in p.items():
        setattr(layer, name, value)
    return layer([X], H)[1]


@pytest.mark.parametrize("student, words", [
    (gru_factory(reversed_blend=True), "the update blend is reversed"),
    (gru_factory(reset_after=True), "Keras's reset_after=True"),
    (gru_factory(z_weight="r"), "the update gate uses W_xr where W_xz belongs"),
    (gru_factory(candidate=sig), "sigmoid where tanh belongs: the candidate H~ uses sigmoid"),
])
def test_gru_mistakes_are_named(student, words):
    result = ex.check_gru_step(student)
    assert not result and any(words in m for m in result.likely_mistakes), result.likely_mistakes


def test_gru_correct_forms_pass():
    assert ex.check_gru_step(gru_factory())
    assert ex.check_gru_step(gru_through_scratch_class)


# --- check_cell ----------------------------------------------------------------------------------

def test_check_cell_with_a_closed_over_reference():
    rng = np.random.default_rng(5)
    W = d2l.tensor(rng.normal(size=(3, 4)), dtype=np.float64)
    reference = lambda X, H: (X @ W).relu() + 0.5 * H
    assert ex.check_cell(lambda X, H: (X @ W).relu() + H * 0.5, reference)
    wrong = ex.check_cell(lambda X, H: (X @ W).relu() + H, reference,
                          mutants=[ex.Mutant("the state is not halved", lambda X, H: (X @ W).relu() + H)])
    assert not wrong and wrong.likely_mistakes == ["the state is not halved"]
    custom = ex.check_cell(lambda a: a * a, lambda a: a ** 2, cases=[("square", (np.arange(3.0),))], arg_names=("a",))
    assert custom and custom.cases == ["square"]


# --- bidirectional, one-hot, perplexity, clipping ------------------------------------------------

def birnn_student(inputs, f_params, b_params, realign=True):
    def run(steps, p):
        H = d2l.zeros((steps[0].shape[0], p["W_hh"].shape[0]), dtype=np.float64)
        outs = []
        for X in steps:
            H = (X @ p["W_xh"] + H @ p["W_hh"] + p["b_h"]).tanh()
            outs.append(H)
        return outs
    f = run(inputs, f_params)
    b = run(inputs[::-1], b_params)
    b = b[::-1] if realign else b
    return [d2l.concat((x, y), axis=-1) for x, y in zip(f, b)]


def test_check_birnn():
    assert ex.check_birnn(birnn_student)
    result = ex.check_birnn(lambda i, f, b: birnn_student(i, f, b, realign=False))
    assert not result and any("not put back in forward order" in m for m in result.likely_mistakes)
    stacked = ex.check_birnn(lambda i, f, b: d2l.stack(birnn_student(i, f, b), axis=0))
    assert stacked


def test_check_one_hot():
    assert ex.check_one_hot(lambda X, V: d2l.functional.one_hot(X.numpy().T, V))
    batch_major = ex.check_one_hot(lambda X, V: d2l.functional.one_hot(X.numpy(), V))
    assert not batch_major and "wrong output shape" in str(batch_major)
    ints = ex.check_one_hot(lambda X, V: d2l.tensor(np.eye(V, dtype=np.int64)[X.numpy().T]))
    assert not ints and "dtype int64" in str(ints)


def log_softmax_ppl(Y_hat, Y):
    flat = Y_hat.reshape(-1, Y_hat.shape[-1])
    shifted = flat - d2l.tensor(flat.numpy().max(axis=1, keepdims=True), dtype=np.float64)
    log_p = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    picked = log_p[np.arange(flat.shape[0]), Y.numpy().reshape(-1)]
    return (-picked.mean()).exp()


def test_check_perplexity():
    assert ex.check_perplexity(log_softmax_ppl)
    naive = ex.check_perplexity(lambda Y_hat, Y: (-(
        (Y_hat.exp() / Y_hat.exp().sum(axis=-1, keepdims=True)).log()
        .reshape(-1, Y_hat.shape[-1])[np.arange(Y.size), Y.numpy().reshape(-1)]).mean()).exp())
    assert not naive and any("exp overflows" in p for p in naive.problems) and len(naive.problems) == 1
    missing_exp = ex.check_perplexity(lambda Y_hat, Y: log_softmax_ppl(Y_hat, Y).log())
    assert not missing_exp and any("exponential is missing" in m for m in missing_exp.likely_mistakes)
    as_float = ex.check_perplexity(lambda Y_hat, Y: float(log_softmax_ppl(Y_hat, Y).item()))
    assert not as_float and "not a Tensor" in str(as_float)


def clip_ok(theta, model):
    params = [p for p in model.parameters() if p.requires_grad]
    norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in params))
    if norm > theta:
        for p in params:
            p.grad[:] *= theta / norm


def clip_per_parameter(theta, model):
    for p in model.parameters():
        norm = float(np.sqrt((p.grad ** 2).sum()))
        if norm > theta:
            p.grad[:] *= theta / norm


def test_check_clip_gradients():
    assert ex.check_clip_gradients(clip_ok)
    per = ex.check_clip_gradients(clip_per_parameter)
    assert not per and any("its own norm" in m for m in per.likely_mistakes)
    returned = ex.check_clip_gradients(lambda theta, model: [p.grad * 0.5 for p in model.parameters()])
    assert not returned and any("left unchanged" in m for m in returned.likely_mistakes)
    halved = ex.check_clip_gradients(lambda theta, model: [p.grad.__imul__(0.5) for p in model.parameters()])
    assert not halved and not any("left unchanged" in m for m in halved.likely_mistakes)
    raised = ex.check_clip_gradients(lambda theta, model: model.missing_attribute)
    assert not raised and "raised AttributeError" in str(raised)
