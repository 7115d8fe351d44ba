"""Train the book's character-level language models on The Time Machine, with the book's settings.

Settings (Dive into Deep Learning 1.0): TimeMachine(batch_size=1024, num_steps=32), 32 hidden
units, plain SGD at lr 1 (RNN), 4 (LSTM, GRU) or 2 (two-layer stack), gradient clipping at a
global norm of 1, a fixed seed, and the book's number of epochs: 100 for the RNN and the
stacks, 50 for the LSTM and the GRU. Prints, per model, the final
training and validation perplexity as the book plots them (each the mean of per-batch
perplexities over the last plotted point), the lowest validation perplexity and its epoch,
the wall-clock seconds and the greedy continuation of 'it has'.

    D2LRNN_DATA=../shared/data python benchmarks/time_machine.py
    python benchmarks/time_machine.py --models rnn,gru --epochs 10

The book's concise deep model ('deep-concise') is a two-layer GRU although its scratch one
('deep') stacks plain RNN layers; 'deep-rnn-concise' is the concise twin of 'deep'.
The targets are the book's single-run validation perplexities, rounded up; runs from other
seeds land about 0.2 on either side of them.
"""
from __future__ import annotations

import argparse
import time
from typing import Callable, NamedTuple

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.data import TimeMachine
from d2lrnn.scratch import GRUScratch, LSTMScratch, RNNLM, RNNLMScratch, RNNScratch, StackedRNNScratch
from d2lrnn.training import Module, Trainer

NUM_HIDDENS = 32


class Setting(NamedTuple):
    description: str
    lr: float
    epochs: int  # the book's
    build: Callable[[int], Module]  # vocab_size -> language model
    target: float  # the validation perplexity to reach (the book's result, rounded up)


def scratch(rnn_class: type, lr: float) -> Callable[[int], RNNLMScratch]:
    return lambda vocab_size: RNNLMScratch(rnn_class(vocab_size, NUM_HIDDENS), vocab_size, lr=lr)


def concise(module_name: str, lr: float, **kwargs) -> Callable[[int], RNNLM]:
    """A builder for RNNLM on the concise module ``nn.<module_name>``."""
    return lambda vocab_size: RNNLM(getattr(nn, module_name)(vocab_size, NUM_HIDDENS, **kwargs), vocab_size, lr=lr)


def stacked(vocab_size: int) -> RNNLMScratch:
    return RNNLMScratch(StackedRNNScratch(vocab_size, NUM_HIDDENS, num_layers=2), vocab_size, lr=2)


SETTINGS = {
    "rnn": Setting("RNNScratch", 1, 100, scratch(RNNScratch, 1), 7.3),
    "lstm": Setting("LSTMScratch", 4, 50, scratch(LSTMScratch, 4), 7.5),
    "gru": Setting("GRUScratch", 4, 50, scratch(GRUScratch, 4), 6.8),
    "deep": Setting("StackedRNNScratch, 2 layers", 2, 100, stacked, 7.0),
    "rnn-concise": Setting("RNNLM(nn.RNN)", 1, 100, concise("RNN", 1), 7.3),
    "lstm-concise": Setting("RNNLM(nn.LSTM)", 4, 50, concise("LSTM", 4), 7.5),
    "gru-concise": Setting("RNNLM(nn.GRU)", 4, 50, concise("GRU", 4), 6.8),
    "deep-concise": Setting("RNNLM(nn.GRU, 2 layers)", 2, 100, concise("GRU", 2, num_layers=2), 7.0),
    "deep-rnn-concise": Setting("RNNLM(nn.RNN, 2 layers)", 2, 100, concise("RNN", 2, num_layers=2), 7.0),
}


def run(name: str, data: TimeMachine, epochs: int | None, seed: int) -> dict:
    """Train one model from a fresh seed; return its final perplexities, time and prediction."""
    setting = SETTINGS[name]
    epochs = epochs or setting.epochs
    d2l.seed(seed)
    model = setting.build(len(data.vocab))
    model.board.display = False
    start = time.perf_counter()
    Trainer(max_epochs=epochs, gradient_clip_val=1).fit(model, data)
    seconds = time.perf_counter() - start
    val_points = model.board.data["val_ppl"]
    best = min(val_points, key=lambda point: point.y)
    return {
        "model": setting.description,
        "lr": setting.lr,
        "epochs": epochs,
        "train_ppl": model.board.data["train_ppl"][-1].y,
        "val_ppl": val_points[-1].y,
        "best_val": f"{best.y:.2f} ({best.x:g})",
        "target": setting.target,
        "seconds": seconds,
        "prediction": model.predict("it has", 20, data.vocab),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(SETTINGS),
                        help=f"comma-separated subset of {', '.join(SETTINGS)} (default: all)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for every model (default: the book's, 100 or 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed set before building each model")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="where to train")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        parser.error(f"--models: unknown {unknown}; choose from {list(SETTINGS)}")

    d2l.set_default_device(args.device)
    data = TimeMachine(batch_size=1024, num_steps=32)
    print(f"TimeMachine(batch_size=1024, num_steps=32): vocab {len(data.vocab)}, hidden {NUM_HIDDENS}, "
          f"clip 1, seed {args.seed}, device {args.device}", flush=True)
    header = (f"{'model':<28} {'lr':>3} {'epochs':>6} {'train ppl':>9} {'val ppl':>8} {'min val (epoch)':>15} "
              f"{'target':>6} {'seconds':>8}  prediction")
    print(header, flush=True)
    for name in names:
        r = run(name, data, args.epochs, args.seed)
        verdict = "ok" if r["val_ppl"] <= r["target"] else "MISSED"
        print(f"{r['model']:<28} {r['lr']:>3g} {r['epochs']:>6} {r['train_ppl']:>9.2f} {r['val_ppl']:>8.2f} "
              f"{r['best_val']:>15} {r['target']:>6.1f} {r['seconds']:>8.1f}  {r['prediction']!r} {verdict}",
              flush=True)


if __name__ == "__main__":
    main()
