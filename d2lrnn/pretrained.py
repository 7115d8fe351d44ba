"""A small pre-trained language model, so a chapter can show readable samples without a long run.

``time_machine_gru()`` returns ``(model, vocab)``: an ``RNNLM`` around a two-layer ``nn.GRU``
(128 hidden units per layer) trained on the characters of The Time Machine by
``benchmarks/pretrain_gru.py`` from seed 0. Its weights ship inside the package
(``d2lrnn/data/files/time_machine_gru.npz``, about 0.65 MB) and are loaded through the data
registry, which checks their SHA-256 before use.
"""
from __future__ import annotations

from . import nn
from .data import download
from .data.vocab import Vocab
from .scratch import RNNLM

NUM_HIDDENS = 128
NUM_LAYERS = 2
# The Time Machine's characters (Vocab sorts them, '<unk>' second): the weights index their rows
# by this order, so it is fixed here rather than rebuilt from whatever text is at hand.
TIME_MACHINE_TOKENS = tuple(" etaonihsrdlmwugcfypbvkxzjq")


def build_time_machine_gru(vocab_size: int) -> RNNLM:
    """The untrained architecture: RNNLM(nn.GRU(vocab_size, 128, num_layers=2)), one-hot inputs."""
    return RNNLM(nn.GRU(vocab_size, NUM_HIDDENS, num_layers=NUM_LAYERS), vocab_size)


def time_machine_vocab() -> Vocab:
    """The character ``Vocab`` the weights were trained with (28 tokens, '<unk>' at index 0)."""
    return Vocab(list(TIME_MACHINE_TOKENS))


def time_machine_gru(cache_dir: str | None = None) -> tuple[RNNLM, Vocab]:
    """The pre-trained character-level GRU language model and its vocabulary.

    Returns:
        (model, vocab): ``model.predict('the time traveller', 100, vocab, temperature=0.8)``
        samples a continuation. The model is in eval mode on the CPU.
    """
    path = download("time_machine_gru", cache_dir)
    vocab = time_machine_vocab()
    model = build_time_machine_gru(len(vocab))
    model.load(path)
    model.eval()
    return model, vocab


__all__ = ["time_machine_gru", "time_machine_vocab", "build_time_machine_gru"]
