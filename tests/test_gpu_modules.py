"""Every kind of layer and model moved to the GPU gives the CPU's outputs and gradients.

Each case builds a model, runs it on the CPU, moves it with ``.to('gpu')`` and runs it again on
the same input (a NumPy array, as a student passes one), then compares every output and every
parameter gradient. The ``simulated`` device runs everywhere (``simulated_gpu.py``: NumPy arrays
of a marker class, so any array left on the CPU is caught by the engine's device check, and the
kernels' CUDA bodies run through NumPy); the ``cuda`` device runs on a real GPU with CuPy.
"""
from __future__ import annotations

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import backend, layers, models, nn
from d2lrnn.kernels import cupy_kernels
from simulated_gpu import make_simulated_cupy

RNG = np.random.default_rng(0)
T, B, D, H, VOCAB = 5, 3, 4, 6, 7


def time_major() -> np.ndarray:
    return RNG.standard_normal((T, B, D)).astype(np.float32)


def batch_major() -> np.ndarray:
    return RNG.standard_normal((B, T, D)).astype(np.float32)


def tokens() -> np.ndarray:
    return RNG.integers(1, VOCAB, size=(B, T))


# name -> (build the model, make its input)
CASES = {
    "nn.Linear": (lambda: nn.Linear(D, H), batch_major),
    "nn.Embedding": (lambda: nn.Embedding(VOCAB, H), tokens),
    "nn.RNN": (lambda: nn.RNN(D, H), time_major),
    "nn.LSTM 2 layers bidirectional": (lambda: nn.LSTM(D, H, num_layers=2, bidirectional=True), time_major),
    "nn.GRU batch_first": (lambda: nn.GRU(D, H, batch_first=True), batch_major),
    "layers.Dense": (lambda: layers.Dense(H, activation="tanh"), batch_major),
    "layers.Embedding": (lambda: layers.Embedding(VOCAB, H), tokens),
    "layers.SimpleRNN": (lambda: layers.SimpleRNN(H, return_sequences=True), batch_major),
    "layers.LSTM return_state": (lambda: layers.LSTM(H, return_state=True), batch_major),
    "layers.GRU go_backwards": (lambda: layers.GRU(H, go_backwards=True, return_sequences=True), batch_major),
    "layers.LSTM generic loop": (lambda: layers.LSTM(H, recurrent_activation="hard_sigmoid"), batch_major),
    "layers.Bidirectional(LSTM)": (lambda: layers.Bidirectional(layers.LSTM(H, return_sequences=True)), batch_major),
    "models.Sequential": (lambda: models.Sequential([layers.Embedding(VOCAB, H, mask_zero=True),
                                                     layers.Bidirectional(layers.GRU(H)),
                                                     layers.Dense(2)]), tokens),
    "scratch.RNNScratch": (lambda: d2l.RNNScratch(D, H), time_major),
    "scratch.LSTMScratch": (lambda: d2l.LSTMScratch(D, H), time_major),
    "scratch.GRUScratch": (lambda: d2l.GRUScratch(D, H), time_major),
    "scratch.StackedRNNScratch": (lambda: d2l.StackedRNNScratch(D, H, num_layers=2), time_major),
    "scratch.BiRNNScratch": (lambda: d2l.BiRNNScratch(D, H), time_major),
    "scratch.RNNLMScratch(GRUScratch)": (lambda: d2l.RNNLMScratch(d2l.GRUScratch(VOCAB, H), VOCAB), tokens),
}


def tensors_in(result) -> list:
    """Every Tensor in a model's result (a Tensor, or nested tuples and lists of them)."""
    if isinstance(result, d2l.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in tensors_in(r)]
    return []


def run(model, x: np.ndarray) -> tuple[list, list]:
    """Outputs and parameter gradients (NumPy copies) of a random weighting of every output.

    The book's scratch models take Tensors (as the book's take torch tensors), made here on the
    model's device; the other models take the NumPy array itself.
    """
    parameters = model.parameters()
    for p in parameters:
        p.grad = None
    if type(model).__module__.startswith("d2lrnn.scratch"):
        x = d2l.tensor(x, device=parameters[0].device)
    outputs = tensors_in(model(x))
    weights = np.random.default_rng(1)
    loss = None
    for y in outputs:
        w = d2l.tensor(weights.standard_normal(y.shape), dtype=y.dtype, device=y.device)
        loss = (y * w).sum() if loss is None else loss + (y * w).sum()
    loss.backward()
    grads = [backend.to_numpy(p.grad) for p in model.parameters()]
    return [y.numpy() for y in outputs], grads


def clear_kernel_caches() -> None:
    for value in vars(cupy_kernels).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()


@pytest.fixture(params=["simulated", pytest.param("cuda", marks=pytest.mark.gpu)])
def gpu(request, monkeypatch):
    """A GPU for the test: the simulated one, or the real one (gpu-marked)."""
    if request.param == "simulated":
        monkeypatch.setattr(backend, "cupy", make_simulated_cupy())
    monkeypatch.setattr(backend, "_default_device", None)
    backend._checked_device.cache_clear()
    clear_kernel_caches()
    yield request.param
    clear_kernel_caches()
    backend._checked_device.cache_clear()


@pytest.mark.parametrize("name", list(CASES))
def test_module_on_gpu_matches_cpu(name, gpu):
    build, make_input = CASES[name]
    d2l.seed(0)
    model = build()
    x = make_input()
    cpu_outputs, cpu_grads = run(model, x)
    assert cpu_grads, f"{name}: no parameters"
    model.to("gpu")
    assert all(p.device == "gpu" for p in model.parameters())
    gpu_outputs, gpu_grads = run(model, x)
    assert len(gpu_outputs) == len(cpu_outputs)
    for got, want in zip(gpu_outputs, cpu_outputs):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    for got, want in zip(gpu_grads, cpu_grads):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-4)


def test_gradcheck_runs_where_its_inputs_are(gpu):
    weights = d2l.tensor([[0.2, -1.0, 3.0]], device="gpu")  # a constant of the function, on the GPU
    logits = d2l.tensor([[1.0, 2.0, 0.5]], device="gpu")
    assert d2l.gradcheck(lambda o: d2l.autograd.functional.softmax(o) * weights, logits)
    with pytest.raises(AssertionError, match="gradcheck: input 0"):  # and it still catches a wrong gradient
        d2l.gradcheck(lambda o: WrongTanh.apply(o) * weights, logits)


class WrongTanh(d2l.Function):
    """tanh with the derivative 1 - y (not 1 - y^2): gradcheck must notice."""

    def forward(self, x):
        y = self.xp.tanh(x)
        self.save(y)
        return y

    def backward(self, grad):
        (y,) = self.saved
        return grad * (1 - y)


def test_language_model_takes_tokens_from_anywhere(gpu):
    model = d2l.RNNLMScratch(d2l.GRUScratch(VOCAB, H), VOCAB).to("gpu")
    cpu_tokens = d2l.tensor(tokens(), device="cpu")  # as a data set stores them
    for X in (cpu_tokens, cpu_tokens.numpy(), cpu_tokens.numpy().tolist()):
        assert model(X).device == "gpu"
