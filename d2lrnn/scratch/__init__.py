"""The book's recurrent models, written only with primitive ops: the code students read.

Recurrent layers take time-major inputs (num_steps, batch_size, num_inputs) and return
(list of num_steps outputs, state), exactly as in Dive into Deep Learning.
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
