"""The tolerance markers: the text rule itself, then nbval with the plugin on tiny notebooks.

The notebook tests write synthetic notebooks whose stored outputs differ from what their cells
print, run ``pytest --nbval`` on them in a subprocess, and read each cell's outcome.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from d2lrnn.notebooks import environment
from d2lrnn.notebooks.tolerance import Tolerance, parse_marker, reconcile, tolerance_of

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbval")

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "d2lrnn.notebooks.pytest_plugin"


# ------------------------------------------------------------------------------- the rule on texts
@pytest.mark.parametrize("stored, now, tolerance, passes, beyond", [
    ("val_ppl 7.975", "val_ppl 7.976", Tolerance(rtol=0.05), True, 0),
    ("val_ppl 7.9", "val_ppl 9.1", Tolerance(rtol=0.05), False, 1),          # 1.2 > 0.395
    ("loss 0.50, acc 0.81", "loss 0.52, acc 0.80", Tolerance(rtol=0.05), True, 0),
    ("P = 0.06", "P = 0.02", Tolerance(atol=0.05), True, 0),
    ("P = 0.06", "P = 0.02", Tolerance(rtol=0.5), False, 1),                 # 0.04 > 0.03
    ("-0.000", "0.000", Tolerance(atol=0.001), True, 0),
    ("1.5e-03", "1.6e-03", Tolerance(rtol=0.1), True, 0),
    ("10 epochs", "11 epochs", Tolerance(rtol=0.5), False, 0),               # integers are exact
    ("shape (32, 10)", "shape (32, 11)", Tolerance(rtol=0.5), False, 0),
    ("conv1d 0.5", "conv2d 0.5", Tolerance(rtol=0.5), False, 0),             # digits inside words are text
    ("val_ppl 7.975", "val ppl 7.975", Tolerance(rtol=0.5), False, 0),       # words are exact
    ("loss 0.5", "loss 0.5 0.6", Tolerance(rtol=0.5), False, 0),             # one number more
])
def test_floats_within_tolerance_are_rewritten_as_stored(stored, now, tolerance, passes, beyond):
    text, differences, _ = reconcile(stored, now, tolerance)
    assert (text == stored) is passes
    assert len(differences) == beyond


def test_a_difference_names_both_numbers_and_the_tolerance():
    _, (difference,), worst = reconcile("val_ppl 7.9", "val_ppl 9.1", Tolerance(rtol=0.05))
    message = str(difference)
    assert "7.9 (stored)" in message and "9.1 (now)" in message and "rtol=0.05" in message
    assert worst == pytest.approx(1.2 / (0.05 * 7.9))


def test_worst_ratio_measures_the_margin():
    _, differences, worst = reconcile("a 1.00 b 2.00", "a 1.01 b 2.00", Tolerance(rtol=0.1))
    assert differences == [] and worst == pytest.approx(0.01 / 0.1)


def test_markers_come_from_the_cell_then_the_notebook():
    assert tolerance_of({}, {}) is None
    assert tolerance_of({"d2lrnn": {"rtol": 0.05}}) == Tolerance(rtol=0.05)
    assert tolerance_of({}, {"d2lrnn": {"atol": 0.01}}) == Tolerance(atol=0.01)
    assert tolerance_of({"d2lrnn": {"rtol": 0}}, {"d2lrnn": {"atol": 0.01}}) == Tolerance()


@pytest.mark.parametrize("marker, message", [
    ({"rtl": 0.05}, "unknown keys ['rtl']"),
    ({"rtol": -1}, "rtol must be a finite number >= 0, got -1"),
    ({"atol": "0.1"}, "atol must be a finite number >= 0, got '0.1'"),
    ({"rtol": float("nan")}, "rtol must be a finite number >= 0, got nan"),
    (0.05, "expected a mapping"),
])
def test_bad_markers_are_refused_by_name(marker, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_marker(marker, "cell metadata 'd2lrnn'")


# --------------------------------------------------------------------------- nbval with the plugin
def code_cell(source: str, stored_stdout: str | None = None, marker: dict | None = None, result: str | None = None):
    outputs = []
    if stored_stdout is not None:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=stored_stdout))
    if result is not None:
        outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": result}, execution_count=1))
    cell = nbformat.v4.new_code_cell(source, outputs=outputs, execution_count=1)
    if marker is not None:
        cell.metadata["d2lrnn"] = marker
    return cell


MARKED = {"rtol": 0.05}
# (name, cell, expected outcome with the markers); every cell prints something else than stored.
CASES = [
    ("within", code_cell('print("val_ppl 7.976")', "val_ppl 7.975\n", MARKED), "passed"),
    ("beyond", code_cell('print("val_ppl 9.1")', "val_ppl 7.9\n", MARKED), "failed"),
    ("word", code_cell('print("val ppl 7.975")', "val_ppl 7.975\n", MARKED), "failed"),
    ("integer", code_cell('print("10 epochs, loss 0.50")', "11 epochs, loss 0.50\n", {"rtol": 0.5}), "failed"),
    ("result", code_cell("1 / 3", None, {"atol": 0.001}, result="0.3333"), "passed"),
    ("timed", code_cell('print("took 12.3 sec, loss 0.51")', "took 1.0 sec, loss 0.50\n", MARKED), "passed"),
    ("unmarked", code_cell('print("loss 0.501")', "loss 0.500\n"), "failed"),
    ("same", code_cell('print("loss 0.500")', "loss 0.500\n"), "passed"),
]


def write_notebook(path: Path, cells: list, metadata: dict | None = None) -> Path:
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata or {})
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def run_nbval(folder: Path, *arguments: str) -> tuple[dict, str]:
    """Outcome of each cell ("nb.ipynb::Cell 3" -> "passed"/"failed"/"skipped") and pytest's output."""
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    report = folder / "report.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *arguments, "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "--nbval-sanitize-with", str(environment.SANITIZE_FILE), "--color=no", "-rs", "--rootdir", str(folder),
         f"--junitxml={report}"],
        cwd=folder, env=environ, capture_output=True, text=True, timeout=300)
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        status = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = {"failure": "failed", "error": "failed",
                                                                    "skipped": "skipped"}.get(status, status)
    report.unlink()
    return outcomes, re.sub(r"\x1b\[[0-9;]*m", "", completed.stdout + completed.stderr)  # no colours


