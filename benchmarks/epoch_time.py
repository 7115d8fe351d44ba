"""Seconds per training epoch of the book's language models on The Time Machine, per device.

The first epoch is a warm-up (on a GPU it compiles CuPy's kernels); the next ``--epochs``
epochs are timed one by one and the median is printed, with the CPU and GPU side by side
when both are asked for:

    python benchmarks/epoch_time.py --models gru --devices cpu,gpu
    python benchmarks/epoch_time.py --models rnn,gru --devices cpu --epochs 5

Settings are the book's (benchmarks/time_machine.py): batch 1024, 32 steps, 32 hidden units,
gradient clipping at 1.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import d2lrnn as d2l  # noqa: E402
from d2lrnn.data import TimeMachine  # noqa: E402
from d2lrnn.training import Trainer  # noqa: E402
from time_machine import SETTINGS  # noqa: E402


def epoch_seconds(name: str, device: str, epochs: int) -> list[float]:
    """Per-epoch wall-clock seconds of model ``name`` on ``device``, after one warm-up epoch."""
    d2l.set_default_device(device)
    d2l.seed(0)
    data = TimeMachine(batch_size=1024, num_steps=32)
    model = SETTINGS[name].build(len(data.vocab))
    model.board.display = False
    trainer = Trainer(max_epochs=1, gradient_clip_val=1)
    trainer.fit(model, data)  # warm-up, and attaches model and data to the trainer
    synchronize = d2l.backend.cupy.cuda.Device().synchronize if device == "gpu" else (lambda: None)
    seconds = []
    for _ in range(epochs):
        synchronize()
        start = time.perf_counter()
        trainer.fit_epoch()
        synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="gru", help=f"comma-separated subset of {', '.join(SETTINGS)}")
    parser.add_argument("--devices", default="cpu", help="comma-separated: cpu, gpu")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the warm-up (default 3)")
    args = parser.parse_args()
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    print(f"{'model':<28} " + " ".join(f"{d + ' s/epoch':>14}" for d in devices))
    for name in (n.strip() for n in args.models.split(",") if n.strip()):
        medians = [statistics.median(epoch_seconds(name, device, args.epochs)) for device in devices]
        print(f"{SETTINGS[name].description:<28} " + " ".join(f"{m:>14.3f}" for m in medians), flush=True)


if __name__ == "__main__":
    main()
