"""How much one small operation costs, forward and backward: d2lrnn against PyTorch autograd.

Each measured step zeroes the gradients (sets them to None, PyTorch's default), runs one
operation on float32 tensors that require gradients and calls ``backward`` with a gradient
of ones, so the Python bookkeeping of the engine (recording the node, walking the graph,
accumulating into the leaves) is timed together with the array work:

    add     (32, 256) + (32, 256)
    mul     (32, 256) * (32, 256)
    tanh    tanh((32, 256))
    matmul  (32, 256) @ (256, 256)

The "numpy" column is the same array work written directly in NumPy (forward, backward
formulas and a fresh gradient array per leaf): the floor under any engine built on NumPy.
Libraries and ops are measured in interleaved rounds so that a slow moment of the machine
hits all of them alike; the table shows medians over rounds, and the ratio is the median of
the per-round ratios d2lrnn / PyTorch (below 1: d2lrnn is faster).

Usage:
    python benchmarks/op_overhead.py [--threads 1] [--rounds 15] [--steps 2000]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from typing import Any, Callable

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--steps", type=int, default=2000, help="forward+backward steps per round (default 2000)")
    args = parser.parse_args()
    for name in ("threads", "rounds", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    return args


ARGS = parse_args()
HAVE_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None
if not HAVE_THREADPOOLCTL:
    # BLAS libraries read these once, when NumPy (or torch) loads them.
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import d2lrnn as d2l  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

if HAVE_THREADPOOLCTL:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=ARGS.threads)
if torch is not None:
    torch.set_num_threads(ARGS.threads)

BATCH, WIDTH = 32, 256


def autograd_steps(a: Any, b: Any, w: Any, ones: Any) -> dict[str, Callable[[], None]]:
    """One forward+backward step per op; d2lrnn and PyTorch tensors share this interface."""

    def step(op: Callable[[], Any], *leaves: Any) -> Callable[[], None]:
        def run() -> None:
            for leaf in leaves:
                leaf.grad = None
            op().backward(ones)
        return run

    return {
        "add": step(lambda: a + b, a, b),
        "mul": step(lambda: a * b, a, b),
        "tanh": step(lambda: a.tanh(), a),
        "matmul": step(lambda: a @ w, a, w),
    }


def d2lrnn_steps() -> dict[str, Callable[[], None]]:
    """The steps on d2lrnn tensors."""
    rng = np.random.default_rng(0)
    a = d2l.tensor(rng.standard_normal((BATCH, WIDTH), dtype=np.float32), requires_grad=True)
    b = d2l.tensor(rng.standard_normal((BATCH, WIDTH), dtype=np.float32), requires_grad=True)
    w = d2l.tensor(rng.standard_normal((WIDTH, WIDTH), dtype=np.float32) / 16, requires_grad=True)
    return autograd_steps(a, b, w, np.ones((BATCH, WIDTH), dtype=np.float32))


def numpy_steps() -> dict[str, Callable[[], None]]:
    """The array work of each step in plain NumPy: forward, backward, one fresh gradient per leaf."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    b = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    w = rng.standard_normal((WIDTH, WIDTH), dtype=np.float32) / 16
    ones = np.ones((BATCH, WIDTH), dtype=np.float32)

    def add() -> None:
        a + b
        ones.copy(), ones.copy()

    def mul() -> None:
        a * b
        ones * b, ones * a

    def tanh() -> None:
        y = np.tanh(a)
        ones * (1 - y * y)

    def matmul() -> None:
        a @ w
        ones @ w.T, a.T @ ones

    return {"add": add, "mul": mul, "tanh": tanh, "matmul": matmul}


def torch_steps() -> dict[str, Callable[[], None]]:
    """The same steps with PyTorch autograd."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(BATCH, WIDTH, generator=generator, requires_grad=True)
    b = torch.randn(BATCH, WIDTH, generator=generator, requires_grad=True)
    w = (torch.randn(WIDTH, WIDTH, generator=generator) / 16).requires_grad_()
    return autograd_steps(a, b, w, torch.ones(BATCH, WIDTH))


def microseconds_per_step(run: Callable[[], None], steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        run()
    return (time.perf_counter() - start) / steps * 1e6


def main() -> None:
    libraries = {"d2lrnn": d2lrnn_steps(), "numpy": numpy_steps()}
    if torch is not None:
        libraries["torch"] = torch_steps()
    ops = list(libraries["d2lrnn"])
    times: dict[tuple[str, str], list[float]] = {(lib, op): [] for lib in libraries for op in ops}

    for steps in libraries.values():  # warm up caches, allocators and lazy imports
        for run in steps.values():
            microseconds_per_step(run, 200)
    for round_index in range(ARGS.rounds):
        order = list(libraries) if round_index % 2 == 0 else list(reversed(libraries))
        for op in ops:
            for lib in order:
                times[lib, op].append(microseconds_per_step(libraries[lib][op], ARGS.steps))

    blas = "threadpoolctl" if HAVE_THREADPOOLCTL else "environment variables"
    print(f"forward+backward, float32, {ARGS.threads} thread(s) (set via {blas}), "
          f"{ARGS.rounds} rounds x {ARGS.steps} steps, medians in microseconds")
    print(f"numpy {np.__version__}, d2lrnn {d2l.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}")
    header = f"{'op':<8}{'d2lrnn':>10}{'numpy':>10}{'torch':>10}{'d2lrnn/torch':>15}"
    print(header)
    print("-" * len(header))
    for op in ops:
        ours = statistics.median(times["d2lrnn", op])
        floor = statistics.median(times["numpy", op])
        if torch is not None:
            theirs = statistics.median(times["torch", op])
            ratio = statistics.median(o / t for o, t in zip(times["d2lrnn", op], times["torch", op]))
            print(f"{op:<8}{ours:>10.1f}{floor:>10.1f}{theirs:>10.1f}{ratio:>15.2f}")
        else:
            print(f"{op:<8}{ours:>10.1f}{floor:>10.1f}{'-':>10}{'-':>15}")


if __name__ == "__main__":
    main()
