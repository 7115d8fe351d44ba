"""Building blocks: Module/Parameter, layers, init, losses, optimizers, concise RNNs."""
from .module import Module, Parameter
from . import cell_equations, init, losses
from .clip import clip_grad_norm
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .losses import CrossEntropyLoss, MSELoss, cross_entropy, mse
from .optim import SGD, Adam, Optimizer, RMSprop
from .rnn import GRU, LSTM, RNN

__all__ = ["Module", "Parameter", "cell_equations", "init", "losses", "Linear", "Embedding", "Dropout",
           "CrossEntropyLoss", "MSELoss", "cross_entropy", "mse", "Optimizer", "SGD", "Adam", "RMSprop",
           "clip_grad_norm", "RNN", "LSTM", "GRU"]
