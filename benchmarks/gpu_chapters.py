"""Run chapter notebooks top to bottom on the GPU (D2LRNN_DEVICE=gpu) and report each one.

The outputs are not compared with the stored CPU outputs (the numbers differ) and nothing is
written back: this only shows that every cell runs, and how long each chapter takes.

    python benchmarks/gpu_chapters.py chapters/0[1-5]*.ipynb
"""
from __future__ import annotations

import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _strip_colours(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def run(path: Path) -> str:
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
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", kernel_manager_class=ThisPythonKernelManager,
                            skip_cells_with_tag="nbval-skip", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except Exception as error:  # report the failing cell and go on with the other chapters
        text = _strip_colours(str(error))  # the failing cell's source comes first, the traceback last
        return f"{path.name}: FAILED after {time.perf_counter() - start:.1f} s\n{text[:2000]}\n[...]\n{text[-3000:]}"
    cells = sum(1 for c in notebook.cells if c.cell_type == "code" and c.execution_count is not None)
    return f"{path.name}: ok, {cells} code cells in {time.perf_counter() - start:.1f} s"


def main() -> None:
    os.environ["D2LRNN_DEVICE"] = "gpu"
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [Path(p).resolve() for p in sys.argv[1:]]
    with ThreadPoolExecutor(max_workers=len(paths) or 1) as pool:
        for report in pool.map(run, paths):
            print(report, flush=True)


if __name__ == "__main__":
    main()
