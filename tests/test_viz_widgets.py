"""Shape arithmetic, the explorer widgets' text forms, heatmap and gradient-norm plots."""
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import d2lrnn as d2l  # noqa: E402
from d2lrnn.viz import (heatmap, merge_mode_explorer, plot_gradient_norms, rnn_output_shapes,  # noqa: E402
                        rnn_param_count, shape_explorer, time_stepper)
from d2lrnn.viz.widgets import merge_outputs  # noqa: E402

B, T, U = 4, 7, 5


@pytest.mark.parametrize("layer, options, expected", [
    ("SimpleRNN", {}, [(B, U)]),
    ("GRU", {"return_sequences": True}, [(B, T, U)]),
    ("LSTM", {"return_state": True}, [(B, U), (B, U), (B, U)]),  # output, h, c
    ("GRU", {"return_sequences": True, "return_state": True}, [(B, T, U), (B, U)]),
    ("LSTM", {"bidirectional": True}, [(B, 2 * U)]),
    ("LSTM", {"bidirectional": True, "merge_mode": "sum", "return_sequences": True}, [(B, T, U)]),
    ("GRU", {"bidirectional": True, "merge_mode": None}, [(B, U), (B, U)]),
    # Bidirectional LSTM with return_state: output, then h_f, c_f, h_b, c_b.
    ("LSTM", {"bidirectional": True, "return_state": True}, [(B, 2 * U)] + [(B, U)] * 4),
    ("SimpleRNN", {"bidirectional": True, "merge_mode": None, "return_state": True}, [(B, U)] * 4),
])
def test_output_shapes_match_keras_rules(layer, options, expected):
    assert rnn_output_shapes(layer, B, T, U, **options) == expected


@pytest.mark.parametrize("layer, features, units, options, expected", [
    ("LSTM", 3, 4, {}, 128),  # the Keras spec's examples
    ("GRU", 3, 4, {}, 108),
    ("GRU", 3, 4, {"reset_after": False}, 96),
    ("LSTM", 64, 32, {"bidirectional": True}, 24_832),  # Keras summary: Bidirectional(LSTM(32)) after Embedding(.., 64)
    ("GRU", 64, 16, {}, 3_936),
    ("SimpleRNN", 8, 16, {}, 16 * (8 + 16) + 16),
    ("SimpleRNN", 8, 16, {"use_bias": False}, 16 * (8 + 16)),
])
def test_parameter_counts(layer, features, units, options, expected):
    assert rnn_param_count(layer, features, units, **options) == expected


RUN_OPTIONS = [{}, {"return_sequences": True}, {"return_state": True},
               {"return_sequences": True, "return_state": True}]
WRAP_OPTIONS = [{}, {"bidirectional": True}, {"bidirectional": True, "merge_mode": None},
                {"bidirectional": True, "merge_mode": "ave"}]


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("run", RUN_OPTIONS)
@pytest.mark.parametrize("wrap", WRAP_OPTIONS)
def test_shapes_and_counts_are_what_a_real_layer_returns_and_holds(layer, run, wrap):
    """The shape functions against layers actually called on data (default initializers, default names)."""
    features = 3
    made = getattr(d2l.layers, layer)(U, **run)
    if wrap:
        made = d2l.layers.Bidirectional(made, merge_mode=wrap.get("merge_mode", "concat"))
    outputs = made(np.random.default_rng(0).normal(size=(B, T, features)))
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    assert rnn_output_shapes(layer, B, T, U, **run, **wrap) == [tuple(y.shape) for y in outputs]
    expected_count = sum(w.size for w in made.weights)
    assert rnn_param_count(layer, features, U, bidirectional=bool(wrap)) == expected_count


def test_shape_functions_leave_names_and_random_numbers_alone():
    d2l.layers.clear_session()
    state = np.random.get_state()
    rnn_output_shapes("LSTM", B, T, U, bidirectional=True)
    rnn_param_count("GRU", 3, U, bidirectional=True)
    drawn_after = np.random.random()
    np.random.set_state(state)
    assert drawn_after == np.random.random()
    assert d2l.layers.LSTM(2).name == "lstm" and d2l.layers.GRU(2).name == "gru"


def test_shape_function_errors():
    with pytest.raises(ValueError, match="layer: expected one of .*got 'Conv1D'"):
        rnn_output_shapes("Conv1D", 1, 1, 1)
    with pytest.raises(ValueError, match="merge_mode: .*got 'max'"):
        rnn_output_shapes("LSTM", 1, 1, 1, bidirectional=True, merge_mode="max")
    with pytest.raises(ValueError, match="units: expected a positive integer, got 0"):
        rnn_param_count("GRU", 3, 0)


def table_rows(text: str) -> dict:
    """layer -> (returns, params), read back from the explorer's text table."""
    rows = [re.split(r"\s{2,}", line) for line in text.splitlines()[3:]]
    return {row[0]: tuple(row[1:]) for row in rows}


