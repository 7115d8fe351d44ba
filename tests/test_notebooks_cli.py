"""``d2lrnn-notebooks build`` then ``check`` on a course's folder, as the README's recipe runs them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbval")
pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent


def notebooks(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    environ.pop("OPENBLAS_NUM_THREADS", None)
    return subprocess.run([sys.executable, "-m", "d2lrnn.notebooks", *arguments], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=300)


def test_build_stores_seeded_outputs_and_check_passes_them(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    cell = nbformat.v4.new_code_cell(
        "import os, numpy as np\n"
        "print(np.random.rand(), os.environ['PYTHONHASHSEED'], os.environ['OPENBLAS_NUM_THREADS'])")
    cell.metadata["d2lrnn"] = {"rtol": 0.01}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / "intro.ipynb")

    built = notebooks("build", "notebooks", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    notebook = nbformat.read(folder / "intro.ipynb", as_version=4)
    np.random.seed(0)  # the fixed environment seeds NumPy with 0 before the first cell
    assert notebook.cells[0].outputs[0].text == f"{np.random.rand()} 0 1\n"
    assert notebook.metadata.kernelspec.name == "python3" and notebook.metadata.language_info.version

    checked = notebooks("check", "notebooks", "--", "-q", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-3000:]
    notebook.cells[0].outputs[0].text = "0.1 0 1\n"  # a float far from what the cell prints
    nbformat.write(notebook, folder / "intro.ipynb")
    checked = notebooks("check", "notebooks", "--", "-q", cwd=tmp_path)
    assert checked.returncode == 1 and "0.1 (stored) vs 0.54" in checked.stdout


def test_check_refuses_what_is_not_a_notebook(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    refused = notebooks("check", "notes.txt", cwd=tmp_path)
    assert refused.returncode != 0 and "'notes.txt' is neither a notebook (.ipynb) nor a folder" in refused.stderr
