"""A training chapter holds its tolerance markers, with room to spare, under other BLAS kernels.

OpenBLAS picks its kernels by CPU; ``OPENBLAS_CORETYPE`` forces another CPU's kernels (another
rounding order: Sandybridge has AVX but no FMA, Prescott only SSE3). The chapter is checked with
``--d2lrnn-margin 2``: every printed float must lie within half its declared tolerance.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbval")

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "chapters/08_bidirectional_wrapper.ipynb"  # short, and trains two Keras-style models
MATMUL_BITS = ("import numpy as np; r = np.random.default_rng(0); a = r.standard_normal((64, 300), dtype=np.float32); "
               "print((a @ a.T).tobytes().hex()[:4000])")


def run(code_or_args: list, coretype: str | None, timeout: int = 600) -> subprocess.CompletedProcess:
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    environ.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        environ["OPENBLAS_CORETYPE"] = coretype
    return subprocess.run([sys.executable, *code_or_args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("coretype", ["Sandybridge", "Prescott"])
def test_a_training_chapter_holds_its_tolerances_with_margin_under_another_blas_kernel(coretype):
    native = run(["-c", MATMUL_BITS], None).stdout
    if run(["-c", MATMUL_BITS], coretype).stdout == native:
        pytest.skip(f"OPENBLAS_CORETYPE={coretype} computes as this CPU's own kernels do (nothing to prove)")
    checked = run(["-m", "pytest", CHAPTER, "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                   "chapters/nbval_sanitize.cfg", "-p", "no:cacheprovider", "-p", "d2lrnn.notebooks.pytest_plugin",
                   "--d2lrnn-margin", "2", "-q", "--color=no"], coretype)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