def expected(outcomes_by_case: list, notebook: str) -> dict:
    return {f"{notebook}::Cell {i}": outcome for i, outcome in enumerate(outcomes_by_case)}


@pytest.fixture(scope="module")
def marked_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("marked")
    write_notebook(folder / "marked.ipynb", [cell for _, cell, _ in CASES])
    write_notebook(folder / "stops.ipynb", [
        code_cell("from d2lrnn.data import DownloadError\nraise DownloadError('no network and no copy')"),
        code_cell("print(corpus)", "corpus\n"),
        code_cell("print(len(corpus))", "3\n"),
    ])
    write_notebook(folder / "plain.ipynb", [without_markers(cell) for _, cell, _ in CASES])
    return run_nbval(folder, "marked.ipynb", "stops.ipynb", "plain.ipynb", "-p", PLUGIN)


def test_within_tolerance_passes_and_real_changes_fail(marked_run):
    outcomes, output = marked_run
    assert {k: v for k, v in outcomes.items() if k.startswith("marked")} == \
        expected([outcome for _, _, outcome in CASES], "marked.ipynb"), output


def test_beyond_tolerance_shows_both_numbers_and_the_tolerance(marked_run):
    _, output = marked_run
    assert "7.9 (stored) vs 9.1 (now): difference 1.2 > allowed 0.395 (rtol=0.05, atol=0)" in output


def test_a_missing_data_set_stops_its_notebook_with_one_clear_failure(marked_run):
    outcomes, output = marked_run
    assert {k: v for k, v in outcomes.items() if k.startswith("stops")} == \
        expected(["failed", "skipped", "skipped"], "stops.ipynb"), output
    assert "DownloadError: no network and no copy" in output and "NameError" not in output
    assert "cell 0 could not load its data (DownloadError" in output


def without_markers(cell):
    cell = nbformat.from_dict(cell)
    cell.metadata.pop("d2lrnn", None)
    return cell


def failure_texts(output: str, notebook: str) -> dict:
    """The failure sections of pytest's report for ``notebook``, by heading."""
    parts = re.split(r"^(_{5,} .* _{5,})$", output, flags=re.MULTILINE)
    return {heading: re.sub(r"^-+ generated xml file.*$", "", text.split("=====")[0], flags=re.MULTILINE)
            for heading, text in zip(parts[1::2], parts[2::2]) if notebook in heading}


def test_a_notebook_without_markers_behaves_exactly_as_strict_nbval(marked_run, tmp_path):
    with_plugin, with_output = marked_run
    write_notebook(tmp_path / "plain.ipynb", [without_markers(cell) for _, cell, _ in CASES])
    without_plugin, without_output = run_nbval(tmp_path, "plain.ipynb", "-p", f"no:{PLUGIN}")
    plain = expected(["failed", "failed", "failed", "failed", "failed", "failed", "failed", "passed"], "plain.ipynb")
    assert {k: v for k, v in with_plugin.items() if k.startswith("plain")} == without_plugin == plain
    sections = failure_texts(with_output, "plain.ipynb")
    assert len(sections) == 7 and sections == failure_texts(without_output, "plain.ipynb")


def test_strict_option_ignores_markers_and_margin_narrows_them(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", [
        code_cell('print("val_ppl 7.976")', "val_ppl 7.975\n", MARKED),     # 0.001 of 0.399 allowed
        code_cell('print("val_ppl 8.2")', "val_ppl 7.975\n", MARKED),       # 0.225 of 0.399 allowed
    ], metadata={"d2lrnn": {"rtol": 1.0}})
    strict, _ = run_nbval(tmp_path, "nb.ipynb", "-p", PLUGIN, "--d2lrnn-strict")
    assert strict == expected(["failed", "failed"], "nb.ipynb")
    narrowed, output = run_nbval(tmp_path, "nb.ipynb", "-p", PLUGIN, "--d2lrnn-margin", "2")
    assert narrowed == expected(["passed", "failed"], "nb.ipynb"), output
    assert "allowed 0.199 (rtol=0.025, atol=0)" in output
