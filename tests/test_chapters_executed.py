"""Guards for the stored chapters, which strict nbval alone would let through.

nbval silently skips cells whose execution_count is null, so an unexecuted or stripped chapter
"passes". These tests fail when a chapter has an unexecuted code cell, an error output, a memory
address in an output (0x7f...: different on every run), or was not normalised by
``python chapters/build.py`` (widget state saved, kernelspec other than python3, execution
counts out of order).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

from d2lrnn.notebooks.build import WIDGET_VIEW, normalise  # noqa: E402
from d2lrnn.notebooks.environment import fixed_environment  # noqa: E402

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml", "application/json")
SKIP_TAG = "nbval-skip"


def output_texts(output: dict) -> list:
    """Every piece of text in one stored output that nbval compares."""
    if output.get("output_type") == "stream":
        values = [output.get("text", "")]
    else:
        values = [output.get("data", {}).get(mime) for mime in TEXT_TYPES]
    # Stored text is a string or a list of lines (JSON data is a dict: its repr will do).
    return ["".join(v) if isinstance(v, list) else str(v) for v in values if v is not None]


def notebook_problems(notebook: dict) -> list:
    """What is wrong with a stored notebook, one message per problem (empty: fine)."""
    problems = []
    if "widgets" in notebook.get("metadata", {}):
        problems.append("widget state is saved in the metadata")
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec is {kernel!r}, expected 'python3'")
    expected_count = 0
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code" or not "".join(cell.get("source", "")).strip():
            continue
        count = cell.get("execution_count")
        if count is None:
            if SKIP_TAG not in cell.get("metadata", {}).get("tags", []):
                problems.append(f"cell {index} was not executed")
            continue
        expected_count += 1
        if count != expected_count:
            problems.append(f"cell {index} has execution count {count}, expected {expected_count}")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index} stored an error: {output.get('ename')}: {output.get('evalue')}")
            for text in output_texts(output):
                match = ADDRESS.search(text)
                if match:
                    problems.append(f"cell {index} shows a memory address {match.group()}")
    return problems


def _notebook(*cells: dict, metadata: dict | None = None) -> dict:
    return {"metadata": {"kernelspec": {"name": "python3"}} if metadata is None else metadata,
            "cells": list(cells)}


def _code(source: str, count: int | None, outputs: list | None = None, tags: list | None = None) -> dict:
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": outputs or [],
            "metadata": {"tags": tags} if tags else {}}


def test_a_clean_notebook_has_no_problems():
    notebook = _notebook(
        {"cell_type": "markdown", "source": "# Title", "metadata": {}},
        _code("print(1)", 1, [{"output_type": "stream", "name": "stdout", "text": "1\n"}]),
        _code("", None),  # empty cells are never executed
        _code("slow()", None, tags=[SKIP_TAG]),
        _code("x", 2, [{"output_type": "execute_result", "data": {"text/plain": "0x1f"}, "metadata": {}}]),
    )
    assert notebook_problems(notebook) == []


@pytest.mark.parametrize("notebook, expected", [
    (_notebook(_code("print(1)", None)), "cell 0 was not executed"),
    (_notebook(_code("1/0", 1, [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                                 "traceback": []}])),
     "cell 0 stored an error: ZeroDivisionError: division by zero"),
    (_notebook(_code("object()", 1, [{"output_type": "execute_result", "metadata": {},
                                      "data": {"text/plain": "<object object at 0x7f3a2b1c9e40>"}}])),
     "cell 0 shows a memory address 0x7f3a2b1c9e40"),
    (_notebook(_code("print(f)", 1, [{"output_type": "stream", "name": "stdout",
                                      "text": ["<function f at ", "0x7f00deadbeef>\n"]}])),
     "cell 0 shows a memory address 0x7f00deadbeef"),
    (_notebook(_code("a", 1), _code("b", 3)), "cell 1 has execution count 3, expected 2"),
    (_notebook(_code("a", 1), metadata={"kernelspec": {"name": "conda-env-d2l-py"}}),
     "kernelspec is 'conda-env-d2l-py', expected 'python3'"),
    (_notebook(_code("a", 1), metadata={"kernelspec": {"name": "python3"}, "widgets": {}}),
     "widget state is saved in the metadata"),
])
def test_each_problem_is_reported(notebook, expected):
    assert notebook_problems(notebook) == [expected]


CHAPTER_PATHS = sorted(CHAPTERS.glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTER_PATHS, ids=[p.name for p in CHAPTER_PATHS])
def test_chapter_is_executed_and_deterministic(path):
    notebook = nbformat.read(path, as_version=4)
    problems = notebook_problems(notebook)
    assert not problems, (f"{path.name}: " + "; ".join(problems)
                          + f". Regenerate it with: python chapters/build.py {path.stem}")


def test_language_info_is_stored_as_jupyterlab_stores_it():
    """JupyterLab writes the kernel's language_info (with the Python version) into a notebook it
    opens: a chapter that lacks it opens marked modified and leaves a diff when saved."""
    for path in CHAPTER_PATHS:
        info = nbformat.read(path, as_version=4).metadata.get("language_info", {})
        assert info.get("name") == "python" and info.get("version") and info.get("codemirror_mode"), path.name


def load_build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("chapters_build", CHAPTERS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def executed_notebook(model_id: str):
    """What nbclient leaves behind: widget state, timing metadata, kernel counts, a random widget id."""
    view = {"version_major": 2, "version_minor": 0, "model_id": model_id}
    return nbformat.from_dict({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "conda-env-d2l-py"}, "widgets": {"state": {}},
                     "language_info": {"name": "python", "version": "3.11.7"}},
        "cells": [
            {"cell_type": "code", "id": "a", "source": "x = 1", "execution_count": 4, "outputs": [],
             "metadata": {"execution": {"iopub.execute_input": "2026-01-01T00:00:00Z"}}},
            {"cell_type": "code", "id": "b", "source": "slow()", "execution_count": None, "outputs": [],
             "metadata": {"tags": [SKIP_TAG]}},
            {"cell_type": "code", "id": "c", "source": "w", "execution_count": 9, "metadata": {}, "outputs": [
                {"output_type": "display_data", "metadata": {},
                 "data": {WIDGET_VIEW: view, "text/plain": "fit: 2 epochs of 3 steps"}},
                {"output_type": "execute_result", "execution_count": 9, "metadata": {}, "data": {"text/plain": "1"}},
                {"output_type": "stream", "name": "stdout", "text": "loss 0.5"},
                {"output_type": "stream", "name": "stdout", "text": "\n"},
                {"output_type": "stream", "name": "stderr", "text": "warning\n"},
                {"output_type": "stream", "name": "stdout", "text": "done\n"},
            ]},
        ],
    })


def test_build_normalisation_gives_what_the_guard_expects():
    notebook = executed_notebook(model_id="4f1c0e2a9b7d4a66b0c3f5e8d7a6b5c4")
    assert len(notebook_problems(notebook)) == 4  # widgets, kernelspec, counts 4 and 9
    normalise(notebook, "demo")
    assert notebook_problems(notebook) == []
    # kernelspec and language_info as JupyterLab stores them, so opening leaves no change
    assert notebook.metadata.kernelspec.name == "python3" and notebook.metadata.language_info.version == "3.11.7"
    first, _, last = notebook.cells
    assert first.metadata == {} and (first.execution_count, last.execution_count) == (1, 2)
    assert last.outputs[1].execution_count == 2
    # a print's text and newline flushed apart are stored as one piece, as a calm machine does
    assert [(o.name, o.text) for o in last.outputs[2:]] == [("stdout", "loss 0.5\n"), ("stderr", "warning\n"),
                                                           ("stdout", "done\n")]
    # Widget ids depend only on the notebook and the output's place: a rebuild changes nothing.
    rebuilt = executed_notebook(model_id="0b9e7c6d5a4f4e3d2c1b0a9f8e7d6c5b")
    normalise(rebuilt, "demo")
    assert rebuilt == notebook


def test_build_finds_chapters_by_name_and_refuses_unknown_names(tmp_path):
    build = load_build_script()
    notebook = tmp_path / "demo.ipynb"
    notebook.write_text("{}")
    assert build.find_notebooks([str(notebook)]) == [notebook.resolve()]
    with pytest.raises(SystemExit, match="no notebook named 'no-such-chapter'"):
        build.find_notebooks(["no-such-chapter"])


def test_fixed_environment_keeps_a_thread_count_only_when_asked(tmp_path):
    given = {"OPENBLAS_NUM_THREADS": "2", "PYTHONPATH": "elsewhere", "D2LRNN_DATA": "data"}
    built = fixed_environment(keep_thread_counts=False, environ=given)
    checked = fixed_environment(keep_thread_counts=True, environ=given)
    assert built["PYTHONHASHSEED"] == "0" and built["OPENBLAS_NUM_THREADS"] == built["OMP_NUM_THREADS"] == "1"
    assert checked["OPENBLAS_NUM_THREADS"] == "2" and checked["OMP_NUM_THREADS"] == "1"
    # this checkout first for the kernels, and the data folder made absolute here
    assert built["PYTHONPATH"].split(os.pathsep) == [str(CHAPTERS.parent), "elsewhere"]
    assert built["D2LRNN_DATA"] == os.path.abspath("data")
