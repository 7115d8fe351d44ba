"""Exercises that check themselves: checkers that judge a student's own implementation.

Each ``check_*`` runs the student's function beside a reference on random inputs and on edge
cases (a batch of 1, saturating values, a zero state), compares the values and the gradients
through ``backward`` (against the reference and against finite differences), and returns a
``CheckResult``: truthy only when everything matched, shown as text or as rich output in
JupyterLab, naming the likely mistake. Mistakes are recognised by probing the function (which
deliberately mutated reference behaves like it? which weight can be zeroed without changing
its output?), never by reading its source. In an autograder: ``check_gru_step(fn).assert_passed()``.
"""
from .cells import check_cell, check_gru_step, check_lstm_step, check_rnn_step, gru_step, lstm_step, rnn_step
from .harness import Case, Mutant
from .result import CheckResult
from .sequences import check_birnn, check_clip_gradients, check_one_hot, check_perplexity

__all__ = [
    "CheckResult", "Case", "Mutant", "check_cell", "check_rnn_step", "check_lstm_step", "check_gru_step",
    "check_birnn", "check_clip_gradients", "check_perplexity", "check_one_hot", "rnn_step", "lstm_step", "gru_step",
]
