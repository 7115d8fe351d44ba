"""Regenerate notebooks in place with their outputs, and normalise what changes between runs.

Each notebook runs top to bottom in a fresh kernel of the Python running this code (so it sees
the same d2lrnn), in the fixed environment with one BLAS thread, seeded before its first cell.
Cells tagged ``nbval-skip`` are not run and are stored without outputs. Then the volatile parts
are normalised so that a rebuild of unchanged code changes nothing and opening the notebook in
JupyterLab does not mark it modified:

- the kernelspec is ``python3`` and ``language_info`` is what the kernel reports, as JupyterLab
  stores them;
- no saved widget state, no timing metadata, execution counts 1, 2, 3, ...;
- consecutive pieces of one stream joined (the kernel flushes a print's text and its newline
  apart or together depending on load);
- widget ids derived from the notebook's name and the output's place.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from .environment import SEED_PREAMBLE

SKIP_TAG = "nbval-skip"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def execute(path: Path, timeout: int = 600):
    """Run the notebook at ``path`` in a kernel of this Python; return the executed notebook.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell not tagged
    ``raises-exception`` raises.
    """
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

    class SeededClient(NotebookClient):
        async def async_start_new_kernel_client(self):
            client = await super().async_start_new_kernel_client()
            await self.async_wait_for_reply(client.execute(SEED_PREAMBLE, silent=True, store_history=False))
            return client

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if SKIP_TAG in cell.metadata.get("tags", []) and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    SeededClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=ThisPythonKernelManager,
        skip_cells_with_tag=SKIP_TAG,
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    ).execute()
    return notebook


def normalise(notebook, name: str) -> None:
    """Remove what changes from run to run without meaning anything (in place).

    ``name`` (the notebook's file stem) seeds the widget ids.
    """
    notebook.metadata.pop("widgets", None)  # widget state: random ids, unused by JupyterLab
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    count = 0
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if "id" not in cell:
            cell["id"] = f"cell-{index}"
        if cell.cell_type != "code" or cell.execution_count is None:
            continue
        count += 1
        cell.execution_count = count
        cell.outputs = join_streams(cell.outputs)
        for position, output in enumerate(cell.outputs):
            if output.output_type == "execute_result":
                output.execution_count = count
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                view["model_id"] = hashlib.md5(f"{name}:{index}:{position}".encode()).hexdigest()


def join_streams(outputs: list) -> list:
    """``outputs`` with each run of consecutive stream outputs of the same name made one."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (previous is not None and output.output_type == previous.output_type == "stream"
                and output.name == previous.name):
            previous.text += output.text
        else:
            joined.append(output)
    return joined


def build(paths: list, timeout: int = 600, log=print) -> list:
    """Run and normalise each notebook of ``paths`` in place; return the names that failed.

    A notebook whose run fails is left as it was; its error goes to ``log``.
    The caller sets the fixed environment first (``environment.apply()``).
    """
    import nbformat
    from nbclient.exceptions import CellExecutionError

    failed = []
    for path in map(Path, paths):
        start = time.perf_counter()
        try:
            notebook = execute(path, timeout)
        except CellExecutionError as error:
            log(f"{path.name}: FAILED\n{error}")
            failed.append(path.name)
            continue
        normalise(notebook, path.stem)
        nbformat.write(notebook, path)
        log(f"{path.name}: {time.perf_counter() - start:.1f} s")
    return failed
