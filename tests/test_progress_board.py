"""ProgressBoard: the book's block averaging, drawing without stacked lines, the notebook protocol."""
import matplotlib

matplotlib.use("Agg")

import re

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import d2lrnn as d2l  # noqa: E402
from d2lrnn.training import progress_board  # noqa: E402
from d2lrnn.training.progress_board import Point, ProgressBoard  # noqa: E402


def test_block_averaging_matches_a_hand_computation():
    board = ProgressBoard(display=False)
    xs = np.arange(1, 11) / 10
    ys = np.array([5.0, 3.0, 4.0, 2.0, 6.0, 1.0, 0.5, 0.25, 8.0, 9.0])
    for x, y in zip(xs, ys):
        board.draw(x, y, "train_loss", every_n=3)
    # Three full blocks of three points; the 10th point waits for two more.
    expected = [(xs[i:i + 3].mean(), ys[i:i + 3].mean()) for i in (0, 3, 6)]
    np.testing.assert_allclose(board.data["train_loss"], expected)
    assert board.raw_points["train_loss"] == [Point(1.0, 9.0)]


def test_labels_are_averaged_independently_and_accept_tensors():
    board = ProgressBoard(display=False)
    for step in range(4):
        board.draw(step, d2l.tensor(float(step)), "train", every_n=2)
        board.draw(step, np.float32(10 * step), "val", every_n=1)
    assert board.data["train"] == [Point(0.5, 0.5), Point(2.5, 2.5)]
    assert board.data["val"] == [Point(s, 10.0 * s) for s in range(4)]


def test_render_updates_lines_instead_of_stacking_copies():
    board = ProgressBoard(xlabel="epoch", ylabel="loss", xlim=[0, 4], yscale="log", display=False)
    for step in range(1, 5):
        board.draw(step, 1.0 / step, "train_loss")
        board.draw(step, 2.0 / step, "val_loss")
        fig = board.render()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2  # the book's version would hold 8 lines by now
    train, val = ax.get_lines()
    np.testing.assert_allclose(train.get_ydata(), [1.0, 1 / 2, 1 / 3, 1 / 4])
    assert (train.get_linestyle(), train.get_color()) == ("-", "C0")
    assert (val.get_linestyle(), val.get_color()) == ("--", "C1")
    assert ax.get_xlim() == (0.0, 4.0) and ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train_loss", "val_loss"]
    assert repr(fig) == "<Figure size 350x250 with 1 Axes>"


def test_styles_cycle_and_missing_xlabel_stays_empty():
    board = ProgressBoard(ls=["-", ":"], colors=["k"], display=False)
    for label in "abc":
        board.draw(0, 1, label)
    lines = board.render().axes[0].get_lines()
    assert [line.get_linestyle() for line in lines] == ["-", ":", "-"]
    assert board.axes.get_xlabel() == ""


def test_draws_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    board = ProgressBoard(axes=axes[1], display=False)
    board.draw(1, 2, "loss")
    assert board.render() is fig and len(axes[1].get_lines()) == 1 and not axes[0].get_lines()


def test_bad_arguments():
    board = ProgressBoard(display=False)
    with pytest.raises(ValueError, match="every_n must be an integer >= 1, got 0"):
        board.draw(0, 1, "loss", every_n=0)
    with pytest.raises(TypeError, match="y must be a number or a one-element array or tensor, got ndarray"):
        board.draw(0, np.ones(3), "loss")
    with pytest.raises(TypeError, match="label must be a string"):
        board.draw(0, 1, 3)
    with pytest.raises(ValueError, match="colors: expected a non-empty list"):
        ProgressBoard(colors=[])


