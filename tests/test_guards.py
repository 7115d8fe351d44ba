"""Guards against silent wrong results: saved-array versions, detect_anomaly, NaN in training,
Keras's masked outputs, devices of wrapper layers, all-or-nothing loading, download deadlines."""
import dataclasses
import http.server
import importlib
import os
import socketserver
import threading
import time

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, models, nn
from d2lrnn.data.download import CacheDirectoryError, DataSet, DownloadError, download
from test_backend import FakeGpuArray, fake_cupy  # noqa: F401  (the fixture)

download_module = importlib.import_module("d2lrnn.data.download")


# ------------------------------------------------------------------ saved-array versions
def test_data_write_before_backward_raises_naming_op_tensor_and_line():
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data[0] = 100
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert "Mul" in message and "input 0" in message and "shape (2,)" in message
    assert "test_guards.py" in message and "x.data[0] = 100" in message  # the line that wrote
    assert "after backward" in message and "copy" in message


def test_recording_line_is_named_under_detect_anomaly():
    with d2l.autograd.detect_anomaly():
        x = d2l.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()  # the recording line
        x.data -= 1
        with pytest.raises(RuntimeError, match=r"recorded at .*test_guards.py:\d+ \(y = \(x \* x\)\.sum\(\)"):
            y.backward()


def test_zeroing_a_saved_output_raises():
    x = d2l.tensor([0.5, -1.0], requires_grad=True)
    h = x.tanh()
    loss = h.sum()
    h.data[:] = 0
    with pytest.raises(RuntimeError, match="Tanh"):
        loss.backward()


@pytest.mark.parametrize("write", [
    lambda t: t.data.__setitem__(0, 5.0),
    lambda t: t.data.__isub__(1.0),
    lambda t: t.data.__imul__(2.0),
    lambda t: t.data.fill(0.0),
    lambda t: np.multiply(t.data, 2.0, out=t.data),
    lambda t: t.data[0:1].__setitem__(0, 5.0),  # through a view of the data
    lambda t: t.data.reshape(2, 1).__iadd__(1.0),
])
def test_every_guarded_write_path_raises(write):
    w = d2l.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    write(w)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_the_books_update_after_backward_stays_free_and_correct():
    w = d2l.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        w.grad = None
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.1 * w.grad
    np.testing.assert_allclose(w.numpy(), np.array([1.0, 2.0]) * 0.8 ** 3, rtol=1e-6)


def test_a_write_to_an_array_no_op_saved_is_allowed():
    x = d2l.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()  # Add saves nothing: its gradient does not depend on x
    x.data[0] = 100
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_an_update_before_backward_in_a_scratch_rnn_is_refused():
    d2l.seed(0)
    model = d2l.RNNLMScratch(d2l.RNNScratch(num_inputs=5, num_hiddens=4), vocab_size=5, lr=0.1)
    X = d2l.tensor(np.arange(6).reshape(2, 3) % 5)
    Y = d2l.tensor((np.arange(6).reshape(2, 3) + 1) % 5)
    loss = model.loss(model(X), Y)
    for p in model.parameters():
        p.data -= 0.1  # one line too early
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_data_is_a_plain_looking_array():
    t = d2l.tensor([1.0, 2.0])
    assert isinstance(t.data, np.ndarray)
    assert repr(t.data) == repr(np.array([1.0, 2.0], dtype=np.float32))
    assert type(t.data * 2) is np.ndarray and type(t.data.copy()) is np.ndarray
    t.data = np.zeros(3, np.float32)  # assignment of a new array: nothing saved is touched
    assert t.shape == (3,)


def test_zero_dim_tensors_keep_arrays():
    x = d2l.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == () and x.grad == 6.0
    assert isinstance(y.data, np.ndarray) and y.data.shape == ()


# ----------------------------------------------------------------------- detect_anomaly
def test_detect_anomaly_names_the_forward_op_and_line():
    x = d2l.tensor([1.0, 0.0], requires_grad=True)
    with d2l.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(RuntimeError, match=r"forward of Log produced Inf.*test_guards.py"):
            x.log()
    assert not d2l.autograd.is_anomaly_enabled()


def test_detect_anomaly_names_the_backward_op():
    x = d2l.tensor([0.0, 4.0], requires_grad=True)
    with d2l.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = (x ** 0.5).sum()  # finite forward, infinite derivative at 0
        with pytest.raises(RuntimeError, match=r"backward of Pow produced Inf.*input 0.*test_guards.py"):
            y.backward()


