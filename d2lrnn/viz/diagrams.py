"""Diagrams of the recurrent cells, drawn as SVG by hand like the autograd graph (``graph.py``).

``unrolled_rnn()``, ``lstm_cell()``, ``gru_cell()`` and ``bidirectional_rnn()`` each return an
``SVGDrawing``: a notebook shows the picture, ``str()`` is the SVG text, ``repr()`` one line. Every
label is a variable name of the code (``RNNScratch``, ``LSTMScratch``, ``GRUScratch``,
``BiRNNScratch``), and under each picture stand the lines of code it draws, so the picture and the
code can be read side by side. Rectangles compute something (the gates with their activation);
circles are element-wise operations; arrows carry tensors.

The output is deterministic: same arguments, same SVG (strict nbval compares it).
"""
from __future__ import annotations

from html import escape

from .graph import CHAR_WIDTH, FONT_SIZE, LINE_HEIGHT, STYLES, SVGDrawing

GATE_STYLE = 'fill="#fde6c8" stroke="#b86e00"'  # sigmoid gates
NODE_STYLE = 'fill="#dbe9f6" stroke="#2f6ea5"'  # tanh: candidates, states
OP_STYLE = 'fill="#ffffff" stroke="#555555"'
INPUT_STYLE = STYLES["tensor"]


class _Canvas:
    """SVG pieces, added in drawing order (arrows first, so shapes cover their ends)."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.arrows: list = []
        self.shapes: list = []

    def box(self, cx: float, cy: float, lines: list, style: str = NODE_STYLE, width: float | None = None,
            height: float | None = None) -> None:
        width = width or max(len(line) for line in lines) * CHAR_WIDTH + 16
        height = height or len(lines) * LINE_HEIGHT + 10
        self.shapes.append(f'<rect x="{cx - width / 2:.1f}" y="{cy - height / 2:.1f}" width="{width:.1f}" '
                           f'height="{height:.1f}" rx="4" {style}/>')
        first = cy - (len(lines) - 1) * LINE_HEIGHT / 2 + FONT_SIZE / 3
        for k, line in enumerate(lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            self.text(cx, first + k * LINE_HEIGHT, line, extra=weight)

    def circle(self, cx: float, cy: float, symbol: str, radius: float = 13) -> None:
        self.shapes.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" {OP_STYLE}/>')
        self.text(cx, cy + FONT_SIZE / 3 + 1, symbol, extra=' font-weight="bold" font-size="15"')

    def arrow(self, points: list, label: str | None = None, at: int = 0, dx: float = 6, dy: float = -6,
              anchor: str = "start", head: bool = True) -> None:
        """A polyline through ``points`` ending in an arrowhead (unless not ``head``: a bus that feeds
        branches); ``label`` beside its segment ``at``."""
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
        marker = ' marker-end="url(#arrow)"' if head else ""
        self.arrows.append(f'<path d="{path}" fill="none" stroke="#555555" stroke-width="1.4"{marker}/>')
        if label:
            (x1, y1), (x2, y2) = points[at], points[at + 1]
            self.text((x1 + x2) / 2 + dx, (y1 + y2) / 2 + dy, label, anchor=anchor, extra=' fill="#333333"')

    def text(self, x: float, y: float, content: str, anchor: str = "middle", extra: str = "") -> None:
        self.shapes.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(content)}</text>')

    def code(self, top: float, lines: list, left: float = 20) -> None:
        """The lines of code the picture draws, in a grey panel under it."""
        height = len(lines) * LINE_HEIGHT + 12
        width = max(len(line) for line in lines) * CHAR_WIDTH + 20
        self.shapes.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="4" '
                           'fill="#f6f6f6" stroke="#cccccc"/>')
        for k, line in enumerate(lines):
            self.text(left + 10, top + 6 + FONT_SIZE + k * LINE_HEIGHT, line, anchor="start",
                      extra=' xml:space="preserve"')
        self.height = max(self.height, top + height + 10)
        self.width = max(self.width, left + width + 10)

    def drawing(self, summary: str) -> SVGDrawing:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" height="{self.height:.0f}" '
                f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" font-family="monospace" font-size="{FONT_SIZE}">\n'
                '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
                'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>\n'
                f'<rect x="0" y="0" width="{self.width:.0f}" height="{self.height:.0f}" fill="#ffffff"/>')
        return SVGDrawing("\n".join([head, *self.arrows, *self.shapes, "</svg>"]), summary)


def unrolled_rnn(num_steps: int = 3) -> SVGDrawing:
    """The RNN of ``RNNScratch`` and ``RNNLMScratch`` unrolled over ``num_steps`` (1 to 6) time steps.

    Inputs X_t at the bottom, hidden states H_t in the middle (one weight matrix W_hh carries
    each to the next), outputs O_t on top; the same parameters serve every step.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or not 1 <= num_steps <= 6:
        raise ValueError(f"num_steps: expected an int from 1 to 6, got {num_steps!r}")
    step_width, left = 190, 150
    canvas = _Canvas(left + step_width * num_steps, 330)
    canvas.box(60, 160, ["H_0", "state or zeros"], INPUT_STYLE)
    previous = 60 + 60
    for t in range(1, num_steps + 1):
        cx = left + step_width * (t - 1) + step_width / 2
        canvas.box(cx, 265, [f"X_{t}", f"inputs[{t - 1}]"], INPUT_STYLE)
        canvas.box(cx, 160, [f"H_{t}", "tanh"], NODE_STYLE, width=90)
        canvas.box(cx, 50, [f"O_{t}", "logits"], NODE_STYLE, width=90)
        canvas.arrow([(cx, 245), (cx, 181)], "W_xh")
        canvas.arrow([(cx, 139), (cx, 71)], "W_hq, b_q")
        canvas.arrow([(previous, 160), (cx - 45, 160)], "W_hh", dx=-20, dy=-8)
        previous = cx + 45
    canvas.code(300, [
        "for X in inputs:                              # RNNScratch.forward",
        "    H = tanh(X @ W_xh + H @ W_hh + b_h)",
        "    outputs.append(H)",
        "O = [H @ W_hq + b_q for H in outputs]         # RNNLMScratch.output_layer",
    ])
    return canvas.drawing(f"<diagram: an RNN unrolled over {num_steps} time steps>")