def test_outside_jupyter_the_board_prints_one_plain_line_per_epoch(capsys):
    board = ProgressBoard(xlabel="epoch", xlim=[0, 2])  # display=True, but no kernel here
    for x, loss in [(0.5, 4.0), (1.0, 3.0), (1.5, 2.0), (2.0, 1.0)]:
        board.draw(x, loss, "train_loss")
        if x == int(x):
            board.draw(x, loss + 0.5, "val_loss")
    board.finish()
    board.finish()
    lines = capsys.readouterr().out.splitlines()
    assert [re.sub(r"\(\d+\.\d sec\)$", "(T)", line) for line in lines] == [
        "epoch 1/2: train_loss 3.000, val_loss 3.500 (T)",
        "epoch 2/2: train_loss 1.000, val_loss 1.500 (T)"]
    assert board.fig is None and not any(c in "".join(lines) for c in "\r\x1b\b")


def test_outside_jupyter_display_false_prints_nothing(capsys):
    board = ProgressBoard(display=False)
    board.draw(1, 2, "loss")
    board.finish()
    assert board.fig is None and capsys.readouterr().out == ""


class FakeEvents:
    def __init__(self):
        self.callbacks = []

    def register(self, event, callback):
        self.callbacks.append((event, callback))

    def unregister(self, event, callback):
        self.callbacks.remove((event, callback))


class FakeShell:
    def __init__(self):
        self.events = FakeEvents()


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a kernel; record what would be displayed."""
    shell = FakeShell()
    shown = []
    monkeypatch.setattr(progress_board, "notebook_shell", lambda: shell)
    monkeypatch.setattr(progress_board, "show_widget", lambda widget, text: shown.append(("widget", widget, text)))
    monkeypatch.setattr(progress_board, "show_figure", lambda fig: shown.append(("figure", fig)))
    return shell, shown


def test_in_jupyter_frames_go_to_an_output_widget_then_one_figure(notebook, capsys):
    shell, shown = notebook
    board = ProgressBoard()
    for step in range(1, 5):
        board.draw(step, 1.0 / step, "train_loss", every_n=2)
        board.draw(step, 0.123456, "val_loss")
    (kind, output, text), = shown  # one widget for the whole run, shown with an empty text form
    assert (kind, text) == ("widget", "")
    assert output.outputs[0]["data"]["text/plain"] == "<Figure size 350x250 with 1 Axes>"
    assert output.outputs[0]["data"]["image/png"]  # a live frame, base64 PNG
    assert shell.events.callbacks == [("post_execute", board._finish_at_cell_end)]

    board.finish()
    assert output.outputs == ()
    assert shown[1] == ("figure", board.fig)
    # Last averaged values: train (3 + 4) / 2 points -> mean of 1/3 and 1/4; val 0.123456.
    assert capsys.readouterr().out == f"train_loss {(1 / 3 + 1 / 4) / 2:.3f}, val_loss 0.123\n"
    assert shell.events.callbacks == []
    board.finish()  # a second call does nothing
    assert len(shown) == 2


def test_cell_end_finishes_a_board_nobody_finished(notebook, capsys):
    shell, shown = notebook
    board = ProgressBoard()
    board.draw(1, 0.0004, "loss")
    (_, callback), = shell.events.callbacks
    callback()  # what IPython does after the cell
    assert [entry[0] for entry in shown] == ["widget", "figure"]
    assert capsys.readouterr().out == "loss 4.000e-04\n"


def test_display_false_shows_nothing_in_jupyter(notebook, capsys):
    shell, shown = notebook
    board = ProgressBoard(display=False)
    board.draw(1, 1, "loss")
    board.finish()
    assert shown == [] and shell.events.callbacks == [] and capsys.readouterr().out == ""


def test_the_title_is_drawn_above_the_plot():
    from d2lrnn.training import ProgressBoard as Board
    board = Board(title="RNNLMScratch(RNNScratch)", ylabel="ppl", display=False)
    board.draw(0.5, 3.0, "train_ppl")
    axes = board.render().axes[0]
    assert axes.get_title() == "RNNLMScratch(RNNScratch)" and axes.get_ylabel() == "ppl"
