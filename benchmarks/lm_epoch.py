"""One epoch of the book's RNNLMScratch(RNNScratch) on The Time Machine, against the same model in PyTorch.

The book's settings: TimeMachine(batch_size=1024, num_steps=32), 32 hidden units, SGD at lr 1,
gradient clipping at a global norm of 1. An epoch is every training batch (forward, mean
cross-entropy, backward, clipping, SGD step) and then every validation batch (forward and loss,
no gradients). The PyTorch model is the book's PyTorch code: the same parameters, one-hot
inputs, H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h), O_t = H_t W_hq + b_q. Epochs of the two run
in interleaved rounds; the script prints the median seconds per epoch and the median of the
per-round ratios d2lrnn / PyTorch.

    D2LRNN_DATA=../shared/data python benchmarks/lm_epoch.py [--rounds 5] [--threads 1] [--clock wall]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable

from threads import limit_threads

NUM_HIDDENS, BATCH_SIZE, NUM_STEPS, LR, CLIP = 32, 1024, 32, 1.0, 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved epochs of each library (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall-clock time (default) or the process's CPU time")
    args = parser.parse_args()
    if args.rounds < 1 or args.threads < 1:
        parser.error("--rounds and --threads must be at least 1")
    return args


ARGS = parse_args()
limit_threads(ARGS.threads)

import d2lrnn as d2l  # noqa: E402
from d2lrnn.data import TimeMachine  # noqa: E402
from d2lrnn.nn import clip_grad_norm  # noqa: E402
from d2lrnn.scratch import RNNLMScratch, RNNScratch  # noqa: E402

try:
    import torch  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
except ImportError:
    sys.exit("lm_epoch.py compares against PyTorch: install it with `pip install d2lrnn[bench]`.")

torch.set_num_threads(ARGS.threads)
CLOCK = time.process_time if ARGS.clock == "cpu" else time.perf_counter


def make_epoch(model, optimizer, clip: Callable, no_grad: Callable, train: list, val: list) -> Callable[[], None]:
    """One epoch of the book's loop for either library: each passes its optimizer, clipping and no_grad."""

    def epoch() -> None:
        model.train()
        for X, Y in train:
            loss = model.loss(model(X), Y)
            optimizer.zero_grad()
            loss.backward()
            clip(model.parameters(), CLIP)
            optimizer.step()
        model.eval()
        with no_grad():
            for X, Y in val:
                model.loss(model(X), Y)

    return epoch


class TorchRNNLMScratch(torch.nn.Module):
    """The book's RNNLMScratch(RNNScratch) in PyTorch, started from the given d2lrnn weights."""

    def __init__(self, ours: RNNLMScratch) -> None:
        super().__init__()
        self.vocab_size = ours.vocab_size
        for name in ("W_xh", "W_hh", "b_h"):
            setattr(self, name, torch.nn.Parameter(torch.from_numpy(getattr(ours.rnn, name).numpy().copy())))
        for name in ("W_hq", "b_q"):
            setattr(self, name, torch.nn.Parameter(torch.from_numpy(getattr(ours, name).numpy().copy())))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        embs = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        H = torch.zeros((X.shape[0], self.W_hh.shape[0]))
        outputs = []
        for X_t in embs:
            H = torch.tanh(torch.matmul(X_t, self.W_xh) + torch.matmul(H, self.W_hh) + self.b_h)
            outputs.append(H)
        return torch.stack([torch.matmul(H, self.W_hq) + self.b_q for H in outputs], 1)

    def loss(self, Y_hat: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.reshape(-1))


def main() -> None:
    data = TimeMachine(batch_size=BATCH_SIZE, num_steps=NUM_STEPS)
    train = list(data.train_dataloader())
    val = list(data.val_dataloader())
    to_torch = [[(torch.from_numpy(X.numpy()), torch.from_numpy(Y.numpy())) for X, Y in batches]
                for batches in (train, val)]
    d2l.seed(0)
    ours = RNNLMScratch(RNNScratch(len(data.vocab), NUM_HIDDENS), len(data.vocab), lr=LR)
    theirs = TorchRNNLMScratch(ours)
    contenders = (make_epoch(ours, ours.configure_optimizers(), clip_grad_norm, d2l.no_grad, train, val),
                  make_epoch(theirs, torch.optim.SGD(theirs.parameters(), lr=LR), torch.nn.utils.clip_grad_norm_,
                             torch.no_grad, *to_torch))
    for epoch in contenders:  # warm up
        epoch()
    times: tuple = ([], [])
    for _ in range(ARGS.rounds):
        for epoch, record in zip(contenders, times):
            start = CLOCK()
            epoch()
            record.append(CLOCK() - start)
    ratio = statistics.median(a / b for a, b in zip(*times))
    print(f"RNNLMScratch(RNNScratch), Time Machine, batch {BATCH_SIZE}, {NUM_STEPS} steps, hidden {NUM_HIDDENS}, "
          f"vocab {len(data.vocab)}: {len(train)} training + {len(val)} validation batches per epoch; "
          f"{ARGS.threads} thread(s), {ARGS.rounds} rounds, {ARGS.clock} clock")
    print(f"seconds per epoch: d2lrnn {statistics.median(times[0]):.3f}, PyTorch {statistics.median(times[1]):.3f}; "
          f"ratio d2lrnn / PyTorch {ratio:.2f}")


if __name__ == "__main__":
    main()
