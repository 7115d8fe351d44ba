"""A table of bad input a student's own code produces, across every package.

Each row is one call. It must raise the given exception type with a message naming the argument
(``needle``), or, for rows marked ``ok``, return the correct result (checked by ``check``).
Counts per package are in the ``PACKAGE`` column; ``test_the_table_is_large_enough`` keeps it honest.
"""
from __future__ import annotations

import collections
import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import backend, data, layers, models, nn, scratch, viz
from d2lrnn.autograd import functional as F


@dataclass
class Row:
    package: str
    call: Callable[[], Any]
    error: type | None  # None: the call must succeed and ``check`` its result
    needle: str = ""  # text the message must contain (the argument's name)
    check: Callable[[Any], bool] | None = None


def t(values, grad=False, dtype=None):
    return d2l.tensor(values, requires_grad=grad, dtype=dtype)


def leaf():
    return t([1.0, 2.0], grad=True)


def built_dense():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), np.float32))
    return layer


def compiled(loss="mse", metrics=None):
    model = models.Sequential([layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return model


def modified_before_backward():
    x = leaf()
    y = (x * x).sum()
    x.data[0] = 100
    y.backward()


def intermediate_zeroed():
    x = leaf()
    h = x.tanh()
    z = (h * 2).sum()
    h.data[:] = 0
    z.backward()


def book_update_too_early():
    w = leaf()
    loss = (w * w).sum()
    w.data -= 0.1
    loss.backward()


def in_place_out_argument():
    w = leaf()
    loss = (w * w).sum()
    np.add(w.data, 1.0, out=w.data)
    loss.backward()


def nan_forward_under_anomaly():
    with d2l.autograd.detect_anomaly(), np.errstate(all="ignore"):
        (t([-1.0], grad=True)).log()


def nan_backward_under_anomaly():
    with d2l.autograd.detect_anomaly(), np.errstate(all="ignore"):
        (t([0.0], grad=True) ** 0.5).sum().backward()


def backward_twice():
    x = leaf()
    y = (x * x).sum()
    y.backward()
    y.backward()


def fit_nan_inputs():
    x = np.ones((4, 2), np.float32)
    x[1, 1] = np.nan
    compiled().fit(x, np.ones((4, 1), np.float32), batch_size=2, verbose=0, shuffle=False)


def fit_nan_labels():
    y = np.ones((4, 1), np.float32)
    y[0] = np.nan
    compiled().fit(np.ones((4, 2), np.float32), y, batch_size=2, verbose=0, shuffle=False)


def trainer_fit(model, data_module, **kwargs):
    d2l.Trainer(max_epochs=1, **kwargs).fit(model, data_module)


def write_file(tmp, name, content: bytes):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(content)
    return path


TMP = None  # set by the fixture below


def tmpfile(name, content=b""):
    return write_file(TMP, name, content)


def grad_of_shape(shape):
    p = nn.Parameter(np.ones((2, 2), np.float32))
    p.grad = np.ones(shape, np.float32)
    return p


def masked_leading_steps_are_zero():
    layer = layers.GRU(3, return_sequences=True, go_backwards=True)
    x = np.ones((1, 3, 2), np.float32)
    out = layer(x, mask=np.array([[True, True, False]]), initial_state=[np.ones((1, 3), np.float32)])
    return out.numpy()[0, 0]


class CellWithoutConfig(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), "ones")

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0]
        return h, [h]


