"""The fixed environment notebooks are built and checked in.

Kernels inherit the environment of the process that starts them, so every variable here is set
in that process (``build``, ``check``, the pytest plugin's ``--d2lrnn-env``, chapters/conftest.py)
before the first kernel starts:

- ``PYTHONHASHSEED=0``: set and dict orders that depend on string hashes repeat;
- one BLAS/OpenMP thread (``OPENBLAS_NUM_THREADS`` and friends): sums are added in one order.
  ``build`` always uses one thread; ``check`` keeps a thread count you set yourself, so CI can
  prove that the stored outputs hold under two threads too;
- ``SOURCE_DATE_EPOCH=0``: no dates inside SVG or PDF figures;
- ``MATPLOTLIBRC``: the settings file shipped here (a ``matplotlibrc`` beside a notebook wins);
- ``PYTHONPATH`` starts with the folder this ``d2lrnn`` was imported from, when that is a checkout
  rather than an installed copy, so kernels run the same code as the command;
- ``D2LRNN_DATA``, the data cache, made absolute against the directory the command runs in
  (kernels run in the notebook's folder, where a relative path would point elsewhere).

Seeds: before the first cell, each kernel runs ``SEED_PREAMBLE`` silently (Python's and NumPy's
generators seeded with 0). Notebooks should still seed themselves in their first cell, so that
"Run All" in JupyterLab gives the stored outputs too.
"""
from __future__ import annotations

import os
import site
import sys
from pathlib import Path

PACKAGE_FOLDER = Path(__file__).resolve().parent
MATPLOTLIBRC = PACKAGE_FOLDER / "matplotlibrc"
SANITIZE_FILE = PACKAGE_FOLDER / "nbval_sanitize.cfg"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
DATA_VARIABLE = "D2LRNN_DATA"

#: Run silently in every kernel before the notebook's first cell (no output, no execution count).
SEED_PREAMBLE = (
    "import random as _random\n_random.seed(0)\n"
    "try:\n    import numpy as _numpy\n    _numpy.random.seed(0)\nexcept ImportError:\n    pass\n"
    "del _random\n"
)


def fixed_environment(keep_thread_counts: bool = False, environ: dict | None = None) -> dict:
    """The variables to set before kernels start (see the module docstring).

    Args:
        keep_thread_counts: keep thread counts already set in ``environ`` (``check``); otherwise
            every thread variable is "1" (``build``).
        environ: the environment to start from; default ``os.environ``.
    """
    environ = os.environ if environ is None else environ
    variables = {
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
        "MATPLOTLIBRC": str(MATPLOTLIBRC),
    }
    for name in THREAD_VARIABLES:
        variables[name] = environ[name] if keep_thread_counts and environ.get(name) else "1"
    checkout = _checkout_folder()
    if checkout is not None:
        rest = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != checkout]
        variables["PYTHONPATH"] = os.pathsep.join([checkout, *rest])
    if environ.get(DATA_VARIABLE):
        variables[DATA_VARIABLE] = os.path.abspath(os.path.expanduser(environ[DATA_VARIABLE]))
    return variables


def apply(keep_thread_counts: bool = False) -> dict:
    """Set ``fixed_environment`` in this process (kernels started afterwards inherit it); return it."""
    variables = fixed_environment(keep_thread_counts)
    os.environ.update(variables)
    return variables


def _checkout_folder() -> str | None:
    """The folder holding the imported ``d2lrnn`` package, unless it is an installed copy."""
    folder = str(PACKAGE_FOLDER.parent.parent)
    installed = set(site.getsitepackages()) | {site.getusersitepackages()} | {
        p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return None if folder in installed else folder