def test_detect_anomaly_sees_an_unguarded_write_by_checksum():
    with d2l.autograd.detect_anomaly():
        x = d2l.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        np.copyto(x.data, 5.0)  # not a guarded write path
        with pytest.raises(RuntimeError, match="Mul"):
            y.backward()


def test_without_anomaly_mode_an_overflow_goes_through():
    x = d2l.tensor([1e30], requires_grad=True)
    with np.errstate(over="ignore"):
        y = (x * x).sum()
    assert np.isinf(y.item())


# -------------------------------------------------------------------------- NaN in training
class _Regression(d2l.Module):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Linear(2, 1)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        return d2l.autograd.mse(y_hat, y)

    def configure_optimizers(self):
        return nn.SGD(self.parameters(), self.lr)

    def parameters(self):
        return self.net.parameters()


class _Data(d2l.DataModule):
    def __init__(self, X, y):
        super().__init__()
        self.X, self.y, self.batch_size = X, y, 2

    def get_dataloader(self, train):
        return self.get_tensorloader([self.X, self.y], train) if train else None


def _nan_data():
    X = np.ones((6, 2), np.float32)
    X[3, 0] = np.nan
    return _Data(d2l.tensor(X), d2l.tensor(np.ones((6, 1), np.float32)))


def test_trainer_stops_at_a_nan_loss_before_the_update(monkeypatch):
    d2l.seed(0)
    model = _Regression()
    monkeypatch.setattr(np.random, "permutation", lambda n: np.arange(n))  # batch 1 holds the NaN
    with pytest.raises(FloatingPointError, match=r"epoch 0 .*batch 1 .*clipping.*learning rate.*detect_anomaly"):
        d2l.Trainer(max_epochs=2).fit(model, _nan_data())
    assert np.isfinite(model.net.weight.numpy()).all()


def test_trainer_on_nan_continue_trains_on(monkeypatch):
    model = _Regression()
    d2l.Trainer(max_epochs=1, on_nan="continue").fit(model, _nan_data())
    assert np.isnan(model.net.weight.numpy()).all()


def test_trainer_detect_anomaly_names_the_op():
    with pytest.raises(RuntimeError, match="detect_anomaly: the forward of MatMul"):
        d2l.Trainer(max_epochs=1, detect_anomaly=True).fit(_Regression(), _nan_data())


def test_keras_fit_stops_at_nan_and_continue_keeps_kerass_behaviour():
    x = np.ones((8, 2), np.float32)
    y = np.ones((8, 1), np.float32)
    y[5] = np.nan  # NaN labels with MSE used to give accuracy 1.0
    model = models.Sequential([layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(FloatingPointError, match=r"epoch 0 .*batch 2 "):
        model.fit(x, y, batch_size=2, shuffle=False, verbose=0)
    history = model.fit(x, y, batch_size=2, shuffle=False, verbose=0, on_nan="continue")
    assert np.isnan(history.history["loss"][0])


# ----------------------------------------------------------------- Keras's masked outputs
@pytest.mark.keras
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("padding", ["right", "left"])
@pytest.mark.parametrize("use_fused", [None, False])
def test_masked_outputs_equal_keras(name, go_backwards, padding, use_fused):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("needs KERAS_BACKEND=torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 3)).astype(np.float32)
    mask = {"right": np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool),
            "left": np.array([[0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1]], bool)}[padding]
    states = [rng.standard_normal((3, 5)).astype(np.float32) for _ in range(2 if name == "LSTM" else 1)]
    theirs = getattr(keras.layers, name)(5, return_sequences=True, return_state=True, go_backwards=go_backwards)
    expected = [keras.ops.convert_to_numpy(o) for o in theirs(x, mask=mask, initial_state=states)]
    ours = getattr(layers, name)(5, return_sequences=True, return_state=True, go_backwards=go_backwards,
                                 use_fused=use_fused)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    got = [o.numpy() for o in ours(x, mask=mask, initial_state=states)]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)


# ------------------------------------------------------------------------------- devices
@pytest.mark.parametrize("make", [
    lambda: layers.SimpleRNN(3, use_fused=False), lambda: layers.LSTM(3, use_fused=False),
    lambda: layers.GRU(3, use_fused=False), lambda: layers.RNN(layers.GRUCell(3), use_fused=False),
    lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.LSTMCell(2)]), use_fused=False),
    lambda: layers.Bidirectional(layers.LSTM(3, use_fused=False)), lambda: layers.Dense(3),
], ids=["SimpleRNN", "LSTM", "GRU", "RNN", "StackedRNNCells", "Bidirectional", "Dense"])
def test_a_wrapper_layer_follows_its_sublayers_to_the_gpu(fake_cupy, make):
    layer = make()
    x = np.ones((2, 4, 5), np.float32)
    layer(x)
    layer.to("gpu")
    assert layer._device() == "gpu"
    assert isinstance(layer._to_tensor(x).data, FakeGpuArray)
    layer(x)  # no mixed-device error


