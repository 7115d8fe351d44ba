"""Regenerate the chapter notebooks in place, with their outputs.

    python chapters/build.py                  # every chapters/*.ipynb
    python chapters/build.py 03_lstm 04_gru   # some chapters (names, file names or paths)

A thin use of ``d2lrnn.notebooks`` (the same as ``python -m d2lrnn.notebooks build chapters``):
each notebook runs in a fresh kernel of this Python, with this checkout first on PYTHONPATH, in
the fixed environment (one BLAS thread, PYTHONHASHSEED=0, SOURCE_DATE_EPOCH=0, the shipped
matplotlibrc, seeds), and volatile metadata is normalised. A notebook whose run fails is left
untouched and the command exits with status 1. Check the result with the README's test command
(chapters/conftest.py gives the nbval kernels the same environment and the tolerance markers).
"""
from __future__ import annotations

import sys
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parent
REPOSITORY = CHAPTERS.parent
sys.path.insert(0, str(REPOSITORY))  # this checkout's d2lrnn, whatever is installed

from d2lrnn.notebooks.cli import main as notebooks_main  # noqa: E402


def find_notebooks(names: list) -> list:
    """Paths of the notebooks to build: all chapters when ``names`` is empty."""
    if not names:
        return sorted(CHAPTERS.glob("*.ipynb"))
    paths = []
    for name in names:
        candidates = [Path(name), CHAPTERS / name, CHAPTERS / f"{name}.ipynb"]
        found = next((p for p in candidates if p.suffix == ".ipynb" and p.is_file()), None)
        if found is None:
            available = ", ".join(p.stem for p in sorted(CHAPTERS.glob("*.ipynb"))) or "none"
            raise SystemExit(f"build.py: no notebook named {name!r} (chapters: {available})")
        paths.append(found.resolve())
    return paths


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options = [a for a in argv if a.startswith("--")]  # e.g. --timeout=900
    names = [a for a in argv if not a.startswith("--")]
    return notebooks_main(["build", *map(str, find_notebooks(names)), *options])


if __name__ == "__main__":
    sys.exit(main())