def lstm_cell() -> SVGDrawing:
    """One step of ``LSTMScratch``: three sigmoid gates I, F, O, the input node C_tilde, the cell C."""
    canvas = _Canvas(820, 370)
    y_cell, y_gate, y_bus, y_out = 60, 215, 305, 340
    gates = {"F": 200, "I": 330, "C_tilde": 460, "O": 590}
    canvas.arrow([(20, y_cell), (187, y_cell)], "C  (C_{t-1})", dx=-70, dy=-8)
    canvas.arrow([(213, y_cell), (417, y_cell)], "F * C", dx=-30, dy=-8)
    canvas.arrow([(443, y_cell), (800, y_cell)], "C  (C_t)", dx=100, dy=-8)
    canvas.circle(200, y_cell, "*")
    canvas.circle(430, y_cell, "+")
    canvas.circle(395, 135, "*")
    canvas.arrow([(395, 122), (425, 72)], "I * C_tilde", dx=-20, dy=6, anchor="end")
    canvas.arrow([(200, y_gate - 20), (200, y_cell + 13)], "F", dx=8, dy=10)
    canvas.arrow([(330, y_gate - 20), (385, 145)], "I", dx=-14, dy=0)
    canvas.arrow([(460, y_gate - 20), (405, 145)], "C_tilde", dx=10, dy=0)
    # the output side: tanh(C), times O
    canvas.arrow([(700, y_cell), (700, 112)])
    canvas.box(700, 130, ["tanh"], NODE_STYLE, width=60, height=28)
    canvas.arrow([(700, 144), (700, y_gate - 13)], "tanh(C)", dx=8, dy=0)
    canvas.circle(700, y_gate, "*")
    canvas.arrow([(590 + 45, y_gate), (687, y_gate)], "O", dx=-6, dy=-6)
    canvas.arrow([(700, y_gate + 13), (700, y_out), (800, y_out)], "H  (H_t)", at=1, dx=0, dy=-6)
    # inputs: H_{t-1} and X_t feed every gate
    canvas.arrow([(20, y_bus), (590, y_bus)], "H  (H_{t-1})", dx=-240, dy=-6, head=False)
    canvas.arrow([(100, 345), (100, y_bus + 2)], "X", dx=8, dy=10)
    for name, cx in gates.items():
        canvas.arrow([(cx, y_bus), (cx, y_gate + 20)])
    for name, cx in gates.items():
        activation = "tanh" if name == "C_tilde" else "sigmoid"
        canvas.box(cx, y_gate, [name, activation], NODE_STYLE if name == "C_tilde" else GATE_STYLE, width=90)
    canvas.code(370, [
        "I = sigmoid(X @ W_xi + H @ W_hi + b_i)        # input gate",
        "F = sigmoid(X @ W_xf + H @ W_hf + b_f)        # forget gate",
        "O = sigmoid(X @ W_xo + H @ W_ho + b_o)        # output gate",
        "C_tilde = tanh(X @ W_xc + H @ W_hc + b_c)     # input node",
        "C = F * C + I * C_tilde",
        "H = O * tanh(C)",
    ])
    return canvas.drawing("<diagram: one step of the LSTM cell>")


