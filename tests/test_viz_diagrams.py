"""The cell diagrams and draw_graph(values=True): well-formed, deterministic SVG labelled with the
code's names; the gradients written on the graph equal backward's and the NumPy derivative."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.viz import SVGDrawing, diagrams, draw_graph

SVG = "{http://www.w3.org/2000/svg}"


def texts(drawing):
    return [t.text for t in ET.fromstring(drawing.svg).iter(SVG + "text")]


@pytest.mark.parametrize("draw, names", [
    (diagrams.unrolled_rnn, ["H_0", "X_1", "H_3", "O_3", "W_xh", "W_hh", "W_hq, b_q"]),
    (diagrams.lstm_cell, ["I", "F", "O", "C_tilde", "F * C", "I * C_tilde", "tanh(C)", "C = F * C + I * C_tilde"]),
    (diagrams.gru_cell, ["Z", "R", "H_tilde", "1 - Z", "R * H  (then @ W_hh)", "H = Z * H + (1 - Z) * H_tilde"]),
    (diagrams.bidirectional_rnn, ["f_outputs[0]", "b_outputs[2]", "outputs[2]", "steps[1]"]),
])
def test_diagrams_are_deterministic_svg_with_the_code_names(draw, names):
    drawing = draw()
    assert isinstance(drawing, SVGDrawing) and drawing.svg == draw().svg
    labels = texts(drawing)
    for name in names:
        assert any(label is not None and (label == name or label.startswith(name)) for label in labels), name
    assert "0x" not in drawing.svg and repr(drawing).startswith("<diagram")


@pytest.mark.parametrize("draw", [diagrams.unrolled_rnn, diagrams.bidirectional_rnn])
@pytest.mark.parametrize("bad", [0, 7, 2.0, True])
def test_bad_num_steps_is_named(draw, bad):
    with pytest.raises(ValueError, match="num_steps: expected an int from 1 to 6"):
        draw(bad)


def test_more_steps_draw_more_boxes():
    assert sum(label == "W_xh" for label in texts(diagrams.unrolled_rnn(5))) == 5


def test_graph_values_show_backward_gradients():
    x = d2l.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    x.name = "x"
    W = d2l.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True, dtype=np.float64)
    W.name = "W"
    h = (x @ W).tanh()
    h.name = "h"
    y = (h * h).sum()
    y.backward(retain_graph=True)
    labels = texts(draw_graph(y, values=True))
    h_np = np.tanh(np.array([1.0, 2.0]) @ np.array([[0.5, -1.0], [2.0, 0.1]]))

    def numbers_after(title, prefix):
        index = next(i for i, label in enumerate(labels) if label == title)
        line = next(label for label in labels[index:] if label.startswith(prefix))
        return [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", line.split("...")[0])]

    assert numbers_after("x", "grad") == pytest.approx(x.grad, rel=2e-3)
    assert numbers_after("W", "grad") == pytest.approx(W.grad.reshape(-1)[:2], rel=2e-3)
    assert numbers_after("h = Tanh", "grad") == pytest.approx(2 * h_np, rel=2e-3)   # d sum(h^2) / dh
    assert numbers_after("h = Tanh", "value") == pytest.approx(h_np, rel=2e-3)
    assert numbers_after("Sum", "grad") == [1.0]


def test_graph_without_values_is_unchanged_and_freed_graph_is_refused():
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3.0).sum()
    plain = draw_graph(y)
    assert "value" not in plain.svg and "grad" not in plain.svg
    y.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        draw_graph(y, values=True)


def test_temperature_explorer_text_form_follows_the_slider():
    from d2lrnn.pretrained import time_machine_gru
    from d2lrnn.viz import temperature_explorer
    model, vocab = time_machine_gru()
    explorer = temperature_explorer(model, vocab, prefix="it has", num_preds=20, temperature=0.5, seed=3)
    text = repr(explorer)
    assert text.splitlines()[1].strip() == repr(model.predict("it has", 20, vocab, temperature=0.5, seed=3))
    assert text.splitlines()[3].strip() == repr(model.predict("it has", 20, vocab))
    slider = explorer.children[0]
    slider.value = 1.5
    assert repr(model.predict("it has", 20, vocab, temperature=1.5, seed=3)) in repr(explorer)
    assert repr(model.predict("it has", 20, vocab, temperature=1.5, seed=3)).strip("'") in explorer.children[1].value


def test_heatmap_colorbar_gets_its_label():
    import matplotlib
    matplotlib.use("Agg")
    from d2lrnn.viz import heatmap
    ax = heatmap(np.eye(3), colorbar="gate value")
    bars = [a for a in ax.figure.axes if a is not ax]
    assert len(bars) == 1 and bars[0].get_ylabel() == "gate value"
