"""``draw_graph``: a picture of the autograd graph behind a tensor, drawn as SVG by hand.

Boxes are the recorded operations (``Function`` nodes, labelled with the op name and the shape
of what they produced); rounded boxes are the leaves: tensors that require gradients (filled),
tensors that don't (grey) and plain constants (dashed). Data flows from left to right: every
box stands left of the operations that use it, and the output is the last box on the right
(``backward`` walks the same graph from right to left).

Draw the graph *before* calling ``backward()``: backward frees the graph (each Function forgets
its inputs) unless it is called with ``retain_graph=True``. With ``values=True`` every box also
shows its value and its gradient: the gradient of the output with respect to that box, as
``backward()`` computes it (for a leaf that is its ``.grad`` after one backward). Draw it after
``y.backward(retain_graph=True)`` to compare with the leaves' ``.grad``, or before backward.

The SVG contains no ids or addresses and lays nodes out in a fixed order, so the same expression
always gives the same output (strict nbval compares it character by character).
"""
from __future__ import annotations

import base64
from html import escape
from typing import Any

import numpy

from .. import backend
from ..autograd import Tensor
from ..autograd.function import unbroadcast

FONT_SIZE = 12
CHAR_WIDTH = 7.3  # width of one monospace character at FONT_SIZE
LINE_HEIGHT = 15
COLUMN_GAP = 50
ROW_GAP = 16
MARGIN = 10
STYLES = {
    "op": 'fill="#dbe9f6" stroke="#2f6ea5"',
    "param": 'fill="#fde6c8" stroke="#b86e00"',
    "tensor": 'fill="#eeeeee" stroke="#777777"',
    "constant": 'fill="#ffffff" stroke="#777777" stroke-dasharray="4 3"',
}


