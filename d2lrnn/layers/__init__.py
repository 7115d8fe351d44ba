"""Keras-style layers: batch-major (batch, time, features), Keras 3 names, defaults and weight layout.

``from d2lrnn import layers`` then ``layers.LSTM(64, return_sequences=True)`` and so on. Called on data
a layer computes; called on ``layers.Input(...)`` tensors it records the call for ``models.Model``.
"""
from . import activations, initializers
from .layer import Layer
from .masks import attach_mask, mask_of
from .naming import clear_session
from .weight import Weight
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .masking import Masking
from .text_vectorization import TextVectorization
from .keras_tensor import KerasTensor
from .activation_layer import Activation
from .lambda_layer import Lambda
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
                    dot, maximum, minimum, multiply, subtract)
from .pooling import GlobalAveragePooling1D
from .reshaping import Flatten, Permute, RepeatVector, Reshape
from .tensor_operation import TensorOperation
from .time_distributed import TimeDistributed
from .abstract_rnn_cell import AbstractRNNCell
from .bidirectional import Bidirectional
from .dropout_rnn_cell import DropoutRNNCell
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .rnn import RNN
from .simple_rnn import SimpleRNN, SimpleRNNCell
from .stacked_rnn_cells import StackedRNNCells

__all__ = ["Layer", "Weight", "activations", "initializers", "attach_mask", "clear_session", "mask_of",
           "Dense", "Dropout", "Embedding", "Input", "InputLayer", "Masking", "TextVectorization",
           "AbstractRNNCell", "Bidirectional", "DropoutRNNCell", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN",
           "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "KerasTensor", "Activation", "Lambda", "Add", "Average",
           "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average", "concatenate", "dot",
           "maximum", "minimum", "multiply", "subtract", "GlobalAveragePooling1D", "Flatten", "Permute",
           "RepeatVector", "Reshape", "TensorOperation", "TimeDistributed"]
