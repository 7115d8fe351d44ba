"""Building blocks: Module/Parameter, containers, layers, cells, init, losses, optimizers, concise RNNs."""
from .module import Module, Parameter
from . import cell_equations, functional, init, losses, utils
from .activation import Flatten, ReLU, Sigmoid, Tanh
from .cells import GRUCell, LSTMCell, RNNCell
from .clip import clip_grad_norm, clip_grad_norm_, clip_grad_value_
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .linear import LazyLinear, Linear
from .losses import CrossEntropyLoss, MSELoss, cross_entropy, mse
from .optim import SGD, Adam, Optimizer, RMSprop
from .rnn import GRU, LSTM, RNN

__all__ = ["Module", "Parameter", "cell_equations", "functional", "init", "losses", "utils", "Linear", "LazyLinear",
           "Embedding", "Dropout", "CrossEntropyLoss", "MSELoss", "cross_entropy", "mse", "Optimizer", "SGD", "Adam", "RMSprop",
           "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
           "GRUCell", "Sequential", "ModuleList", "ModuleDict", "Tanh", "ReLU", "Sigmoid", "Flatten"]