def test_sequential_follows_its_layers_to_the_gpu(fake_cupy):
    model = models.Sequential([layers.Embedding(10, 4), layers.LSTM(3, use_fused=False), layers.Dense(2)])
    x = np.ones((2, 4), np.int64)
    model(x)
    model.to("gpu")
    assert model._device() == "gpu"
    assert isinstance(model(x).data, FakeGpuArray)


# --------------------------------------------------------------------- all-or-nothing loading
def test_set_weights_changes_nothing_when_one_value_is_bad():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="dense.*bias.*dtype <U1"):
        layer.set_weights([np.zeros((3, 2)), np.array(["a", "b"])])
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_load_state_dict_changes_nothing_when_one_value_is_bad():
    linear = nn.Linear(3, 2)
    before = linear.state_dict()
    with pytest.raises(ValueError, match="bias"):
        linear.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)})
    np.testing.assert_array_equal(linear.weight.numpy(), before["weight"])


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"hello"])
def test_module_load_names_a_file_that_is_not_a_weights_file(tmp_path, content):
    path = tmp_path / "weights.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path}.*not a d2lrnn weights file"):
        nn.Linear(2, 2).load(str(path))


def test_optimizers_refuse_a_gradient_of_another_shape():
    p = nn.Parameter(np.ones((2, 1), np.float32))
    p.grad = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"params\[0\]\.grad has shape \(2, 3\).*\(2, 1\)"):
        nn.SGD([p], lr=0.1).step()
    assert p.shape == (2, 1)


# ------------------------------------------------------------------------------- downloads
class _Trickle(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(100000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


def test_a_trickling_server_meets_the_overall_deadline(monkeypatch, tmp_path):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slow.txt"
        monkeypatch.setitem(download_module.DATA_HUB, "slow",
                            DataSet(urls=(url,), files={"slow.txt": download_module.Checksum("sha256", "0" * 64)}))
        monkeypatch.setattr(download_module, "DEADLINE_SECONDS", 1.0)
        monkeypatch.setattr(download_module, "TIMEOUT_SECONDS", 1.0)
        start = time.monotonic()
        with pytest.raises(DownloadError, match="longer than 1.0 s"):
            download("slow", str(tmp_path / "cache"))
        assert time.monotonic() - start < 5
        assert os.listdir(tmp_path / "cache") == []  # no partial file left
    finally:
        server.shutdown()
        server.server_close()


def test_a_data_folder_that_is_a_file_is_a_local_problem(monkeypatch, tmp_path):
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("x")
    monkeypatch.setenv("D2LRNN_DATA", str(not_a_folder))
    monkeypatch.setattr(download_module.urllib.request, "urlopen", None)  # never reached
    with pytest.raises(CacheDirectoryError, match="D2LRNN_DATA.*is a file, not a folder"):
        download("time_machine")


def download_only(monkeypatch, name):
    """The data set as if it did not ship inside the package: only the cache can provide it."""
    monkeypatch.setitem(download_module.DATA_HUB, name, dataclasses.replace(download_module.DATA_HUB[name],
                                                                            packaged=False))


def test_a_cache_that_cannot_be_created_is_a_local_problem(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("x")
    download_only(monkeypatch, "time_machine")
    monkeypatch.setattr(download_module.urllib.request, "urlopen", None)
    with pytest.raises(CacheDirectoryError, match="cannot create the cache directory"):
        download("time_machine", str(tmp_path / "file" / "cache"))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_cache_is_a_local_problem(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    download_only(monkeypatch, "time_machine")
    monkeypatch.setattr(download_module.urllib.request, "urlopen", None)
    with pytest.raises(CacheDirectoryError, match="not writable"):
        download("time_machine", str(cache))


def test_a_terminate_on_nan_callback_decides_as_in_keras():
    x = np.ones((8, 2), np.float32)
    y = np.ones((8, 1), np.float32)
    y[3] = np.nan
    model = models.Sequential([layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=2, shuffle=False, verbose=0, epochs=3,
                        callbacks=[models.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1  # stopped after the first epoch, without an exception