def test_shape_explorer_text_follows_the_sliders():
    widget = shape_explorer(batch_size=2, time_steps=3, features=4, units=5)
    text = repr(widget)
    assert text == widget._repr_mimebundle_()["text/plain"]  # full text, not cut at 110 characters
    assert text.startswith("Input (batch, time, features) = (2, 3, 4)")
    rows = table_rows(text)
    assert len(rows) == 12
    assert rows["LSTM(5)"] == ("(2, 5)", f"{4 * (5 * (4 + 5) + 5):,}")
    assert rows["Bidirectional(GRU(5, return_sequences=True))"] == ("(2, 3, 10)", f"{2 * (3 * 5 * 9 + 2 * 3 * 5):,}")
    assert repr(shape_explorer(batch_size=2, time_steps=3, features=4, units=5)) == text  # deterministic
    sliders = {child.description: child for child in widget.children if hasattr(child, "max")}
    sliders["batch size"].value = 9
    assert table_rows(repr(widget))["LSTM(5)"][0] == "(9, 5)"
    assert "(9, 5)" in widget.children[-1].value  # the HTML view was refreshed too
    widget.children[4].value = True  # return_state
    assert table_rows(repr(widget))["LSTM(5, return_state=True)"][0] == "(9, 5), (9, 5), (9, 5)"


def test_time_stepper_text_and_validation():
    gates = np.array([[0.1, 0.9], [0.25, 0.5], [0.75, 0.0]])
    widget = time_stepper({"forget gate": gates, "output gate": d2l.tensor(1 - gates)}, labels=["a", "b", "c"])
    lines = repr(widget).splitlines()
    assert lines[0] == "3 time steps x 2 units; series: forget gate, output gate"
    assert lines[2].split() == ["'b'", "forget", "gate", "[0.25", "0.50]", "output", "gate", "[0.75", "0.50]"]
    one_series = time_stepper([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    assert "'t=1'  values [3.00 4.00]" in repr(one_series)
    with pytest.raises(ValueError, match="labels must have 3 entries"):
        time_stepper(gates, labels=["a"])
    with pytest.raises(ValueError, match="same number of time steps"):
        time_stepper({"i": gates, "f": gates[:2]})


@pytest.mark.parametrize("mode, expected", [
    ("concat", [[1.0, 2.0, 3.0, 5.0]]),
    ("sum", [[4.0, 7.0]]),
    ("ave", [[2.0, 3.5]]),
    ("mul", [[3.0, 10.0]]),
    (None, [[1.0, 2.0], [3.0, 5.0]]),
])
def test_merge_outputs(mode, expected):
    merged = merge_outputs(np.array([1.0, 2.0]), np.array([3.0, 5.0]), mode)
    assert [m.tolist() for m in merged] == expected


def test_merge_mode_explorer_text():
    widget = merge_mode_explorer(forward=[1.0, 2.0], backward=[3.0, 5.0], batch_size=6, time_steps=9)
    text = repr(widget)
    assert "'ave'       (y_f + y_b) / 2         [2, 3.5]" in text
    assert text.splitlines()[-1].endswith("(6, 2), (6, 2)")  # merge_mode=None: two outputs
    widget.children[0].children[1].value = True  # return_sequences
    assert repr(widget).splitlines()[2].endswith("(6, 9, 4)")
    with pytest.raises(ValueError, match="same length"):
        merge_mode_explorer(forward=[1.0], backward=[1.0, 2.0])


def test_heatmap_draws_the_matrix_with_labels():
    matrix = np.arange(6.0).reshape(2, 3)
    ax = heatmap(d2l.tensor(matrix), xlabels=["a", "b", "c"], ylabels=["i", "f"], annotate=True, title="gates")
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.texts] == ["0.00", "1.00", "2.00", "3.00", "4.00", "5.00"]
    assert ax.get_title() == "gates"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="xlabels must have 3 entries"):
        heatmap(matrix, xlabels=["a"])
    with pytest.raises(ValueError, match="must be 2-D"):
        heatmap(np.zeros(3))


def test_gradient_norms_are_l2_norms_over_time():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(2, 3)) for _ in range(4)]
    ax = plot_gradient_norms({"from arrays": [d2l.tensor(g) for g in grads], "given": [1.0, 0.1, 0.01, 0.001]})
    first, second = ax.get_lines()
    np.testing.assert_allclose(first.get_ydata(), [np.sqrt((g ** 2).sum()) for g in grads], rtol=1e-6)
    np.testing.assert_array_equal(first.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(second.get_ydata(), [1.0, 0.1, 0.01, 0.001])
    assert ax.get_yscale() == "log"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one entry per time step"):
        plot_gradient_norms([])
