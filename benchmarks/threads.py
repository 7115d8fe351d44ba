"""What every benchmark does before NumPy loads: fix the BLAS thread count, find the checkout.

BLAS libraries read their thread variables once, when they load, so a script calls
``limit_threads`` after parsing its arguments and before importing NumPy or torch.
"""
from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(threads: int) -> None:
    """Set every BLAS/OpenMP thread variable to ``threads`` and put this checkout's d2lrnn first on the path."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
