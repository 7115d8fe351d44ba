"""Packed sequences, the nn cells and the containers on the GPU give the CPU's numbers.

Uses the ``gpu`` fixture of ``test_gpu_modules``: a simulated GPU everywhere (any array left
on the CPU is caught by the engine's device check), the real one in ``gpu``-marked runs.
"""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import backend, nn
from d2lrnn.nn.utils import rnn as rnn_utils
from test_gpu_modules import gpu  # noqa: F401  (the fixture)

LENGTHS = [2, 5, 1, 4]


def packed_run(module, x, h0, device):
    """Pack x (T, B, D) with unsorted lengths on ``device``, run, unpack; outputs and every gradient."""
    for p in module.parameters():
        p.grad = None
    x = d2l.tensor(x, requires_grad=True, device=device)
    h0 = d2l.tensor(h0, requires_grad=True, device=device)
    hx = (h0, h0 * 2) if isinstance(module, nn.LSTM) else h0
    output, state = module(rnn_utils.pack_padded_sequence(x, LENGTHS, enforce_sorted=False), hx)
    padded, lengths = rnn_utils.pad_packed_sequence(output, batch_first=True, total_length=6)
    h_n = state[0] if isinstance(state, tuple) else state
    weights = np.random.default_rng(1)
    loss = (padded * d2l.tensor(weights.standard_normal(padded.shape), dtype=padded.dtype, device=device)).sum() + \
        (h_n * h_n).sum()
    loss.backward()
    assert padded.device == device and lengths.device == "cpu"
    return [padded.numpy(), h_n.numpy(), backend.to_numpy(x.grad), backend.to_numpy(h0.grad)] + \
        [backend.to_numpy(p.grad) for p in module.parameters()]


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_packed_module_on_gpu_matches_cpu(cls, gpu):  # noqa: F811
    d2l.seed(0)
    module = cls(3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 3)).astype(np.float32)
    h0 = rng.standard_normal((4, 4, 4)).astype(np.float32)
    on_cpu = packed_run(module, x, h0, "cpu")
    module.to("gpu")
    on_gpu = packed_run(module, x, h0, "gpu")
    for got, want in zip(on_gpu, on_cpu):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def test_padding_functions_and_cells_stay_on_the_gpu(gpu):  # noqa: F811
    sequences = [d2l.randn(n, 2, device="gpu") for n in (3, 1, 2)]
    assert rnn_utils.pad_sequence(sequences, padding_side="left").device == "gpu"
    assert rnn_utils.pack_sequence(sequences, enforce_sorted=False).data.device == "gpu"
    for cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        cell = cls(2, 3, device="gpu")
        out = cell(d2l.randn(4, 2, device="gpu"))
        assert (out[0] if isinstance(out, tuple) else out).device == "gpu"
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Flatten()).to("gpu").double()
    assert model[0].weight.device == "gpu" and model[0].weight.dtype == np.float64
    assert np.asarray(model(d2l.ones(1, 2, device="gpu", dtype="float64"))).shape == (1, 3)
