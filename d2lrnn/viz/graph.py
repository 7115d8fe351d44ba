"""``draw_graph``: a picture of the autograd graph behind a tensor, drawn as SVG by hand.

Boxes are the recorded operations (``Function`` nodes, labelled with the op name and the shape
of what they produced); rounded boxes are the leaves: tensors that require gradients (filled),
tensors that don't (grey) and plain constants (dashed). Data flows from left to right: every
box stands left of the operations that use it, and the output is the last box on the right
(``backward`` walks the same graph from right to left).

Draw the graph *before* calling ``backward()``: backward frees the graph (each Function forgets
its inputs) unless it is called with ``retain_graph=True``.

The SVG contains no ids or addresses and lays nodes out in a fixed order, so the same expression
always gives the same output (strict nbval compares it character by character).
"""
from __future__ import annotations

import base64
from html import escape
from typing import Any

from ..autograd import Tensor

FONT_SIZE = 12
CHAR_WIDTH = 7.3  # width of one monospace character at FONT_SIZE
LINE_HEIGHT = 15
NODE_HEIGHT = 2 * LINE_HEIGHT + 10
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

    __slots__ = ("kind", "lines", "column", "row", "inputs")

    def __init__(self, kind: str, lines: list) -> None:
        self.kind = kind  # 'op', 'param', 'tensor' or 'constant'
        self.lines = lines  # one or two lines of label
        self.column = 0
        self.row = 0
        self.inputs: list[_Node] = []


def draw_graph(tensor: Tensor, max_nodes: int = 300) -> SVGDrawing:
    """Draw the graph that computed ``tensor`` (call it before ``backward()``).

    Operations are labelled with their name and output shape, leaves with their name (set
    ``t.name = 'W_xh'`` to give one) and shape. Returns an ``SVGDrawing``, which a notebook
    shows as a picture; ``str()`` of it is the SVG text. Graphs with more than ``max_nodes``
    boxes are refused: unrolled over many time steps they are too big to read.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph(): tensor must be a d2lrnn Tensor, got {type(tensor).__name__}")
    if tensor.creator is None:
        raise ValueError(
            "draw_graph(): this tensor has no recorded graph (it is a leaf). Graphs are recorded "
            "only when an input has requires_grad=True and no_grad() is not active."
        )
    nodes = _collect_nodes(tensor, max_nodes)
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
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.creator is not None:
                node.inputs.append(op_nodes[x.creator])
                continue
            leaf = leaf_nodes.get(id(x)) if isinstance(x, Tensor) else None
            if leaf is None:
                leaf = _leaf_node(x, len(leaf_nodes))
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
    height = 2 * MARGIN + total_rows * NODE_HEIGHT + (total_rows - 1) * ROW_GAP
    width = lefts[-1] + widths[-1] + MARGIN

    boxes = {}
    for node in nodes:
        i = column_index[node.column]
        # Center each column vertically so short columns sit beside the middle of tall ones.
        offset = (total_rows - heights[i]) * (NODE_HEIGHT + ROW_GAP) / 2
        top = MARGIN + offset + node.row * (NODE_HEIGHT + ROW_GAP)
        boxes[id(node)] = (lefts[i], top, widths[i], NODE_HEIGHT)

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
