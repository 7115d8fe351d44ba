"""FitProgress: deterministic epoch lines, Keras rounding, the live bar's protocol."""
import pytest

import d2lrnn as d2l
from d2lrnn.training import progress_bar
from d2lrnn.training.progress_bar import FitProgress, format_logs


def run_fit(progress, epochs, steps):
    with progress:
        for epoch in range(epochs):
            for step in range(steps):
                progress.on_batch_end(step, {"loss": 1.0})
            progress.on_epoch_end(epoch, {"loss": 1 / (epoch + 1), "accuracy": 0.25 * epoch})


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
def test_one_line_per_epoch_without_timings(verbose, capsys):
    run_fit(FitProgress(3, 5, verbose=verbose), 3, 5)
    assert capsys.readouterr().out == (
        "Epoch 1/3 - loss: 1.0000 - accuracy: 0.0000e+00\n"
        "Epoch 2/3 - loss: 0.5000 - accuracy: 0.2500\n"
        "Epoch 3/3 - loss: 0.3333 - accuracy: 0.5000\n"
    )


def test_verbose_0_prints_nothing(capsys):
    run_fit(FitProgress(2, 3, verbose=0), 2, 3)
    assert capsys.readouterr().out == ""


def test_resumed_training_counts_from_initial_epoch(capsys):
    progress = FitProgress(5, 2, verbose=2, initial_epoch=3)
    progress.on_epoch_end(3, {})
    assert capsys.readouterr().out == "Epoch 4/5\n"


@pytest.mark.parametrize("value, text", [
    (0.123456, "0.1235"), (12.0, "12.0000"), (0.001, "1.0000e-03"), (-0.5, "-0.5000"), (2.5e-7, "2.5000e-07"),
])
def test_metrics_are_rounded_like_keras(value, text):
    # Keras' Progbar: 4 decimals when |value| > 1e-3, else scientific notation.
    assert format_logs({"m": value}) == f" - m: {text}"


def test_logs_accept_tensors_and_reject_other_things():
    assert format_logs({"loss": d2l.tensor(0.25)}) == " - loss: 0.2500"
    assert format_logs(None) == format_logs({}) == ""
    with pytest.raises(TypeError, match="logs\\['loss'\\]: expected a number or a one-element tensor, got str"):
        format_logs({"loss": "low"})


def test_bad_arguments():
    with pytest.raises(ValueError, match="verbose: expected one of 0, 1, 2 or 'auto', got 3"):
        FitProgress(1, 1, verbose=3)
    with pytest.raises(ValueError, match="steps_per_epoch: expected an integer >= 1, got 0"):
        FitProgress(1, 0)
    with pytest.raises(ValueError, match="epochs: expected an integer >= 1, got 2.0"):
        FitProgress(2.0, 1)


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a kernel; record the widget that would be displayed."""
    shown = []
    monkeypatch.setattr(progress_bar, "notebook_shell", lambda: object())
    monkeypatch.setattr(progress_bar, "show_widget", lambda widget, text: shown.append((widget, text)))
    return shown


def test_in_jupyter_a_widget_bar_with_a_fixed_text_form(notebook, capsys):
    progress = FitProgress(2, 4)
    progress.update_interval = 0.0
    (container, text), = notebook
    assert text == "fit: 2 epochs of 4 steps"
    bar, info = container.children
    progress.on_epoch_begin(0)
    progress.on_batch_end(2, {"loss": 0.5})
    assert (bar.value, bar.max, bar.description) == (3, 4, "Epoch 1/2")
    assert info.value.startswith("3/4 - ") and info.value.endswith("s - loss: 0.5000")
    progress.on_epoch_end(0, {"loss": 0.5})
    progress.on_batch_end(0)  # the next epoch starts without on_epoch_begin
    assert (bar.value, bar.description) == (1, "Epoch 2/2")
    progress.on_epoch_end(1, {"loss": 0.25})
    progress.close()
    assert (bar.bar_style, bar.description) == ("success", "done")
    assert capsys.readouterr().out == "Epoch 1/2 - loss: 0.5000\nEpoch 2/2 - loss: 0.2500\n"


def test_bar_shows_early_stop_and_errors(notebook):
    progress = FitProgress(3, 1)
    progress.on_epoch_end(0)
    progress.close()
    assert notebook[0][0].children[0].bar_style == "warning"
    with pytest.raises(KeyboardInterrupt):
        with FitProgress(3, 1):
            raise KeyboardInterrupt
    assert notebook[1][0].children[0].bar_style == "danger"
