"""PyTorch's ``torch.nn.utils``: gradient clipping and, in ``rnn``, padding and packing of sequences."""
from ..clip import clip_grad_norm, clip_grad_norm_, clip_grad_value_
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "rnn"]
