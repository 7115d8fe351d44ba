"""The book's recurrent models, as the d2l package gives them: the code students read.

The ``*Scratch`` classes (rnn, lstm, gru, stacked, birnn, lm) are written only with primitive
ops. Their recurrent layers take time-major inputs (num_steps, batch_size, num_inputs) and
return (list of num_steps outputs, state), exactly as in Dive into Deep Learning.

``concise_lm.py`` holds the book's concise counterparts (``RNN``, ``LSTM``, ``GRU``, ``BiGRU``,
``RNNLM``): the same language model with the recurrent layer taken from ``d2lrnn.nn``, whose
modules run the fused kernels. It is the one file here that is not primitive ops only; it
stays beside ``RNNLMScratch`` because ``RNNLM`` is that class with a concise layer, as in the book.
"""
from .birnn import BiRNNScratch
from .concise_lm import GRU, LSTM, RNN, RNNLM, BiGRU
from .gru import GRUScratch
from .lm import RNNLMScratch
from .lstm import LSTMScratch
from .rnn import RNNScratch
from .stacked import StackedRNNScratch

__all__ = ["RNNScratch", "LSTMScratch", "GRUScratch", "StackedRNNScratch", "BiRNNScratch", "RNNLMScratch",
           "RNN", "LSTM", "GRU", "BiGRU", "RNNLM"]
