"""Train the small pre-trained language model that ships with d2lrnn (``d2lrnn.pretrained``).

A two-layer GRU (128 hidden units per layer, about 160,000 parameters, 0.65 MB as float32)
on the characters of The Time Machine: the whole novel but its last 5,000 characters, in
random windows of 64 characters, Adam at lr 0.01 then 0.003, gradients clipped at a global
norm of 1, from seed 0. On a busy 2-core CPU it takes about ten minutes.

    D2LRNN_DATA=../shared/data python benchmarks/pretrain_gru.py --out d2lrnn/data/files/time_machine_gru.npz

It prints the validation perplexity (on the held-out end of the novel) and samples. After a
new training run, put the printed SHA-256 into ``d2lrnn/data/download.py`` (``DATA_HUB``).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import time

import numpy

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.autograd import no_grad
from d2lrnn.nn.clip import clip_grad_norm
from d2lrnn.pretrained import NUM_HIDDENS, NUM_LAYERS, build_time_machine_gru


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="time_machine_gru.npz", help="where to write the weights")
    parser.add_argument("--steps", type=int, default=3000, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-steps", type=int, default=64, help="characters per window")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    num_val = 5000
    data = d2l.TimeMachine(batch_size=args.batch_size, num_steps=args.num_steps, num_train=0, num_val=0)
    num_windows = data.X.shape[0]
    train_windows = num_windows - num_val - args.num_steps  # the last 5,000 characters stay unseen
    d2l.seed(args.seed)
    model = build_time_machine_gru(len(data.vocab))
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    rng = numpy.random.default_rng(args.seed)
    X_all, Y_all = data.X.numpy(), data.Y.numpy()
    print(f"{NUM_LAYERS}-layer GRU, {NUM_HIDDENS} hidden, {model.num_parameters()} parameters, "
          f"{train_windows} training windows", flush=True)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        if step == int(args.steps * 0.7):
            optimizer.lr = 0.003
        rows = rng.integers(0, train_windows, size=args.batch_size)
        loss = model.loss(model(X_all[rows]), Y_all[rows])
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step}: train ppl {numpy.exp(loss.item()):.2f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    model.eval()
    val_rows = numpy.arange(train_windows + args.num_steps, num_windows, args.num_steps)
    with no_grad():
        val_loss = model.loss(model(X_all[val_rows]), Y_all[val_rows]).item()
    print(f"validation perplexity (last {num_val} characters): {numpy.exp(val_loss):.2f}")
    for prefix in ("the time traveller", "it has"):
        print(repr(model.predict(prefix, 60, data.vocab)))
    model.save(args.out)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes), sha256 {digest}")


if __name__ == "__main__":
    main()
