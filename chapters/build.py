"""Regenerate the chapter notebooks in place, with their outputs.

    python chapters/build.py                  # every chapters/*.ipynb
    python chapters/build.py lstm gru         # some chapters (names, file names or paths)

Each notebook runs top to bottom in a fresh kernel of the Python running this command (so it
sees the d2lrnn of this checkout) under a fixed environment: one BLAS/OpenMP thread,
PYTHONHASHSEED=0, SOURCE_DATE_EPOCH=0, matplotlib settings from chapters/matplotlibrc, and
D2LRNN_DATA pointing at ../shared/data when it is not set. Seeds are set inside the notebooks.
Then the volatile parts are normalised: kernelspec 'python3', no saved widget state, no
timing metadata, execution counts 1, 2, 3, ..., and widget ids derived from the cell's place.
A notebook whose run fails is left untouched and the command exits with status 1.

Cells tagged ``nbval-skip`` are not run here either, and are stored without outputs.
Check the result with
    python -m pytest tests chapters --nbval --nbval-current-env \\
        --nbval-sanitize-with chapters/nbval_sanitize.cfg -p no:cacheprovider
(chapters/conftest.py gives the nbval kernels the same environment).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parent
REPOSITORY = CHAPTERS.parent
SHARED_DATA = REPOSITORY.parent / "shared" / "data"
SKIP_TAG = "nbval-skip"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def kernel_environment() -> dict:
    """Environment variables that make a notebook's run repeatable (set before kernels start)."""
    environment = {
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "SOURCE_DATE_EPOCH": "0",  # dates inside SVG/PDF figures
        "MATPLOTLIBRC": str(CHAPTERS / "matplotlibrc"),  # also found as ./matplotlibrc by kernels in chapters/
        # This checkout first, whatever d2lrnn is installed.
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPOSITORY), os.environ.get("PYTHONPATH")) if p),
    }
    if "D2LRNN_DATA" not in os.environ and SHARED_DATA.is_dir():
        environment["D2LRNN_DATA"] = str(SHARED_DATA)
    return environment


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


def execute(path: Path, timeout: int):
    """Run the notebook at ``path`` in a kernel of this Python; return the executed notebook."""
    import nbformat
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class ThisPythonKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    class ThisPythonKernelManager(AsyncKernelManager):
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return ThisPythonKernelSpecs(data_dir=self.data_dir)

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if SKIP_TAG in cell.metadata.get("tags", []) and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=ThisPythonKernelManager,
        skip_cells_with_tag=SKIP_TAG,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def normalise(notebook, name: str) -> None:
    """Remove what changes from run to run without meaning anything (in place)."""
    notebook.metadata.pop("widgets", None)  # widget state: random ids, unused by JupyterLab
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata.get("language_info", {}).pop("version", None)
    count = 0
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if "id" not in cell:
            cell["id"] = f"cell-{index}"
        if cell.cell_type != "code" or cell.execution_count is None:
            continue
        count += 1
        cell.execution_count = count
        for position, output in enumerate(cell.outputs):
            if output.output_type == "execute_result":
                output.execution_count = count
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                view["model_id"] = hashlib.md5(f"{name}:{index}:{position}".encode()).hexdigest()


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="chapters to build (default: all chapters/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)
    import nbformat
    from nbclient.exceptions import CellExecutionError

    os.environ.update(kernel_environment())
    failed = []
    for path in find_notebooks(args.names):
        start = time.perf_counter()
        try:
            notebook = execute(path, args.timeout)
        except CellExecutionError as error:
            print(f"{path.name}: FAILED\n{error}", file=sys.stderr)
            failed.append(path.name)
            continue
        normalise(notebook, path.stem)
        nbformat.write(notebook, path)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        print(f"not rebuilt (left as they were): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
