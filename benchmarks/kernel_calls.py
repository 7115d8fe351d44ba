"""Array-module calls per time step of the fused kernels, forward and backward.

Each call into NumPy has a fixed cost of about a microsecond, which sets the floor of small
recurrent steps. This counts, through a counting stand-in for the array module that the
engine hands to every Function, the calls each time step makes (ufuncs, matmul, copyto...),
plus the in-place operators (``a += b``) executed in the kernel files. The count per step is
the difference between runs of 2T and T steps, divided by T, so the work outside the time
loop cancels out. Indexing (views) is not counted.

Usage:
    python benchmarks/kernel_calls.py                  # this checkout
    python benchmarks/kernel_calls.py --root /path     # another checkout's d2lrnn (e.g. an older commit)
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import types

import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                        help="folder holding the d2lrnn package to count (default: this checkout)")
    return parser.parse_args()


class CountingModule(types.ModuleType):
    """Forwards every attribute to NumPy and counts calls of its functions."""

    def __init__(self) -> None:
        super().__init__("counting_numpy")
        self.calls = 0

    def __getattr__(self, name: str):
        value = getattr(np, name)
        if isinstance(value, (np.ufunc, types.FunctionType, types.BuiltinFunctionType)) or \
                type(value).__name__ == "_ArrayFunctionDispatcher":
            def counted(*args, **kwargs):
                self.calls += 1
                return value(*args, **kwargs)
            return counted
        return value


def augmented_assignment_lines(folder: str) -> set:
    """(file, line) of every ``a op= b`` in the kernel files."""
    lines = set()
    for name in os.listdir(folder):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            for node in ast.walk(ast.parse(open(path).read())):
                if isinstance(node, ast.AugAssign):
                    lines.add((os.path.realpath(path), node.lineno))
    return lines


class InPlaceCounter:
    """A sys.settrace hook counting executed in-place operator lines of the kernel files."""

    def __init__(self, lines: set) -> None:
        self.lines, self.count = lines, 0
        self.files = {path for path, _ in lines}

    def __call__(self, frame, event, arg):
        if os.path.realpath(frame.f_code.co_filename) not in self.files:
            return None
        if event == "line" and (os.path.realpath(frame.f_code.co_filename), frame.f_lineno) in self.lines:
            self.count += 1
        return self


def count(model_factory, T: int, B: int, D: int, counter: CountingModule, lines: set, d2l) -> tuple[int, int]:
    """(forward, backward) calls of one training step over T steps."""
    d2l.seed(0)
    model = model_factory()
    x = d2l.tensor(np.random.default_rng(0).standard_normal((T, B, D)).astype(np.float32))
    in_place = InPlaceCounter(lines)
    counter.calls = 0
    sys.settrace(in_place)
    try:
        output = model(x)[0]
        forward = counter.calls + in_place.count
        counter.calls, in_place.count = 0, 0
        (output * output).sum().backward()
        backward = counter.calls + in_place.count
    finally:
        sys.settrace(None)
    return forward, backward


def main() -> None:
    args = parse_args()
    sys.path.insert(0, os.path.abspath(args.root))
    import d2lrnn as d2l
    from d2lrnn import nn
    from d2lrnn.autograd import function

    counter = CountingModule()
    function.numpy = counter  # the engine picks this module for every Function on the CPU
    lines = augmented_assignment_lines(os.path.join(os.path.dirname(d2l.__file__), "kernels"))
    D, H, B, T = 4, 8, 2, 20
    print(f"d2lrnn from {os.path.dirname(d2l.__file__)}")
    print(f"{'model':<16} {'forward':>8} {'backward':>9} {'total':>6}   (array-module calls per time step)")
    for name, cls, bidirectional in [("RNN", nn.RNN, False), ("LSTM", nn.LSTM, False), ("GRU", nn.GRU, False),
                                     ("BiRNN", nn.RNN, True), ("BiLSTM", nn.LSTM, True), ("BiGRU", nn.GRU, True)]:
        def factory():
            return cls(D, H, bidirectional=bidirectional)

        short = count(factory, T, B, D, counter, lines, d2l)
        long = count(factory, 2 * T, B, D, counter, lines, d2l)
        forward, backward = ((b - a) / T for a, b in zip(short, long))
        print(f"{name:<16} {forward:>8.1f} {backward:>9.1f} {forward + backward:>6.1f}")


if __name__ == "__main__":
    main()