ROWS: dict[str, Row] = {
    # ------------------------------------------------------------------- autograd: in place
    "in-place .data[i] = before backward": Row("autograd", modified_before_backward, RuntimeError, "Mul"),
    "in-place zeroed intermediate": Row("autograd", intermediate_zeroed, RuntimeError, "Mul"),
    "book update one line too early": Row("autograd", book_update_too_early, RuntimeError, "modified in place"),
    "numpy out= on saved data": Row("autograd", in_place_out_argument, RuntimeError, "Mul"),
    "anomaly: NaN forward": Row("autograd", nan_forward_under_anomaly, RuntimeError, "Log"),
    "anomaly: Inf backward": Row("autograd", nan_backward_under_anomaly, RuntimeError, "Pow"),
    "backward twice": Row("autograd", backward_twice, RuntimeError, "retain_graph"),
    # ------------------------------------------------------------------- autograd: tensor()
    "tensor(None)": Row("autograd", lambda: t(None), TypeError, "None"),
    "tensor(complex)": Row("autograd", lambda: t([1j]), TypeError, "complex"),
    "tensor(object array)": Row("autograd", lambda: t(np.array([1, None], dtype=object)), TypeError, "object"),
    "tensor(ragged)": Row("autograd", lambda: t([[1, 2], [3]]), ValueError, "rectangular"),
    "tensor(strings)": Row("autograd", lambda: t(["a", "b"]), TypeError, "dtype"),
    "tensor(int, requires_grad)": Row("autograd", lambda: t([1, 2], grad=True), TypeError, "requires_grad"),
    "tensor(device='tpu')": Row("autograd", lambda: d2l.tensor([1.0], device="tpu"), ValueError, "device"),
    "zeros(-1)": Row("autograd", lambda: d2l.zeros(-1), ValueError, "shape"),
    "zeros(2.5)": Row("autograd", lambda: d2l.zeros(2.5), TypeError, "shape"),
    "ones(np.int64)": Row("autograd", lambda: d2l.ones(np.int64(2)), None, check=lambda r: r.shape == (2,)),
    "randn('3')": Row("autograd", lambda: d2l.randn("3"), TypeError, "shape"),
    "full(value=None)": Row("autograd", lambda: d2l.full((2,), None), TypeError, "value"),
    "normal(std=-1)": Row("autograd", lambda: d2l.normal(0, -1, (2,)), ValueError, "std"),
    "arange(step=0)": Row("autograd", lambda: d2l.arange(0, 5, 0), ValueError, "step"),
    # ------------------------------------------------------------------- autograd: Tensor methods
    "t @ 2.0": Row("autograd", lambda: t([1.0, 2.0]) @ 2.0, TypeError, "@"),
    "t @ shape mismatch": Row("autograd", lambda: t(np.ones((2, 3))) @ t(np.ones((2, 3))), ValueError, "matmul"),
    "t + shape mismatch": Row("autograd", lambda: t(np.ones(3)) + t(np.ones(4)), ValueError, "Add"),
    "t ** tensor": Row("autograd", lambda: t([1.0]) ** t([2.0]), TypeError, "exponent"),
    "t ** 'a'": Row("autograd", lambda: t([1.0]) ** "a", TypeError, "exponent"),
    "max of empty": Row("autograd", lambda: t(np.zeros(0)).max(), ValueError, "empty"),
    "mean of empty": Row("autograd", lambda: t(np.zeros(0)).mean(), ValueError, "empty"),
    "len of 0-d": Row("autograd", lambda: len(t(3.0)), TypeError, "0-d"),
    "item of many": Row("autograd", lambda: t([1.0, 2.0]).item(), ValueError, "item"),
    "float of many": Row("autograd", lambda: float(t([1.0, 2.0])), ValueError, "item"),
    "sum(axis=5)": Row("autograd", lambda: t(np.ones((2, 3))).sum(axis=5), ValueError, "axis"),
    "mean(axis='a')": Row("autograd", lambda: t(np.ones((2, 3))).mean(axis="a"), TypeError, "axis"),
    "reshape to wrong size": Row("autograd", lambda: t(np.ones(6)).reshape(4, 2), ValueError, "reshape"),
    "transpose wrong axes": Row("autograd", lambda: t(np.ones((2, 3))).transpose(0, 0), ValueError, "axes"),
    "swapaxes out of range": Row("autograd", lambda: t(np.ones((2, 3))).swapaxes(0, 5), ValueError, "axis"),
    "index out of range": Row("autograd", lambda: t([1.0, 2.0])[5], IndexError, "index"),
    "split into 0": Row("autograd", lambda: t(np.ones(4)).split(0), ValueError, "sections"),
    "split sizes too long": Row("autograd", lambda: t(np.ones(4)).split([3, 3]), ValueError, "sections"),
    "astype('foo')": Row("autograd", lambda: t([1.0]).astype("foo"), TypeError, "dtype"),
    "to('tpu')": Row("autograd", lambda: t([1.0]).to("tpu"), ValueError, "device"),
    "clip(low > high)": Row("autograd", lambda: t([1.0]).clip(2, 1), ValueError, "low"),
    "clip(low=nan)": Row("autograd", lambda: t([1.0]).clip(float("nan"), 1), ValueError, "low"),
    "backward of non-scalar": Row("autograd", lambda: leaf().exp().backward(), ValueError, "grad"),
    "backward grad of other shape": Row("autograd", lambda: leaf().exp().backward(np.ones(3)), ValueError, "grad"),
    "backward without graph": Row("autograd", lambda: t([1.0]).sum().backward(), RuntimeError, "requires"),
    "0-d grad is an array": Row("autograd", lambda: (lambda x: ((x * x).backward(), x.grad)[1])(t(2.0, grad=True)),
                                None, check=lambda g: isinstance(g, np.ndarray) and g == 4.0),
    "0-d data is an array": Row("autograd", lambda: (t(2.0) * t(3.0)).data, None,
                                check=lambda d: isinstance(d, np.ndarray) and d.shape == ()),
    # ------------------------------------------------------------------- autograd: functions
    "concat([])": Row("autograd", lambda: d2l.concat([]), ValueError, "tensors"),
    "concat mismatched": Row("autograd", lambda: d2l.concat([t(np.ones((2, 3))), t(np.ones((2, 4)))]), ValueError,
                             "concat"),
    "stack([])": Row("autograd", lambda: d2l.stack([]), ValueError, "tensors"),
    "stack mismatched": Row("autograd", lambda: d2l.stack([t(np.ones(2)), t(np.ones(3))]), ValueError, "stack"),
    "concat axis out of range": Row("autograd", lambda: d2l.concat([t(np.ones(2))], axis=3), ValueError, "axis"),
    "where shape mismatch": Row("autograd", lambda: d2l.where(np.ones(3, bool), t(np.ones(2)), t(np.ones(2))),
                                ValueError, "Where"),
    "one_hot(num_classes=0)": Row("autograd", lambda: d2l.autograd.one_hot([1], 0), ValueError, "num_classes"),
    "one_hot(index too large)": Row("autograd", lambda: d2l.autograd.one_hot([3], 3), ValueError, "indices"),
    "one_hot(float indices)": Row("autograd", lambda: d2l.autograd.one_hot([0.5], 3), TypeError, "indices"),
    "one_hot(np.int64 classes)": Row("autograd", lambda: d2l.autograd.one_hot([1], np.int64(3)), None,
                                     check=lambda r: r.shape == (1, 3)),
    "dropout(p=1.5)": Row("autograd", lambda: d2l.autograd.dropout(t([1.0]), 1.5), ValueError, "p"),
    "dropout(p=nan)": Row("autograd", lambda: d2l.autograd.dropout(t([1.0]), float("nan")), ValueError, "p"),
    "softmax(axis=3)": Row("autograd", lambda: d2l.autograd.softmax(t([1.0]), axis=3), ValueError, "axis"),
    "cross_entropy float targets": Row("autograd", lambda: d2l.autograd.cross_entropy(t(np.ones((2, 3))), [0.5, 1.0]),
                                       TypeError, "targets"),
    "cross_entropy target -1": Row("autograd", lambda: d2l.autograd.cross_entropy(t(np.ones((2, 3))), [-1, 0]),
                                   ValueError, "targets"),
    "cross_entropy target shape": Row("autograd", lambda: d2l.autograd.cross_entropy(t(np.ones((2, 3))), [0, 1, 2]),
                                      ValueError, "targets"),
    "cross_entropy logits list": Row("autograd", lambda: d2l.autograd.cross_entropy([[1.0, 2.0]], [0]), TypeError,
                                     "logits"),
    "cross_entropy reduction": Row("autograd", lambda: d2l.autograd.cross_entropy(t(np.ones((2, 3))), [0, 1], "avg"),
                                   ValueError, "reduction"),
    "mse list target broadcast": Row("autograd", lambda: F.mse(t([[1.0], [2.0]]), [1.0, 2.0]), ValueError, "target"),
    "mse array target broadcast": Row("autograd", lambda: F.mse(t([[1.0], [2.0]]), np.ones(2)), ValueError,
                                      "target"),
    "mse scalar target": Row("autograd", lambda: F.mse(t([1.0, 2.0]), 1.0), ValueError, "target"),
    "mse tensor target broadcast": Row("autograd", lambda: F.mse(t([[1.0], [2.0]]), t([1.0, 2.0])), ValueError,
                                       "target"),
    "gradcheck non-callable": Row("autograd", lambda: d2l.autograd.gradcheck(3, t([1.0], dtype="float64")),
                                  TypeError, "fn"),
    # ------------------------------------------------------------------------ backend
    "set_default_device('cuda')": Row("backend", lambda: d2l.set_default_device("cuda"), ValueError, "device"),
    "D2LRNN_DEVICE=cuda": Row("backend", lambda: _with_env("D2LRNN_DEVICE", "cuda", backend.default_device),
                              ValueError, "D2LRNN_DEVICE"),
    "seed('a')": Row("backend", lambda: d2l.seed("a"), TypeError, "seed"),
    "seed(-1)": Row("backend", lambda: d2l.seed(-1), ValueError, "seed"),
    "seed(np.int64)": Row("backend", lambda: d2l.seed(np.int64(3)), None, check=lambda r: True),
    # ---------------------------------------------------------------------------- nn
    "Linear(0, 2)": Row("nn", lambda: nn.Linear(0, 2), ValueError, "in_features"),
    "Linear(2.5, 2)": Row("nn", lambda: nn.Linear(2.5, 2), ValueError, "in_features"),
    "Linear(np.int64)": Row("nn", lambda: nn.Linear(np.int64(2), np.int32(3)), None,
                            check=lambda m: m.weight.shape == (3, 2)),
    "Linear wrong features": Row("nn", lambda: nn.Linear(3, 2)(t(np.ones((1, 4)))), ValueError, "in_features"),
    "Linear int input": Row("nn", lambda: nn.Linear(3, 2)(t(np.ones((1, 3), np.int64))), TypeError, "dtype"),
    "Linear numpy input": Row("nn", lambda: nn.Linear(3, 2)(np.ones((1, 3), np.float32)), None,
                              check=lambda y: y.shape == (1, 2)),
    "Embedding(0, 3)": Row("nn", lambda: nn.Embedding(0, 3), ValueError, "num_embeddings"),
    "Embedding index too large": Row("nn", lambda: nn.Embedding(4, 2)(t([4])), ValueError, "indices"),
    "nn.Embedding float ids": Row("nn", lambda: nn.Embedding(4, 2)(t([1.0])), TypeError, "indices"),
    "Dropout(p=-0.1)": Row("nn", lambda: nn.Dropout(-0.1), ValueError, "p"),
    "Dropout(p='a')": Row("nn", lambda: nn.Dropout("a"), ValueError, "p"),
    "RNN(hidden_size=0)": Row("nn", lambda: nn.RNN(3, 0), ValueError, "hidden_size"),
    "RNN(nonlinearity='gelu')": Row("nn", lambda: nn.RNN(3, 2, nonlinearity="gelu"), ValueError, "nonlinearity"),
    "LSTM(num_layers=0)": Row("nn", lambda: nn.LSTM(3, 2, num_layers=0), ValueError, "num_layers"),
    "GRU(dropout=2)": Row("nn", lambda: nn.GRU(3, 2, dropout=2.0), ValueError, "dropout"),
    "nn.LSTM 4-D input": Row("nn", lambda: nn.LSTM(3, 2)(t(np.ones((4, 1, 1, 3), np.float32))), ValueError, "input"),
    "LSTM wrong features": Row("nn", lambda: nn.LSTM(3, 2)(t(np.ones((4, 1, 5)))), ValueError, "input_size"),
    "LSTM state shape": Row("nn", lambda: nn.LSTM(3, 2)(t(np.ones((4, 1, 3), np.float32)),
                                                        (t(np.ones((1, 1, 3), np.float32)),
                                                         t(np.ones((1, 1, 2), np.float32)))),
                            ValueError, "h"),
    "nn.LSTM int input": Row("nn", lambda: nn.LSTM(3, 2)(t(np.ones((4, 1, 3), np.int64))), TypeError, "dtype"),
    "SGD(lr=inf)": Row("nn", lambda: nn.SGD([leaf()], lr=float("inf")), ValueError, "lr"),
    "SGD(lr=nan)": Row("nn", lambda: nn.SGD([leaf()], lr=float("nan")), ValueError, "lr"),
    "SGD(lr=-1)": Row("nn", lambda: nn.SGD([leaf()], lr=-1), ValueError, "lr"),
    "SGD(lr='0.1')": Row("nn", lambda: nn.SGD([leaf()], lr="0.1"), ValueError, "lr"),
    "SGD(lr=np.float32)": Row("nn", lambda: nn.SGD([leaf()], lr=np.float32(0.1)), None,
                              check=lambda o: isinstance(o.lr, float)),
    "SGD(momentum=-1)": Row("nn", lambda: nn.SGD([leaf()], lr=0.1, momentum=-1), ValueError, "momentum"),
    "SGD([])": Row("nn", lambda: nn.SGD([], lr=0.1), ValueError, "params"),
    "SGD(params of arrays)": Row("nn", lambda: nn.SGD([np.ones(2)], lr=0.1), TypeError, "params[0]"),
    "SGD grad of other shape": Row("nn", lambda: nn.SGD([grad_of_shape((2, 3))], lr=0.1).step(), ValueError,
                                   "grad"),
    "Adam grad of other shape": Row("nn", lambda: nn.Adam([grad_of_shape((1, 2))]).step(), ValueError, "grad"),
    "Adam(betas=(1, 0.9))": Row("nn", lambda: nn.Adam([leaf()], betas=(1.0, 0.9)), ValueError, "betas[0]"),
    "Adam(eps=inf)": Row("nn", lambda: nn.Adam([leaf()], eps=float("inf")), ValueError, "eps"),
    "RMSprop(alpha=2)": Row("nn", lambda: nn.RMSprop([leaf()], alpha=2.0), ValueError, "alpha"),
    "clip_grad_norm(nan)": Row("nn", lambda: nn.clip_grad_norm([leaf()], float("nan")), ValueError, "max_norm"),
    "clip_grad_norm(inf)": Row("nn", lambda: nn.clip_grad_norm([leaf()], float("inf")), ValueError, "max_norm"),
    "clip_grad_norm(-1)": Row("nn", lambda: nn.clip_grad_norm([leaf()], -1), ValueError, "max_norm"),
    "CrossEntropyLoss(reduction)": Row("nn", lambda: nn.CrossEntropyLoss("avg"), ValueError, "reduction"),
    "MSELoss broadcast": Row("nn", lambda: nn.MSELoss()(t([[1.0], [2.0]]), [1.0, 2.0]), ValueError, "target"),
    "load_state_dict(list)": Row("nn", lambda: nn.Linear(2, 2).load_state_dict([1]), TypeError, "state"),
    "load_state_dict missing": Row("nn", lambda: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))}),
                                   KeyError, "bias"),
    "load_state_dict shape": Row("nn", lambda: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 3)),
                                                                                "bias": np.ones(2)}),
                                 ValueError, "weight"),
    "load_state_dict strings": Row("nn", lambda: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2)),
                                                                                  "bias": np.array(["a", "b"])}),
                                   ValueError, "bias"),
    "Module.load empty file": Row("nn", lambda: nn.Linear(2, 2).load(tmpfile("empty.npz")), ValueError,
                                  "not a d2lrnn weights file"),
    "Module.load truncated": Row("nn", lambda: nn.Linear(2, 2).load(tmpfile("cut.npz", b"PK\x03\x04abc")),
                                 ValueError, "not a d2lrnn weights file"),
    "Module.load missing": Row("nn", lambda: nn.Linear(2, 2).load(os.path.join(TMP, "nope.npz")),
                               FileNotFoundError, "nope.npz"),
    "Module.to('tpu')": Row("nn", lambda: nn.Linear(2, 2).to("tpu"), ValueError, "device"),
    "init.uniform_(a > b)": Row("nn", lambda: nn.init.uniform_(nn.Linear(2, 2).weight, 1.0, 0.0), ValueError, "low"),
    "init.normal_(sigma=-1)": Row("nn", lambda: nn.init.normal_(nn.Linear(2, 2).weight, sigma=-1.0), ValueError,
                                  "sigma"),
    # ---------------------------------------------------------------------------- layers
    "Dense(0)": Row("layers", lambda: layers.Dense(0), ValueError, "units"),
    "Dense(-3)": Row("layers", lambda: layers.Dense(-3), ValueError, "units"),
    "Dense(2.5)": Row("layers", lambda: layers.Dense(2.5), ValueError, "units"),
    "Dense(np.int64)": Row("layers", lambda: layers.Dense(np.int64(3)), None, check=lambda d: d.units == 3),
    "Dense(activation='foo')": Row("layers", lambda: layers.Dense(2, activation="foo"), ValueError, "foo"),
    "Dense(kernel_initializer='foo')": Row("layers", lambda: layers.Dense(2, kernel_initializer="foo"), ValueError,
                                           "foo"),
    "Dense wrong features": Row("layers", lambda: built_dense()(np.ones((1, 4), np.float32)), ValueError, "features"),
    "Dense int input cast": Row("layers", lambda: layers.Dense(2)(np.ones((1, 3), np.int64)), None,
                                check=lambda y: y.dtype == np.float32),
    "Dense string input": Row("layers", lambda: layers.Dense(2)(np.array([["a"]])), TypeError, "dtype"),
    "Dense ragged input": Row("layers", lambda: layers.Dense(2)([[1.0, 2.0], [3.0]]), ValueError, "rectangular"),
    "Dropout(rate=1.5)": Row("layers", lambda: layers.Dropout(1.5), ValueError, "rate"),
    "Dropout(rate=nan)": Row("layers", lambda: layers.Dropout(float("nan")), ValueError, "rate"),
    "Embedding(0, 2)": Row("layers", lambda: layers.Embedding(0, 2), ValueError, "input_dim"),
    "Embedding(np.int64)": Row("layers", lambda: layers.Embedding(np.int64(5), np.int64(2)), None,
                               check=lambda e: e.input_dim == 5),
    "Embedding id too large": Row("layers", lambda: layers.Embedding(3, 2)(np.array([[3]])), ValueError, "3"),
    "Embedding fractional ids": Row("layers", lambda: layers.Embedding(3, 2)(np.array([[0.5]])), TypeError, "ids"),
    "SimpleRNN(0)": Row("layers", lambda: layers.SimpleRNN(0), ValueError, "units"),
    "LSTM(np.int64)": Row("layers", lambda: layers.LSTM(np.int64(3)), None, check=lambda layer: layer.cell.units == 3),
    "GRU(np.int32)": Row("layers", lambda: layers.GRU(np.int32(3)), None, check=lambda layer: layer.cell.units == 3),
    "LSTM(dropout=1.5) clipped as Keras": Row("layers", lambda: layers.LSTM(3, dropout=1.5), None,
                                              check=lambda layer: layer.cell.dropout == 1.0),
    "LSTM(recurrent_dropout='a')": Row("layers", lambda: layers.LSTM(3, recurrent_dropout="a"), (TypeError, ValueError),
                                       "recurrent_dropout"),
    "LSTM(implementation=3)": Row("layers", lambda: layers.LSTM(3, implementation=3), ValueError, "implementation"),
    "LSTM(implementation=0) accepted": Row("layers", lambda: layers.LSTM(3, implementation=0), None,
                                           check=lambda layer: layer.cell.implementation == 2),
    "GRU(implementation=0) accepted": Row("layers", lambda: layers.GRU(3, implementation=0), None,
                                          check=lambda layer: layer.cell.implementation == 2),
    "LSTM 2-D input": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 4), np.float32)), ValueError, "ndim"),
    "LSTM int input": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 4, 1), np.int64)), TypeError, "Embedding"),
    "LSTM zero steps": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 0, 1), np.float32)), ValueError,
                           "time steps"),
    "LSTM mask shape": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 4, 1), np.float32),
                                                            mask=np.ones((2, 3), bool)), ValueError, "mask"),
    "LSTM initial_state count": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 4, 1), np.float32),
                                                                     initial_state=[np.zeros((2, 3))]),
                                    ValueError, "initial_state"),
    "LSTM initial_state shape": Row("layers", lambda: layers.LSTM(3)(np.ones((2, 4, 1), np.float32),
                                                                     initial_state=[np.zeros((2, 4))] * 2),
                                    ValueError, "initial_state"),
    "RNN(cell=3)": Row("layers", lambda: layers.RNN(3), TypeError, "cell"),
    "RNN(cell=LSTM layer)": Row("layers", lambda: layers.RNN(layers.LSTM(3)), ValueError, "cell"),
    "RNN(use_fused='yes')": Row("layers", lambda: layers.RNN(layers.LSTMCell(3), use_fused="yes"), ValueError,
                                "use_fused"),
    "get_initial_state(np.int64)": Row("layers", lambda: layers.LSTM(3).get_initial_state(np.int64(2)), None,
                                       check=lambda s: s[0].shape == (2, 3)),
    "get_initial_state(inputs)": Row("layers", lambda: layers.LSTM(3).get_initial_state(np.ones((2, 4, 1))),
                                     TypeError, "batch_size"),
    "masked leading steps are zeros": Row("layers", masked_leading_steps_are_zero, None,
                                          check=lambda first: np.all(first == 0)),
    "Bidirectional(Dense)": Row("layers", lambda: layers.Bidirectional(layers.Dense(2)), ValueError, "layer"),
    "Bidirectional(merge_mode)": Row("layers", lambda: layers.Bidirectional(layers.LSTM(2), merge_mode="avg"),
                                     ValueError, "merge mode"),
    "Bidirectional(RNN(custom cell))": Row("layers", lambda: layers.Bidirectional(
        layers.RNN(CellWithoutConfig(2)))(np.ones((1, 3, 2), np.float32)), None,
        check=lambda y: y.shape == (1, 4)),
    "StackedRNNCells bare states": Row("layers", lambda: layers.StackedRNNCells(
        [CellWithoutConfig(2), CellWithoutConfig(2)]).get_initial_state(1), None,
        check=lambda s: all(isinstance(x, d2l.Tensor) for x in s)),
    "StackedRNNCells([])": Row("layers", lambda: layers.StackedRNNCells([]), ValueError, "cells"),
    "Masking(mask_value='a')": Row("layers", lambda: layers.Masking("a"), TypeError, "mask_value"),
    "TextVectorization.adapt(None)": Row("layers", lambda: layers.TextVectorization().adapt(None), TypeError,
                                         "data"),
    "TextVectorization.adapt(ints)": Row("layers", lambda: layers.TextVectorization().adapt([1, 2]), TypeError,
                                         "strings"),
    "TextVectorization(max_tokens=0)": Row("layers", lambda: layers.TextVectorization(max_tokens=0), ValueError,
                                           "max_tokens"),
    "TextVectorization(output_mode)": Row("layers", lambda: layers.TextVectorization(output_mode="bag"), ValueError,
                                          "output_mode"),
    "set_weights(not a list)": Row("layers", lambda: built_dense().set_weights(np.ones((3, 2))), TypeError,
                                   "set_weights"),
    "set_weights count": Row("layers", lambda: built_dense().set_weights([np.ones((3, 2))]), ValueError,
                             "set_weights"),
    "set_weights shape": Row("layers", lambda: built_dense().set_weights([np.ones((3, 2)), np.ones(3)]), ValueError,
                             "bias"),
    "set_weights strings": Row("layers", lambda: built_dense().set_weights([np.ones((3, 2)), np.array(["a", "b"])]),
                               ValueError, "bias"),
    "count_params unbuilt": Row("layers", lambda: layers.Dense(2).count_params(), ValueError, "count_params"),
    "Input(shape=-1)": Row("layers", lambda: layers.Input(shape=(-1,)), ValueError, "shape"),
    "Layer(name=3)": Row("layers", lambda: layers.Dense(2, name=3), TypeError, "name"),
    "Layer(bad kwarg)": Row("layers", lambda: layers.Dense(2, unitz=3), ValueError, "unitz"),
    "Layer.to('tpu')": Row("layers", lambda: layers.Dense(2).to("tpu"), ValueError, "device"),
    # ---------------------------------------------------------------------------- models
    "compile(loss=None)": Row("models", lambda: models.Sequential([layers.Dense(1)]).compile(), ValueError, "loss"),
    "compile(loss='foo')": Row("models", lambda: compiled(loss="foo"), ValueError, "loss"),
    "compile(optimizer='foo')": Row("models", lambda: models.Sequential([layers.Dense(1)]).compile(
        optimizer="foo", loss="mse"), ValueError, "optimizer"),
    "compile(optimizer=3)": Row("models", lambda: models.Sequential([layers.Dense(1)]).compile(
        optimizer=3, loss="mse"), TypeError, "optimizer"),
    "compile(metrics='accuracy')": Row("models", lambda: compiled(metrics="accuracy"), ValueError, "metrics"),
    "compile(metrics=['foo'])": Row("models", lambda: compiled(loss="binary_crossentropy", metrics=["foo"]),
                                    ValueError, "foo"),
    "compile(mse, accuracy)": Row("models", lambda: compiled(loss="mse", metrics=["accuracy"]), ValueError,
                                  "metrics"),
    "compile(mae, acc)": Row("models", lambda: compiled(loss="mae", metrics=["acc"]), ValueError, "metrics"),
    "fit before compile": Row("models", lambda: models.Sequential([layers.Dense(1)]).fit(
        np.ones((2, 2)), np.ones((2, 1))), RuntimeError, "compile"),
    "fit(batch_size=0)": Row("models", lambda: compiled().fit(np.ones((2, 2)), np.ones((2, 1)), batch_size=0,
                                                              verbose=0), ValueError, "batch_size"),
    "fit(batch_size=np.int64)": Row("models", lambda: compiled().fit(np.ones((2, 2)), np.ones((2, 1)),
                                                                     batch_size=np.int64(2), verbose=0), None,
                                    check=lambda h: len(h.history["loss"]) == 1),
    "fit(epochs=-1)": Row("models", lambda: compiled().fit(np.ones((2, 2)), np.ones((2, 1)), epochs=-1, verbose=0),
                          ValueError, "epochs"),
    "fit(validation_split=1)": Row("models", lambda: compiled().fit(np.ones((2, 2)), np.ones((2, 1)),
                                                                    validation_split=1.0, verbose=0),
                                   ValueError, "validation_split"),
    "fit length mismatch": Row("models", lambda: compiled().fit(np.ones((3, 2)), np.ones((2, 1)), verbose=0),
                               ValueError, "samples"),
    "fit zero samples": Row("models", lambda: compiled().fit(np.ones((0, 2)), np.ones((0, 1)), verbose=0),
                            ValueError, "no samples"),
    "fit(on_nan='ignore')": Row("models", lambda: compiled().fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0,
                                                                 on_nan="ignore"), ValueError, "on_nan"),
    "fit NaN inputs stop": Row("models", fit_nan_inputs, FloatingPointError, "epoch 0"),
    "fit NaN labels stop": Row("models", fit_nan_labels, FloatingPointError, "batch 0"),
    "fit y=None": Row("models", lambda: compiled().fit(np.ones((2, 2)), verbose=0), ValueError, "y"),
    "evaluate before compile": Row("models", lambda: models.Sequential([layers.Dense(1)]).evaluate(
        np.ones((2, 2)), np.ones((2, 1))), RuntimeError, "compile"),
    "predict(batch_size=0)": Row("models", lambda: compiled().predict(np.ones((2, 2)), batch_size=0, verbose=0),
                                 ValueError, "batch_size"),
    "Sequential([3])": Row("models", lambda: models.Sequential([3]), TypeError, "layer"),
    "Sequential.add(3)": Row("models", lambda: models.Sequential().add(3), TypeError, "layer"),
    "load_model missing": Row("models", lambda: models.load_model(os.path.join(TMP, "nope.keras")),
                              FileNotFoundError, "nope.keras"),
    "load_model empty file": Row("models", lambda: models.load_model(tmpfile("empty.keras")), ValueError,
                                 "empty.keras"),
    "load_weights truncated": Row("models", lambda: _built_model().load_weights(tmpfile("w.weights.h5",
                                                                                        b"PK\x03\x04")),
                                  ValueError, "not a d2lrnn weights file"),
    "load_weights text file": Row("models", lambda: _built_model().load_weights(tmpfile("w.txt", b"hello")),
                                  ValueError, "not a d2lrnn weights file"),
    # -------------------------------------------------------------------------- training
    "Trainer(max_epochs=-1)": Row("training", lambda: d2l.Trainer(-1), ValueError, "max_epochs"),
    "Trainer(max_epochs=2.5)": Row("training", lambda: d2l.Trainer(2.5), ValueError, "max_epochs"),
    "Trainer(max_epochs=np.int64)": Row("training", lambda: d2l.Trainer(np.int64(2)), None,
                                        check=lambda tr: tr.max_epochs == 2),
    "Trainer(num_gpus=-1)": Row("training", lambda: d2l.Trainer(1, num_gpus=-1), ValueError, "num_gpus"),
    "Trainer(gradient_clip_val=nan)": Row("training", lambda: d2l.Trainer(1, gradient_clip_val=float("nan")),
                                          ValueError, "gradient_clip_val"),
    "Trainer(gradient_clip_val=inf)": Row("training", lambda: d2l.Trainer(1, gradient_clip_val=float("inf")),
                                          ValueError, "gradient_clip_val"),
    "Trainer(gradient_clip_val=-1)": Row("training", lambda: d2l.Trainer(1, gradient_clip_val=-1), ValueError,
                                         "gradient_clip_val"),
    "Trainer(on_nan='skip')": Row("training", lambda: d2l.Trainer(1, on_nan="skip"), ValueError, "on_nan"),
    "Trainer.fit(not a Module)": Row("training", lambda: trainer_fit(nn.Linear(2, 2), _tiny_data()), TypeError,
                                     "model"),
    "Trainer.fit NaN loss": Row("training", lambda: trainer_fit(_TinyRegression(), _tiny_data(nan=True)),
                                FloatingPointError, "epoch 0"),
    "Trainer.fit empty data": Row("training", lambda: trainer_fit(_TinyRegression(), _tiny_data(rows=0)),
                                  ValueError, "no batches"),
    "RNNLMScratch(lr=inf)": Row("training", lambda: d2l.RNNLMScratch(d2l.RNNScratch(2, 2), 2, lr=float("inf")),
                                ValueError, "lr"),
    "ProgressBoard(xscale='foo')": Row("training", lambda: d2l.ProgressBoard(xscale="foo"), ValueError, "xscale"),
    # ---------------------------------------------------------------------------- scratch
    "RNNScratch(0, 2)": Row("scratch", lambda: d2l.RNNScratch(0, 2), ValueError, "num_inputs"),
    "RNNScratch(np.int64)": Row("scratch", lambda: d2l.RNNScratch(np.int64(2), np.int64(3)), None,
                                check=lambda m: m.num_hiddens == 3),
    "LSTMScratch(2, 0)": Row("scratch", lambda: d2l.LSTMScratch(2, 0), ValueError, "num_hiddens"),
    "GRUScratch(2.5, 2)": Row("scratch", lambda: d2l.GRUScratch(2.5, 2), ValueError, "num_inputs"),
    "RNNScratch wrong features": Row("scratch", lambda: d2l.RNNScratch(2, 3)(t(np.ones((4, 1, 5)))), ValueError,
                                     "time step 0"),
    "StackedRNNScratch(num_layers=0)": Row("scratch", lambda: scratch.StackedRNNScratch(2, 3, 0), ValueError,
                                           "num_layers"),
    "BiRNNScratch(rnn=nn.LSTM)": Row("scratch", lambda: d2l.BiRNNScratch(2, 3, rnn=nn.LSTM), TypeError, "rnn"),
    "RNNLMScratch(vocab_size=0)": Row("scratch", lambda: d2l.RNNLMScratch(d2l.RNNScratch(2, 2), 0), ValueError,
                                      "vocab_size"),
    "RNNLMScratch(rnn=3)": Row("scratch", lambda: d2l.RNNLMScratch(3, 2), TypeError, "rnn"),
    "predict(num_preds=-1)": Row("scratch", lambda: _lm().predict("ab", -1, _vocab()), ValueError, "num_preds"),
    "predict(prefix='')": Row("scratch", lambda: _lm().predict("", 2, _vocab()), ValueError, "prefix"),
    # ------------------------------------------------------------------------------ data
    "Vocab.to_tokens([-1])": Row("data", lambda: _vocab().to_tokens([-1]), IndexError, "indices"),
    "Vocab.to_tokens(99)": Row("data", lambda: _vocab().to_tokens(99), IndexError, "indices"),
    "Vocab.to_tokens(np.int64)": Row("data", lambda: _vocab().to_tokens(np.int64(1)), None,
                                     check=lambda tok: isinstance(tok, str)),
    "Vocab(min_freq=-1)": Row("data", lambda: data.Vocab(["a"], min_freq=-1), ValueError, "min_freq"),
    "Vocab(tokens=3)": Row("data", lambda: data.Vocab(3), TypeError, "tokens"),
    "TimeMachine(batch_size=0)": Row("data", lambda: d2l.TimeMachine(0, 5), ValueError, "batch_size"),
    "TimeMachine(num_steps=1e9)": Row("data", lambda: d2l.TimeMachine(2, 10 ** 9), ValueError, "num_steps"),
    "TimeMachine no validation": Row("data", lambda: _warns(lambda: d2l.TimeMachine(2, 5, num_val=0)), None,
                                     check=lambda w: any("no validation" in str(x.message) for x in w)),
    "TensorLoader([])": Row("data", lambda: data.TensorLoader([], 2), ValueError, "arrays"),
    "TensorLoader(batch_size=0)": Row("data", lambda: data.TensorLoader([np.ones(3)], 0), ValueError, "batch_size"),
    "TensorLoader lengths": Row("data", lambda: data.TensorLoader([np.ones(3), np.ones(2)], 2), ValueError,
                                "arrays"),
    "seq_data_iter_random(num_steps=0)": Row("data", lambda: list(data.seq_data_iter_random(list(range(20)), 2, 0)),
                                             ValueError, "num_steps"),
    "seq_data_iter_sequential(batch_size=0)": Row("data", lambda: list(data.seq_data_iter_sequential(
        list(range(20)), 0, 2)), ValueError, "batch_size"),
    "pad_sequences(padding='mid')": Row("data", lambda: data.pad_sequences([[1]], padding="mid"), ValueError,
                                        "padding"),
    "pad_sequences(maxlen=-1)": Row("data", lambda: data.pad_sequences([[1]], maxlen=-1), ValueError, "maxlen"),
    "pad_sequences(truncating='x')": Row("data", lambda: data.pad_sequences([[1]], truncating="x"), ValueError,
                                         "truncating"),
    "pad_sequences(3)": Row("data", lambda: data.pad_sequences(3), ValueError, "sequences"),
    "download('foo')": Row("data", lambda: data.download("foo"), ValueError, "name"),
    "download(cache_dir=3)": Row("data", lambda: data.download("time_machine", 3), TypeError, "cache_dir"),
    "D2LRNN_DATA is a file": Row("data", lambda: _with_env("D2LRNN_DATA", tmpfile("data.txt", b"x"),
                                                           lambda: data.download("time_machine")),
                                 OSError, "D2LRNN_DATA"),
    "load_sentiment_sentences('foo')": Row("data", lambda: data.load_sentiment_sentences("foo"), ValueError,
                                           "source"),
    # ------------------------------------------------------------------------------ viz
    "heatmap(1-D)": Row("viz", lambda: viz.heatmap(np.ones(3)), ValueError, "matrix"),
    "heatmap(labels length)": Row("viz", lambda: viz.heatmap(np.ones((2, 2)), xlabels=["a"]), ValueError, "xlabels"),
    "rnn_output_shapes('foo')": Row("viz", lambda: viz.rnn_output_shapes("foo", 2, 3, 4), ValueError, "layer"),
    "rnn_output_shapes(batch_size=0)": Row("viz", lambda: viz.rnn_output_shapes("LSTM", 0, 3, 4), ValueError,
                                           "batch_size"),
    "rnn_output_shapes(np.int64)": Row("viz", lambda: viz.rnn_output_shapes("LSTM", np.int64(2), 3, 4), None,
                                       check=lambda shapes: len(shapes) >= 1),
    "rnn_param_count(units=0)": Row("viz", lambda: viz.rnn_param_count("GRU", 3, 0), ValueError, "units"),
    "draw_graph(array)": Row("viz", lambda: viz.draw_graph(np.ones(2)), TypeError, "tensor"),
    "draw_graph(max_nodes=0)": Row("viz", lambda: viz.draw_graph(leaf() * 2, max_nodes=0), ValueError, "max_nodes"),
    "plot_gradient_norms([])": Row("viz", lambda: viz.plot_gradient_norms([]), ValueError, "norms"),
    "plot_gradient_norms('a')": Row("viz", lambda: viz.plot_gradient_norms("abc"), (TypeError, ValueError),
                                    "norms"),
}


