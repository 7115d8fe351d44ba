"""Training-step speed of the fused recurrent kernels against PyTorch.

One measured step = forward over the whole sequence, loss = sum of squares of all outputs,
backward, and an SGD update of every parameter, in float32. Contenders, each against its
PyTorch counterpart:

    RNN, LSTM, GRU, BiLSTM   d2lrnn.nn modules (fused kernels)   vs  torch.nn.RNN/LSTM/GRU
    scratch LSTM             d2lrnn.scratch.LSTMScratch           vs  the same model in PyTorch
                             (one matmul per gate and input per step, like the book)

Configurations (batch, steps, inputs, hidden) on the CPU:

    (a) 1024, 32, 28, 32    (b) 32, 35, 28, 256    (c) 64, 100, 128, 256    (d) 8, 1000, 16, 64

and with ``--device gpu`` the same four plus (e) 64, 100, 128, 512, against cuDNN. Libraries
are measured in interleaved rounds so that a slow moment of the machine hits all alike; the
table shows the median time per step and the median of the per-round ratios d2lrnn / PyTorch
(below 1: d2lrnn is faster), next to the target ratio.

``--clock cpu`` times with the process's CPU time instead of the wall clock: steadier on a
machine shared with other work (both libraries run on one thread by default).

``--sweep`` times the fused LSTM against ``torch.nn.LSTM`` along three axes around a base
configuration (hidden size 32..1024, sequence length 10..2000, batch 1..512), measures this
machine's matmul peak (a 2048^3 float32 matmul in NumPy, at the same thread count), and
writes one figure to ``benchmarks/results/lstm_sweep.png``: per axis, the ratio d2lrnn /
PyTorch and our GFLOP/s as a fraction of that peak (the matmul work of a training step,
24 T B H (D + H) flops, over its time).

``--memory`` measures the peak resident memory of one training step of a 2,000-step LSTM
(batch 32, hidden 256) in a fresh subprocess for each library.

Usage:
    python benchmarks/rnn_speed.py [--threads 1] [--rounds 11] [--quick] [--configs abcd] [--clock wall]
    python benchmarks/rnn_speed.py --device gpu
    python benchmarks/rnn_speed.py --sweep [--rounds 3]
    python benchmarks/rnn_speed.py --memory
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Callable

from threads import limit_threads

CPU_CONFIGS = {"a": (1024, 32, 28, 32), "b": (32, 35, 28, 256), "c": (64, 100, 128, 256), "d": (8, 1000, 16, 64)}
GPU_CONFIGS = {**CPU_CONFIGS, "e": (64, 100, 128, 512)}
# Target ratios d2lrnn / PyTorch at one thread, per model and configuration.
FUSED_TARGETS = {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.3}
TARGETS = {
    "RNN": FUSED_TARGETS,
    "LSTM": FUSED_TARGETS,
    "GRU": FUSED_TARGETS,
    "BiLSTM": FUSED_TARGETS,
    "scratch LSTM": {"b": 1.0, "c": 1.0},
}
SCRATCH_CONFIGS = "bc"  # the per-gate scratch models are slow on long sequences; time them where targets are


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (default 11)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, a short check that everything runs")
    parser.add_argument("--configs", default="abcd", help="CPU configurations to run, e.g. 'bc' (default abcd)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall-clock time (default) or the process's CPU time (CPU only)")
    parser.add_argument("--sweep", action="store_true",
                        help="LSTM over hidden size, length and batch; writes benchmarks/results/lstm_sweep.png")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory of a 2,000-step LSTM training step, each library in a subprocess")
    parser.add_argument("--memory-child", choices=("d2lrnn", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads < 1 or args.rounds < 1:
        parser.error("--threads and --rounds must be at least 1")
    if set(args.configs) - set(CPU_CONFIGS):
        parser.error(f"--configs: choose among {''.join(CPU_CONFIGS)}, got {args.configs!r}")
    if args.quick:
        args.rounds = 3
    if args.device == "gpu" and args.clock == "cpu":
        parser.error("--clock cpu cannot time GPU work; use the wall clock")
    return args


ARGS = parse_args()
limit_threads(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)

import d2lrnn as d2l  # noqa: E402
from d2lrnn import nn  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    sys.exit("rnn_speed.py compares against PyTorch: install it with `pip install d2lrnn[bench]`.")

torch.set_num_threads(ARGS.threads)
CLOCK = time.process_time if ARGS.clock == "cpu" else time.perf_counter
LEARNING_RATE = 1e-7  # tiny, so that hundreds of timed steps never diverge: speed is measured, not learning


# --------------------------------------------------------------------------- d2lrnn
def d2lrnn_step(model: nn.Module, x: d2l.Tensor) -> Callable[[], None]:
    """A training step of a d2lrnn model returning ``outputs`` as a Tensor or a list of steps."""
    optimizer = nn.SGD(model.parameters(), lr=LEARNING_RATE)

    def step() -> None:
        outputs = model(x)[0]
        if isinstance(outputs, list):  # the scratch model returns one tensor per step
            outputs = d2l.stack(outputs, axis=0)
        loss = (outputs * outputs).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def d2lrnn_model(name: str, D: int, H: int, device: str) -> nn.Module:
    if name == "scratch LSTM":
        from d2lrnn.scratch import LSTMScratch

        return LSTMScratch(D, H)
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU, "BiLSTM": nn.LSTM}[name]
    return cls(D, H, bidirectional=name == "BiLSTM").to(device)


# -------------------------------------------------------------------------- PyTorch
class TorchScratchLSTM(torch.nn.Module):
    """The book's LSTMScratch in PyTorch: separate matmuls per gate and per step."""

    def __init__(self, D: int, H: int, sigma: float = 0.01) -> None:
        super().__init__()

        def triple() -> tuple:
            return (torch.nn.Parameter(torch.randn(D, H) * sigma), torch.nn.Parameter(torch.randn(H, H) * sigma),
                    torch.nn.Parameter(torch.zeros(H)))

        self.W_xi, self.W_hi, self.b_i = triple()
        self.W_xf, self.W_hf, self.b_f = triple()
        self.W_xo, self.W_ho, self.b_o = triple()
        self.W_xc, self.W_hc, self.b_c = triple()

    def forward(self, inputs: torch.Tensor) -> tuple:
        B, H = inputs.shape[1], self.W_hi.shape[0]
        h = torch.zeros(B, H, device=inputs.device)
        c = torch.zeros(B, H, device=inputs.device)
        outputs = []
        for x in inputs:
            i = torch.sigmoid(x @ self.W_xi + h @ self.W_hi + self.b_i)
            f = torch.sigmoid(x @ self.W_xf + h @ self.W_hf + self.b_f)
            o = torch.sigmoid(x @ self.W_xo + h @ self.W_ho + self.b_o)
            c_tilde = torch.tanh(x @ self.W_xc + h @ self.W_hc + self.b_c)
            c = f * c + i * c_tilde
            h = o * torch.tanh(c)
            outputs.append(h)
        return outputs, (h, c)