def gru_cell() -> SVGDrawing:
    """One step of ``GRUScratch``: update gate Z, reset gate R (before the product), candidate H_tilde."""
    canvas = _Canvas(820, 370)
    y_state, y_gate, y_bus = 60, 225, 310
    canvas.arrow([(20, y_state), (537, y_state)], "H  (H_{t-1})", dx=-230, dy=-8)
    canvas.circle(550, y_state, "*")
    canvas.arrow([(563, y_state), (667, y_state)], "Z * H", dx=-10, dy=-8)
    canvas.circle(680, y_state, "+")
    canvas.arrow([(693, y_state), (800, y_state)], "H  (H_t)", dx=-2, dy=-8)
    # reset gate: R * H goes into the candidate's recurrent product
    canvas.arrow([(280, y_state), (280, 132)])
    canvas.circle(280, 145, "*")
    canvas.arrow([(180, y_gate - 20), (268, 151)], "R", dx=-14, dy=0)
    canvas.arrow([(293, 145), (480, 145), (480, y_gate - 20)], "R * H  (then @ W_hh)", dx=-40, dy=-6)
    # update gate: Z keeps the old state, 1 - Z lets the candidate in
    canvas.arrow([(360, y_gate - 20), (360, 105), (545, 105), (548, y_state + 13)], "Z", at=1, dx=0, dy=-6)
    canvas.arrow([(545, 105), (610, 140)])
    canvas.circle(620, 150, "1-", radius=14)
    canvas.arrow([(620, 164), (620, y_gate - 13)], "1 - Z", dx=8, dy=0)
    canvas.circle(620, y_gate, "*")
    canvas.arrow([(480 + 50, y_gate), (607, y_gate)], "H_tilde", dx=-2, dy=-6, anchor="middle")
    canvas.arrow([(630, y_gate - 9), (675, y_state + 13)], "(1 - Z) * H_tilde", dx=6, dy=10)
    # inputs
    canvas.arrow([(20, y_bus), (480, y_bus)], "H  (H_{t-1})", dx=-190, dy=-6, head=False)
    canvas.arrow([(100, 350), (100, y_bus + 2)], "X", dx=8, dy=10)
    for cx in (180, 360, 480):
        canvas.arrow([(cx, y_bus), (cx, y_gate + 20)])
    canvas.box(180, y_gate, ["R", "sigmoid"], GATE_STYLE, width=90)
    canvas.box(360, y_gate, ["Z", "sigmoid"], GATE_STYLE, width=90)
    canvas.box(480, y_gate, ["H_tilde", "tanh"], NODE_STYLE, width=100)
    canvas.code(370, [
        "Z = sigmoid(X @ W_xz + H @ W_hz + b_z)              # update gate",
        "R = sigmoid(X @ W_xr + H @ W_hr + b_r)              # reset gate",
        "H_tilde = tanh(X @ W_xh + (R * H) @ W_hh + b_h)     # candidate: reset before the product",
        "H = Z * H + (1 - Z) * H_tilde",
    ])
    return canvas.drawing("<diagram: one step of the GRU cell>")