# ---------------------------------------------------------------------------- helpers used above
def _with_env(name, value, fn):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        return fn()
    finally:
        if old is None:
            os.environ.pop(name)
        else:
            os.environ[name] = old


def _warns(fn):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return caught


def _vocab():
    return data.Vocab(list("abcab"))


def _lm():
    d2l.seed(0)
    return d2l.RNNLMScratch(d2l.RNNScratch(len(_vocab()), 4), len(_vocab()))


def _built_model():
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


class _TinyRegression(d2l.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(2, 1)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        return F.mse(y_hat, y)

    def configure_optimizers(self):
        return nn.SGD(self.net.parameters(), 0.1)

    def parameters(self):
        return self.net.parameters()


def _tiny_data(nan=False, rows=4):
    X = np.ones((rows, 2), np.float32)
    if nan:
        X[0, 0] = np.nan

    class Tiny(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 2

        def get_dataloader(self, train):
            return self.get_tensorloader([d2l.tensor(X), d2l.tensor(np.ones((rows, 1), np.float32))], train) \
                if train else None

    return Tiny()


# ------------------------------------------------------------------------------------- the tests
@pytest.fixture(autouse=True)
def _tmp(tmp_path, monkeypatch):
    global TMP
    TMP = str(tmp_path)
    monkeypatch.setattr(backend, "_default_device", None)
    d2l.seed(0)


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_input(name):
    row = ROWS[name]
    if row.error is None:
        result = row.call()
        assert row.check(result), f"{name}: wrong result {result!r}"
        return
    with pytest.raises(row.error) as info:
        row.call()
    message = str(info.value)
    assert row.needle in message, f"{name}: message does not name {row.needle!r}: {message}"
    assert "Traceback" not in message


def test_the_table_is_large_enough():
    counts = collections.Counter(row.package for row in ROWS.values())
    assert sum(counts.values()) >= 150, counts
    assert set(counts) >= {"autograd", "backend", "nn", "layers", "models", "training", "scratch", "data", "viz"}