def torch_model(name: str, D: int, H: int, device: str) -> torch.nn.Module:
    if name == "scratch LSTM":
        return TorchScratchLSTM(D, H).to(device)
    cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "BiLSTM": torch.nn.LSTM}[name]
    return cls(D, H, bidirectional=name == "BiLSTM").to(device)


def torch_step(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step() -> None:
        outputs = model(x)[0]
        if isinstance(outputs, list):
            outputs = torch.stack(outputs)
        loss = (outputs * outputs).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


# --------------------------------------------------------------------------- timing
def synchronizer(device: str) -> Callable[[], None]:
    """Waits for queued GPU work (both libraries) so that a timing covers it; a no-op on the CPU."""
    if device == "cpu":
        return lambda: None

    def wait() -> None:
        d2l.backend.cupy.cuda.Device().synchronize()
        torch.cuda.synchronize()

    return wait


def seconds_per_step(step: Callable[[], None], repeats: int, wait: Callable[[], None]) -> float:
    wait()
    start = CLOCK()
    for _ in range(repeats):
        step()
    wait()
    return (CLOCK() - start) / repeats


def measure(pairs: dict, rounds: int, wait: Callable[[], None]) -> dict:
    """Interleaved rounds; returns name -> (median d2lrnn s, median torch s, median per-round ratio)."""
    repeats = {}
    for name, (ours, theirs) in pairs.items():  # warm up, and repeat short steps to ~0.1 s per timing
        ours(), theirs()
        once = seconds_per_step(theirs, 1, wait)
        repeats[name] = max(1, min(20, int(0.1 / max(once, 1e-6))))
    times: dict = {name: ([], []) for name in pairs}
    for _ in range(rounds):
        for name, (ours, theirs) in pairs.items():
            times[name][0].append(seconds_per_step(ours, repeats[name], wait))
            times[name][1].append(seconds_per_step(theirs, repeats[name], wait))
    return {name: (statistics.median(a), statistics.median(b), statistics.median(x / y for x, y in zip(a, b)))
            for name, (a, b) in times.items()}


def contenders(config_key: str, B: int, T: int, D: int, H: int, device: str) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    names = ["RNN", "LSTM", "GRU", "BiLSTM"]
    if device == "cpu" and config_key in SCRATCH_CONFIGS:
        names.append("scratch LSTM")
    torch_device = "cuda" if device == "gpu" else "cpu"
    pairs = {}
    d2l.seed(0)
    torch.manual_seed(0)
    for name in names:
        ours = d2lrnn_step(d2lrnn_model(name, D, H, device), d2l.tensor(x, device=device))
        theirs = torch_step(torch_model(name, D, H, torch_device), torch.from_numpy(x).to(torch_device))
        pairs[name] = (ours, theirs)
    return pairs


# --------------------------------------------------------------------------- sweep
SWEEP_BASE = {"batch": 32, "steps": 100, "inputs": 64, "hidden": 256}
SWEEP_AXES = {
    "hidden": [32, 64, 128, 256, 512, 1024],
    "steps": [10, 50, 200, 1000, 2000],
    "batch": [1, 8, 64, 512],
}
SWEEP_FIGURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "lstm_sweep.png")