class SVGDrawing:
    """An SVG picture: drawn by Jupyter, summarised in one line as text.

    ``str(drawing)`` or ``drawing.svg`` is the SVG source; ``drawing.save(path)`` writes it.
    Notebooks get it as an HTML ``<img>`` holding the SVG rather than as ``image/svg+xml``:
    JupyterLab renders stored SVG outputs only in trusted notebooks, so a reopened chapter would
    show just the summary line; the image shows either way.
    """

    def __init__(self, svg: str, summary: str) -> None:
        self.svg = svg
        self.summary = summary

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{escape(self.summary)}"/>'

    def __str__(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return self.summary

    def save(self, path: str) -> None:
        """Write the SVG to ``path`` (open it in a browser)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)


class _Node:
    """One box of the picture: an operation or a leaf, with its place in the grid."""

    __slots__ = ("kind", "lines", "column", "row", "inputs", "tensors")

    def __init__(self, kind: str, lines: list) -> None:
        self.kind = kind  # 'op', 'param', 'tensor' or 'constant'
        self.lines = lines  # one or two lines of label
        self.column = 0
        self.row = 0
        self.inputs: list[_Node] = []
        self.tensors: list = []  # what the box stands for: a leaf, or the outputs of an op


def draw_graph(tensor: Tensor, max_nodes: int = 300, values: bool = False) -> SVGDrawing:
    """Draw the graph that computed ``tensor`` (before ``backward()``, or after ``backward(retain_graph=True)``).

    Operations are labelled with their name and output shape, leaves with their name (set
    ``t.name = 'W_xh'`` to give one) and shape. With ``values=True`` each box also shows its
    value and its gradient d tensor / d box (summed over ``tensor``'s elements when it is not a
    scalar), the numbers ``backward()`` passes along that edge; arrays are summarised by their
    first entries. Returns an ``SVGDrawing``, which a notebook shows as a picture; ``str()`` of it
    is the SVG text. Graphs with more than ``max_nodes`` boxes are refused: unrolled over many
    time steps they are too big to read.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph(): tensor must be a d2lrnn Tensor, got {type(tensor).__name__}")
    if tensor.creator is None:
        raise ValueError(
            "draw_graph(): this tensor has no recorded graph (it is a leaf). Graphs are recorded "
            "only when an input has requires_grad=True and no_grad() is not active."
        )
    nodes = _collect_nodes(tensor, max_nodes)
    if values:
        _add_values_and_gradients(tensor, nodes)
    _assign_columns_and_rows(nodes)
    svg = _to_svg(nodes)
    num_ops = sum(node.kind == "op" for node in nodes)
    summary = f"<autograd graph of a tensor of shape {tuple(tensor.shape)}: {num_ops} operations, " \
              f"{len(nodes) - num_ops} leaves>"
    return SVGDrawing(svg, summary)


def _collect_nodes(root: Tensor, max_nodes: int) -> list:
    """Walk from ``root`` to the leaves; return the nodes with inputs listed before their users."""
    op_nodes: dict = {}  # Function -> _Node (identity keys: never printed)
    leaf_nodes: dict = {}  # id of a leaf Tensor -> _Node
    produced: dict = {root.creator: {root.output_index: root}}  # Function -> {output index: Tensor}
    ordered: list = []
    # Iterative depth-first post-order: a node is emitted after all of its inputs.
    stack = [(root.creator, False)]
    while stack:
        fn, inputs_done = stack.pop()
        if fn in op_nodes:
            continue
        if fn.inputs is None:
            raise ValueError(
                f"draw_graph(): the graph was freed by backward() (at {fn.name}). Draw it before "
                "calling backward(), or call backward(retain_graph=True)."
            )
        if not inputs_done:
            stack.append((fn, True))
            for x in reversed(fn.inputs):
                if isinstance(x, Tensor) and x.creator is not None:
                    produced.setdefault(x.creator, {})[x.output_index] = x
                    if x.creator not in op_nodes:
                        stack.append((x.creator, False))
            continue
        node = _Node("op", [fn.name])
        node.tensors = [fn]
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.creator is not None:
                node.inputs.append(op_nodes[x.creator])
                continue
            leaf = leaf_nodes.get(id(x)) if isinstance(x, Tensor) else None
            if leaf is None:
                leaf = _leaf_node(x, len(leaf_nodes))
                leaf.tensors = [x]
                ordered.append(leaf)
                if isinstance(x, Tensor):
                    leaf_nodes[id(x)] = leaf
            node.inputs.append(leaf)
        op_nodes[fn] = node
        ordered.append(node)
        if len(ordered) > max_nodes:
            raise ValueError(
                f"draw_graph(): the graph has more than max_nodes={max_nodes} boxes. Draw a smaller "
                "expression (e.g. two time steps) or raise max_nodes."
            )
    # Labels last: only now are all the outputs of multi-output ops (split) known.
    for fn, node in op_nodes.items():
        outputs = [produced[fn][i] for i in sorted(produced[fn])]
        node.tensors = [fn, outputs]
        names = [t.name for t in outputs if t.name]
        if names:
            node.lines[0] = f"{', '.join(names)} = {fn.name}"
        node.lines.append(", ".join(str(tuple(t.shape)) for t in outputs))
    return ordered


def _leaf_node(x: Any, index: int) -> _Node:
    """A leaf box: a Tensor (named or numbered) or a constant such as ``2.0``."""
    if isinstance(x, Tensor):
        kind = "param" if x.requires_grad else "tensor"
        return _Node(kind, [x.name or f"leaf {index}", str(tuple(x.shape))])
    shape = getattr(x, "shape", ())
    text = f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else type(x).__name__
    return _Node("constant", [text if not shape else f"array {tuple(shape)}"])


def _add_values_and_gradients(root: Tensor, nodes: list) -> None:
    """Append 'value ...' and 'grad ...' lines to every box, walking the graph backwards.

    The walk is backward's own: users before their inputs (``nodes`` lists inputs first), each
    Function's ``backward`` turning the gradients of its outputs into those of its inputs. It
    stores every intermediate gradient, which ``backward()`` itself does not keep.
    """
    out_grads: dict = {}  # Function -> {output index: gradient array}
    leaf_grads: dict = {}  # id(leaf Tensor) -> gradient array
    xp = backend.get_array_module(root.data)
    out_grads[root.creator] = {root.output_index: xp.ones(root.shape, dtype=root.dtype)}
    for node in reversed(nodes):
        if node.kind != "op":
            continue
        fn, outputs = node.tensors
        received = out_grads.pop(fn, {})
        node.lines += _value_lines([t.data for t in outputs], [received.get(t.output_index) for t in outputs])
        if fn.out_meta is not None:  # a multi-output op: zeros for the outputs nothing used
            grads = [received[i] if i in received else fn.xp.zeros(shape, dtype)
                     for i, (shape, dtype) in enumerate(fn.out_meta)]
        else:
            grads = [received[0] if 0 in received else fn.xp.zeros(outputs[0].shape, outputs[0].dtype)]
        in_grads = fn.backward(*grads)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for x, g, needed in zip(fn.inputs, in_grads, fn.needs_input_grad):
            if not needed or g is None:
                continue
            g = unbroadcast(g, x.shape)
            if x.creator is not None:
                slot = out_grads.setdefault(x.creator, {})
                slot[x.output_index] = g if x.output_index not in slot else slot[x.output_index] + g
            else:
                leaf_grads[id(x)] = g if id(x) not in leaf_grads else leaf_grads[id(x)] + g
    for node in nodes:
        if node.kind in ("param", "tensor"):
            (x,) = node.tensors
            node.lines += _value_lines([x.data], [leaf_grads.get(id(x))])


def _value_lines(values: list, grads: list) -> list:
    """'value ...' and 'grad ...' lines for one box (one entry per output of a multi-output op)."""
    value_text = "; ".join(_summary(v) for v in values)
    lines = [f"value {value_text}"]
    if any(g is not None for g in grads):
        lines.append("grad " + "; ".join(_summary(g) if g is not None else "-" for g in grads))
    return lines


def _summary(array: Any) -> str:
    """A short, deterministic text for an array: all entries up to 3, else the first 2 and a count."""
    flat = numpy.asarray(backend.to_numpy(array), dtype=numpy.float64).reshape(-1)
    shown = ", ".join(f"{v:.3g}" for v in flat[:3 if flat.size <= 3 else 2])
    if flat.size == 1 and numpy.ndim(array) == 0:
        return shown
    return f"[{shown}]" if flat.size <= 3 else f"[{shown}, ... {flat.size} values]"


def _assign_columns_and_rows(nodes: list) -> None:
    """Lay the nodes out in a grid, the output in the last column.

    Each node sits one column left of its leftmost user ("as late as possible"): ``x @ W`` for
    the last time step then sits next to where it is used, not far left with the other matmuls.
    Then, from right to left, each column is ordered by the mean height of the nodes' users,
    which keeps edges from crossing where it can.
    """
    users: dict = {id(node): [] for node in nodes}
    for node in nodes:
        for source in node.inputs:
            users[id(source)].append(node)
    for node in reversed(nodes):  # users come after their inputs in ``nodes``
        if users[id(node)]:
            node.column = min(user.column for user in users[id(node)]) - 1
    by_column: dict = {}
    for order, node in enumerate(nodes):
        by_column.setdefault(node.column, []).append((order, node))
    height: dict = {}  # id(node) -> vertical position, centred on 0
    for column in sorted(by_column, reverse=True):
        entries = by_column[column]

        def mean_user_height(entry: tuple) -> tuple:
            order, node = entry
            placed = [height[id(user)] for user in users[id(node)]]
            return (sum(placed) / len(placed) if placed else 0.0, order)

        entries.sort(key=mean_user_height)
        for row, (_, node) in enumerate(entries):
            node.row = row
            height[id(node)] = row - (len(entries) - 1) / 2


def _to_svg(nodes: list) -> str:
    columns = sorted({node.column for node in nodes})
    column_index = {c: i for i, c in enumerate(columns)}
    widths = [0.0] * len(columns)
    heights = [0] * len(columns)
    for node in nodes:
        i = column_index[node.column]
        widths[i] = max(widths[i], _text_width(node))
        heights[i] = max(heights[i], node.row + 1)
    lefts = [MARGIN + sum(widths[:i]) + COLUMN_GAP * i for i in range(len(columns))]
    total_rows = max(heights)
    node_height = max(2, max(len(node.lines) for node in nodes)) * LINE_HEIGHT + 10
    height = 2 * MARGIN + total_rows * node_height + (total_rows - 1) * ROW_GAP
    width = lefts[-1] + widths[-1] + MARGIN

    boxes = {}
    for node in nodes:
        i = column_index[node.column]
        # Center each column vertically so short columns sit beside the middle of tall ones.
        offset = (total_rows - heights[i]) * (node_height + ROW_GAP) / 2
        top = MARGIN + offset + node.row * (node_height + ROW_GAP)
        boxes[id(node)] = (lefts[i], top, widths[i], node_height)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="{FONT_SIZE}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>',
    ]
    for node in nodes:  # edges first, so boxes are drawn over their ends
        x2, y2, _, h2 = boxes[id(node)]
        for source in node.inputs:
            x1, y1, w1, h1 = boxes[id(source)]
            start_x, start_y, end_y = x1 + w1, y1 + h1 / 2, y2 + h2 / 2
            middle = (start_x + x2) / 2
            parts.append(
                f'<path class="edge" d="M{start_x:.1f},{start_y:.1f} C{middle:.1f},{start_y:.1f} '
                f'{middle:.1f},{end_y:.1f} {x2:.1f},{end_y:.1f}" fill="none" stroke="#555555" '
                'marker-end="url(#arrow)"/>'
            )
    for node in nodes:
        x, y, w, h = boxes[id(node)]
        corner = 2 if node.kind == "op" else 10
        parts.append(f'<rect class="{node.kind}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                     f'rx="{corner}" {STYLES[node.kind]}/>')
        first_baseline = y + h / 2 - (len(node.lines) - 1) * LINE_HEIGHT / 2 + FONT_SIZE / 3
        for k, line in enumerate(node.lines):
            weight = ' font-weight="bold"' if k == 0 and node.kind == "op" else ""
            parts.append(f'<text x="{x + w / 2:.1f}" y="{first_baseline + k * LINE_HEIGHT:.1f}" '
                         f'text-anchor="middle"{weight}>{escape(line)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _text_width(node: _Node) -> float:
    return max(len(line) for line in node.lines) * CHAR_WIDTH + 16
