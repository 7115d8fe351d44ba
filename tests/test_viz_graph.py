"""draw_graph: one box per operation and per leaf, deterministic SVG, clear errors."""
import base64
import re
import xml.etree.ElementTree as ElementTree

import pytest

import d2lrnn as d2l
from d2lrnn.viz import SVGDrawing, draw_graph

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg: str) -> dict:
    """class -> number of <rect> boxes of that class."""
    counts: dict = {}
    for rect in ElementTree.fromstring(svg).iter(f"{SVG}rect"):
        counts[rect.get("class")] = counts.get(rect.get("class"), 0) + 1
    return counts


def texts(svg: str) -> list:
    return [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def small_rnn_step():
    x = d2l.tensor([[1.0, 2.0]])  # data: no gradient
    x.name = "x"
    W = d2l.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], requires_grad=True)
    W.name = "W_xh"
    b = d2l.tensor([0.1, 0.2, 0.3], requires_grad=True)
    h = (x @ W + b).tanh()
    h.name = "h"
    return (h * 2.0).sum()


def test_one_box_per_operation_and_per_leaf():
    svg = draw_graph(small_rnn_step()).svg
    # Operations: MatMul, Add, Tanh, Mul, Sum. Leaves: W_xh and b (need grad), x (data), 2.0 (constant).
    assert boxes(svg) == {"op": 5, "param": 2, "tensor": 1, "constant": 1}
    assert len(re.findall(r'<path class="edge"', svg)) == 8  # 2 + 2 + 1 + 2 + 1 inputs


def test_labels_name_ops_leaves_and_shapes():
    labels = texts(draw_graph(small_rnn_step()).svg)
    for expected in ["MatMul", "Add", "h = Tanh", "Mul", "Sum", "W_xh", "x", "leaf 2", "2", "(1, 2)", "(2, 3)",
                     "(3,)", "(1, 3)", "()"]:
        assert expected in labels


def test_same_expression_gives_the_same_svg():
    first, second = draw_graph(small_rnn_step()), draw_graph(small_rnn_step())
    assert first.svg == second.svg
    assert "0x" not in first.svg and not re.search(r'\bid="(?!arrow")', first.svg)


def test_shared_leaf_is_one_box_and_columns_follow_generations():
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).exp() + x  # x feeds Mul twice and Add once
    svg = draw_graph(y.sum()).svg
    assert boxes(svg) == {"op": 4, "param": 1}
    root = ElementTree.fromstring(svg)
    lefts = {t.text: float(r.get("x")) for r, t in zip(root.iter(f"{SVG}rect"),
                                                       [t for t in root.iter(f"{SVG}text") if t.text[0] != "("])}
    assert lefts["leaf 0"] < lefts["Mul"] < lefts["Exp"] < lefts["Add"] < lefts["Sum"]


def test_every_output_of_a_split_is_shown():
    x = d2l.tensor([[1.0, 2.0, 3.0, 4.0]], requires_grad=True)
    a, b = d2l.split(x, 2, axis=1)
    labels = texts(draw_graph((a * b).sum()).svg)
    assert "(1, 2), (1, 2)" in labels


def test_drawing_shows_as_svg_and_summarises_as_text(tmp_path):
    drawing = draw_graph(small_rnn_step())
    assert isinstance(drawing, SVGDrawing)
    assert drawing.svg == str(drawing)
    html = drawing._repr_html_()
    encoded = re.fullmatch(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"/>', html)
    assert base64.b64decode(encoded.group(1)).decode() == drawing.svg
    assert encoded.group(2) == "&lt;autograd graph of a tensor of shape (): 5 operations, 4 leaves&gt;"
    assert repr(drawing) == "<autograd graph of a tensor of shape (): 5 operations, 4 leaves>"
    drawing.save(tmp_path / "graph.svg")
    assert (tmp_path / "graph.svg").read_text() == drawing.svg


def test_graph_freed_by_backward_is_reported():
    loss = small_rnn_step()
    loss.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        draw_graph(loss)


def test_graph_kept_with_retain_graph():
    loss = small_rnn_step()
    loss.backward(retain_graph=True)
    assert boxes(draw_graph(loss).svg)["op"] == 5


def test_bad_inputs():
    with pytest.raises(TypeError, match="must be a d2lrnn Tensor, got list"):
        draw_graph([1.0])
    with pytest.raises(ValueError, match="no recorded graph"):
        draw_graph(d2l.tensor([1.0]) * 2.0)
    x = d2l.tensor([1.0], requires_grad=True)
    for _ in range(20):
        x = x * 1.5
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        draw_graph(x, max_nodes=10)


def test_a_long_chain_draws_without_recursion():
    x = d2l.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(2000):
        y = y + 1.0
    assert boxes(draw_graph(y, max_nodes=5000).svg)["op"] == 2000
