"""Where a fused LSTM training step spends its time on a GPU, against its matmul floor.

For each configuration (batch, steps, inputs, hidden) this times, with
``cupyx.profiler.benchmark`` (GPU time from CUDA events, CPU time of the launching thread):

    step    forward + backward of ``kernels.lstm_sequence`` (the d2lrnn fused LSTM)
    floor   only the matrix products that step needs, in CuPy: the input projection, one
            recurrent product per step forward and one per step backward, dx and the two
            weight gradients
    launch  one tiny element-wise kernel launched 2 * steps times (the per-step launch cost)

so that ``step - floor`` is what the element-wise work and the launches cost.

    python benchmarks/gpu_profile.py
    python benchmarks/gpu_profile.py --cprofile c    # where the host time of one step goes
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import d2lrnn as d2l  # noqa: E402
from d2lrnn.kernels import lstm_sequence  # noqa: E402

CONFIGS = {"a": (1024, 32, 28, 32), "b": (32, 35, 28, 256), "c": (64, 100, 128, 256), "d": (8, 1000, 16, 64),
           "e": (64, 100, 128, 512)}


def lstm_step(B: int, T: int, D: int, H: int):
    """A closure running forward + backward of the fused LSTM on GPU data of this size."""
    rng = np.random.default_rng(0)
    tensors = [d2l.tensor(a.astype(np.float32), requires_grad=True, device="gpu") for a in (
        rng.standard_normal((T, B, D)), np.zeros((B, H)), np.zeros((B, H)),
        rng.standard_normal((D, 4 * H)) * 0.1, rng.standard_normal((H, 4 * H)) * 0.1, np.zeros(4 * H))]

    def step() -> None:
        y, h, c = lstm_sequence(*tensors)
        (y * y).sum().backward()

    return step


def host_profile(key: str) -> None:
    """cProfile of ten steps of configuration ``key``: the host-side cost of each call."""
    step = lstm_step(*CONFIGS[key])
    step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        step()
    d2l.backend.cupy.cuda.Device().synchronize()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    import cupy
    from cupyx.profiler import benchmark

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cprofile", choices=sorted(CONFIGS), help="profile the host side of one configuration")
    args = parser.parse_args()
    if args.cprofile:
        host_profile(args.cprofile)
        return

    print(f"{'config':<22} {'step ms':>9} {'floor ms':>9} {'launch ms':>10} {'step CPU ms':>12} {'step/floor':>11}")
    for key, (B, T, D, H) in CONFIGS.items():
        step = lstm_step(B, T, D, H)
        rng = np.random.default_rng(0)
        x = cupy.asarray(rng.standard_normal((T * B, D + 1)), dtype=cupy.float32)
        w_in = cupy.asarray(rng.standard_normal((D + 1, 4 * H)), dtype=cupy.float32)
        w_h = cupy.asarray(rng.standard_normal((H, 4 * H)), dtype=cupy.float32)
        h = cupy.zeros((B, H), dtype=cupy.float32)
        dz = cupy.zeros((B, 4 * H), dtype=cupy.float32)
        flat_dz = cupy.zeros((T * B, 4 * H), dtype=cupy.float32)
        hs = cupy.zeros((T * B, H), dtype=cupy.float32)

        def floor() -> None:
            x @ w_in
            for _ in range(T):
                h @ w_h
            for _ in range(T):
                dz @ w_h.T
            flat_dz @ w_in[:D].T
            x.T @ flat_dz
            hs.T @ flat_dz

        def launches() -> None:
            for _ in range(2 * T):
                h.__iadd__(1)

        repeat = 3 if T >= 1000 else 10
        timed = {name: benchmark(fn, n_repeat=repeat, n_warmup=2) for name, fn in
                 (("step", step), ("floor", floor), ("launch", launches))}
        gpu = {name: float(np.median(r.gpu_times[0])) * 1e3 for name, r in timed.items()}
        cpu_step = float(np.median(timed["step"].cpu_times)) * 1e3
        label = f"({key}) B{B} T{T} D{D} H{H}"
        print(f"{label:<22} {gpu['step']:>9.2f} {gpu['floor']:>9.2f} {gpu['launch']:>10.2f} {cpu_step:>12.2f} "
              f"{gpu['step'] / gpu['floor']:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