def bidirectional_rnn(num_steps: int = 3) -> SVGDrawing:
    """``BiRNNScratch`` over ``num_steps`` (1 to 6) steps: a forward and a backward RNN, joined per step."""
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or not 1 <= num_steps <= 6:
        raise ValueError(f"num_steps: expected an int from 1 to 6, got {num_steps!r}")
    step_width, left = 230, 130
    canvas = _Canvas(left + step_width * num_steps + 120, 380)
    y_out, y_f, y_b, y_x = 45, 135, 225, 320
    canvas.box(60, y_f, ["f_H", "zeros"], INPUT_STYLE)
    canvas.box(left + step_width * num_steps + 60, y_b, ["b_H", "zeros"], INPUT_STYLE)
    centres = [left + step_width * (t - 1) + step_width / 2 for t in range(1, num_steps + 1)]
    for t, cx in enumerate(centres, start=1):
        # X_t feeds both rows; the forward row's arrow goes round the backward box, on the left
        canvas.arrow([(cx - 15, y_x - 20), (cx - 15, y_x - 32), (cx - 75, y_x - 32), (cx - 75, y_f + 32),
                      (cx - 40, y_f + 20)])
        canvas.arrow([(cx + 15, y_x - 20), (cx + 15, y_b + 20)])
        # both halves feed the output H_t; the backward one goes round the forward box, on the right
        canvas.arrow([(cx - 30, y_f - 20), (cx - 20, y_out + 20)])
        canvas.arrow([(cx + 40, y_b - 20), (cx + 40, y_b - 32), (cx + 75, y_b - 32), (cx + 75, y_out + 32),
                      (cx + 30, y_out + 20)])
    for t in range(num_steps - 1):
        canvas.arrow([(centres[t] + 60, y_f), (centres[t + 1] - 60, y_f)], "W_hh (f)", dx=-28, dy=-8)
        canvas.arrow([(centres[t + 1] - 60, y_b), (centres[t] + 60, y_b)], "W_hh (b)", dx=-28, dy=-8)
    canvas.arrow([(95, y_f), (centres[0] - 60, y_f)])
    canvas.arrow([(left + step_width * num_steps + 25, y_b), (centres[-1] + 60, y_b)])
    for t, cx in enumerate(centres, start=1):
        canvas.box(cx, y_x, [f"X_{t}", f"steps[{t - 1}]"], INPUT_STYLE)
        canvas.box(cx, y_f, ["->H", f"f_outputs[{t - 1}]"], NODE_STYLE, width=120)
        canvas.box(cx, y_b, ["<-H", f"b_outputs[{num_steps - t}]"], NODE_STYLE, width=120)
        canvas.box(cx, y_out, [f"H_{t}", f"outputs[{t - 1}]"], STYLES["op"], width=120)
    canvas.code(355, [
        "f_outputs, f_H = self.f_rnn(steps, f_H)            # reads X_1 ... X_T",
        "b_outputs, b_H = self.b_rnn(steps[::-1], b_H)      # reads X_T ... X_1",
        "outputs = [concat((f, b), axis=-1) for f, b in zip(f_outputs, b_outputs[::-1])]",
    ])
    return canvas.drawing(f"<diagram: a bidirectional RNN over {num_steps} time steps>")


__all__ = ["unrolled_rnn", "lstm_cell", "gru_cell", "bidirectional_rnn"]