def matmul_peak_gflops(size: int = 2048, repeats: int = 3) -> float:
    """This machine's float32 matmul speed in NumPy (best of a few size^3 products), GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * size ** 3 / best / 1e9


def _timed(fn: Callable[[], object]) -> float:
    start = CLOCK()
    fn()
    return CLOCK() - start


def training_flops(B: int, T: int, D: int, H: int) -> float:
    """Matmul flops of an LSTM training step: forward 2 T B 4H (D + H), backward twice that."""
    return 24.0 * T * B * H * (D + H)


def sweep() -> None:
    peak = matmul_peak_gflops()
    print(f"matmul peak (NumPy, float32, {ARGS.threads} thread(s)): {peak:.1f} GFLOP/s; {ARGS.rounds} rounds")
    print(f"{'axis':<7} {'value':>6} {'d2lrnn ms':>10} {'torch ms':>10} {'ratio':>6} {'GFLOP/s':>8} {'of peak':>8}")
    rows = []
    for axis, values in SWEEP_AXES.items():
        for value in values:
            config = {**SWEEP_BASE, axis: value}
            B, T, D, H = config["batch"], config["steps"], config["inputs"], config["hidden"]
            x = np.random.default_rng(0).standard_normal((T, B, D)).astype(np.float32)
            d2l.seed(0)
            torch.manual_seed(0)
            pair = (d2lrnn_step(nn.LSTM(D, H), d2l.tensor(x)), torch_step(torch.nn.LSTM(D, H), torch.from_numpy(x)))
            ours, theirs, ratio = measure({"LSTM": pair}, ARGS.rounds, lambda: None)["LSTM"]
            gflops = training_flops(B, T, D, H) / ours / 1e9
            rows.append((axis, value, ours, theirs, ratio, gflops / peak))
            print(f"{axis:<7} {value:>6} {ours * 1e3:>10.2f} {theirs * 1e3:>10.2f} {ratio:>6.2f} {gflops:>8.1f} "
                  f"{gflops / peak:>8.2f}", flush=True)
    plot_sweep(rows, peak)


def plot_sweep(rows: list, peak: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(SWEEP_AXES), figsize=(4.2 * len(SWEEP_AXES), 3.6), sharey=True)
    for ax, axis in zip(axes, SWEEP_AXES):
        points = [r for r in rows if r[0] == axis]
        values = [r[1] for r in points]
        ax.plot(values, [r[4] for r in points], "o-", color="C0", label="time ratio d2lrnn / PyTorch")
        ax.plot(values, [r[5] for r in points], "s--", color="C2", label="d2lrnn GFLOP/s / matmul peak")
        ax.axhline(1.0, color="gray", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xticks(values)
        ax.set_xticklabels([str(v) for v in values])
        ax.minorticks_off()
        others = ", ".join(f"{k} {v}" for k, v in SWEEP_BASE.items() if k != axis)
        ax.set_xlabel(f"{axis} ({others})")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("ratio")
    axes[0].legend(loc="upper left", fontsize=8)
    figure.suptitle(f"Fused LSTM training step vs torch.nn.LSTM, float32, {ARGS.threads} thread(s); "
                    f"matmul peak {peak:.0f} GFLOP/s", fontsize=10)
    figure.tight_layout()
    os.makedirs(os.path.dirname(SWEEP_FIGURE), exist_ok=True)
    figure.savefig(SWEEP_FIGURE, dpi=110)
    print(f"wrote {SWEEP_FIGURE}")


# -------------------------------------------------------------------------- memory
MEMORY_CONFIG = (32, 2000, 64, 256)  # batch, steps, inputs, hidden


def memory_child(library: str) -> None:
    """One LSTM training step of MEMORY_CONFIG; prints the peak resident memory of this process (MiB)."""
    import resource

    B, T, D, H = MEMORY_CONFIG
    x = np.random.default_rng(0).standard_normal((T, B, D)).astype(np.float32)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if library == "d2lrnn":
        d2lrnn_step(nn.LSTM(D, H), d2l.tensor(x))()
    else:
        torch_step(torch.nn.LSTM(D, H), torch.from_numpy(x))()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{before:.1f} {peak:.1f}")


def memory() -> None:
    """Peak RSS of the training step, each library in a fresh subprocess (both import both libraries)."""
    import subprocess

    B, T, D, H = MEMORY_CONFIG
    inputs_mib = T * B * D * 4 / 2 ** 20
    print(f"LSTM training step, batch {B}, {T} steps, {D} inputs, hidden {H}, float32 "
          f"(the inputs alone: {inputs_mib:.1f} MiB)")
    results = {}
    for library in ("d2lrnn", "torch"):
        output = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", library,
                                 "--threads", str(ARGS.threads)], check=True, capture_output=True, text=True).stdout
        before, peak = (float(v) for v in output.split())
        results[library] = (before, peak)
        print(f"{library:<7} peak RSS {peak:8.1f} MiB, after imports {before:8.1f} MiB, the step added "
              f"{peak - before:8.1f} MiB")
    added = [results[k][1] - results[k][0] for k in ("d2lrnn", "torch")]
    print(f"ratio d2lrnn / torch: peak {results['d2lrnn'][1] / results['torch'][1]:.2f}, "
          f"added by the step {added[0] / added[1]:.2f}")


def main() -> None:
    if ARGS.memory_child:
        memory_child(ARGS.memory_child)
        return
    if ARGS.memory:
        memory()
        return
    if ARGS.sweep:
        sweep()
        return
    if ARGS.device == "gpu":
        if not d2l.is_gpu_available() or not torch.cuda.is_available():
            sys.exit("--device gpu needs CuPy with a CUDA GPU and a CUDA build of PyTorch")
        torch.backends.cudnn.benchmark = True
        configs = {key: GPU_CONFIGS[key] for key in ARGS.configs + "e" if key in GPU_CONFIGS}
    else:
        configs = {key: CPU_CONFIGS[key] for key in ARGS.configs}
    print(f"device {ARGS.device}, {ARGS.threads} BLAS thread(s), {ARGS.rounds} rounds, {ARGS.clock} clock, "
          f"float32, numpy {np.__version__}, torch {torch.__version__}")
    print(f"{'config':<24} {'model':<13} {'d2lrnn ms':>10} {'torch ms':>10} {'ratio':>7} {'target':>7}")
    wait = synchronizer(ARGS.device)
    for key, (B, T, D, H) in configs.items():
        results = measure(contenders(key, B, T, D, H, ARGS.device), ARGS.rounds, wait)
        label = f"({key}) B{B} T{T} D{D} H{H}"
        for name, (ours, theirs, ratio) in results.items():
            target = TARGETS.get(name, {}).get(key)
            mark = "" if target is None else f"{target:.1f}" + (" ok" if ratio <= target else " MISS")
            print(f"{label:<24} {name:<13} {ours * 1e3:>10.2f} {theirs * 1e3:>10.2f} {ratio:>7.2f} {mark:>7}")
            label = ""


if __name__ == "__main__":
    main()
