"""Packed sequences: ``nn.utils.rnn`` and ``nn.RNN/LSTM/GRU`` on a ``PackedSequence``.

Always: padding and packing against layouts built here with NumPy loops; packed modules
against the reference loop of ``test_nn_rnn`` run on each sequence alone (its own length,
no padding at all); gradients through packing against finite differences.
With PyTorch installed: every function and every module option against
``torch.nn.utils.rnn`` and torch.nn.RNN/LSTM/GRU, outputs, h_n, c_n and all gradients.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import d2lrnn as d2l
from d2lrnn import nn
from d2lrnn.nn.utils import rnn as rnn_utils
from test_nn_rnn import MODULES, build, reference, torch_twin

LENGTHS = {"sorted": [5, 3, 3, 1], "unsorted": [2, 5, 1, 4]}


def padded_batch(lengths, features=3, batch_first=False, seed=0):
    """Random (T, B, features) data whose steps past each length are NaN: they must never be read."""
    rng = np.random.default_rng(seed)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal((T, B, features))
    for b, n in enumerate(lengths):
        x[n:, b] = np.nan
    return x.transpose(1, 0, 2) if batch_first else x


# --------------------------------------------------------------------- padding and packing
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_numpy(batch_first, padding_side):
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    padded = rnn_utils.pad_sequence([d2l.tensor(s) for s in sequences], batch_first=batch_first,
                                    padding_value=-7.0, padding_side=padding_side)
    expected = np.full((4, 3, 2), -7.0)
    for b, s in enumerate(sequences):
        if padding_side == "right":
            expected[:len(s), b] = s
        else:
            expected[4 - len(s):, b] = s
    np.testing.assert_array_equal(padded.numpy(), expected.transpose(1, 0, 2) if batch_first else expected)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("order", list(LENGTHS))
def test_pack_padded_sequence_matches_numpy_layout(order, batch_first):
    lengths = LENGTHS[order]
    x = padded_batch(lengths, batch_first=batch_first)
    packed = rnn_utils.pack_padded_sequence(d2l.tensor(x), lengths, batch_first=batch_first,
                                            enforce_sorted=order == "sorted")
    time_major = x.transpose(1, 0, 2) if batch_first else x
    by_length = sorted(range(len(lengths)), key=lambda b: -lengths[b])  # stable: ties keep their order
    rows, batch_sizes = [], []
    for t in range(max(lengths)):
        running = [b for b in by_length if lengths[b] > t]
        batch_sizes.append(len(running))
        rows.extend(time_major[t, b] for b in running)
    np.testing.assert_array_equal(packed.data.numpy(), np.array(rows))
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), batch_sizes)
    assert packed.batch_sizes.dtype == np.int64
    if order == "sorted":
        assert packed.sorted_indices is None and packed.unsorted_indices is None
    else:
        np.testing.assert_array_equal(packed.sorted_indices.numpy(), by_length)
        np.testing.assert_array_equal(packed.unsorted_indices.numpy(), np.argsort(by_length))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("order", list(LENGTHS))
def test_pad_packed_sequence_undoes_packing(order, batch_first):
    lengths = LENGTHS[order]
    x = padded_batch(lengths, batch_first=batch_first)
    packed = rnn_utils.pack_padded_sequence(d2l.tensor(x), lengths, batch_first=batch_first, enforce_sorted=False)
    padded, got_lengths = rnn_utils.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-1.0,
                                                        total_length=7)
    expected = np.where(np.isnan(x), -1.0, x)
    pad = np.full((len(lengths), 2, 3) if batch_first else (2, len(lengths), 3), -1.0)
    expected = np.concatenate([expected, pad], axis=1 if batch_first else 0)
    np.testing.assert_array_equal(padded.numpy(), expected)
    np.testing.assert_array_equal(got_lengths.numpy(), lengths)


def test_pack_sequence_equals_pad_then_pack():
    rng = np.random.default_rng(0)
    sequences = [d2l.tensor(rng.standard_normal((n, 2))) for n in (3, 5, 2)]
    packed = rnn_utils.pack_sequence(sequences, enforce_sorted=False)
    again = rnn_utils.pack_padded_sequence(rnn_utils.pad_sequence(sequences), [3, 5, 2], enforce_sorted=False)
    np.testing.assert_array_equal(packed.data.numpy(), again.data.numpy())
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [3, 3, 2, 1, 1])


def test_gradients_flow_through_padding_and_packing():
    lengths = [2, 4, 1]

    def pad_pack_pad(a, b, c):
        packed = rnn_utils.pack_sequence([a, b, c], enforce_sorted=False)
        padded, _ = rnn_utils.pad_packed_sequence(packed, batch_first=True)
        return padded * padded

    rng = np.random.default_rng(0)
    d2l.gradcheck(pad_pack_pad, *[rng.standard_normal((n, 2)) for n in lengths])


# ------------------------------------------------------------------------ packed modules
PACKED_CONFIGS = [dict(num_layers=1), dict(num_layers=2, bidirectional=True), dict(num_layers=2, batch_first=True),
                  dict(num_layers=1, bidirectional=True, bias=False)]


def config_id(config):
    return ",".join(f"{k}={v}" for k, v in config.items())


@pytest.mark.parametrize("order", list(LENGTHS))
@pytest.mark.parametrize("config", PACKED_CONFIGS, ids=config_id)
@pytest.mark.parametrize("kind", list(MODULES))
def test_packed_module_equals_each_sequence_run_alone(kind, config, order):
    """A packed batch gives, for every sequence, what the reference loop gives on that sequence alone."""
    lengths = LENGTHS[order]
    module = build(kind, **config)
    x = padded_batch(lengths, batch_first=module.batch_first)
    rng = np.random.default_rng(1)
    states = [rng.standard_normal((module.num_layers * module.num_directions, len(lengths), module.hidden_size))
              for _ in range(module.state_count)]
    packed = rnn_utils.pack_padded_sequence(d2l.tensor(x), lengths, batch_first=module.batch_first,
                                            enforce_sorted=order == "sorted")
    hx = tuple(d2l.tensor(s) for s in states) if module.state_count == 2 else d2l.tensor(states[0])
    output, finals = module(packed, hx)
    assert isinstance(output, rnn_utils.PackedSequence)
    np.testing.assert_array_equal(output.batch_sizes.numpy(), packed.batch_sizes.numpy())
    padded, _ = rnn_utils.pad_packed_sequence(output, batch_first=module.batch_first)
    finals = finals if isinstance(finals, tuple) else (finals,)
    time_major = x.transpose(1, 0, 2) if module.batch_first else x
    padded_tm = padded.numpy().transpose(1, 0, 2) if module.batch_first else padded.numpy()
    module_time_major = build(kind, **{k: v for k, v in config.items() if k != "batch_first"})
    module_time_major.load_state_dict(module.state_dict())
    for b, n in enumerate(lengths):
        alone = reference(kind, module_time_major, d2l.tensor(time_major[:n, b:b + 1]),
                          [d2l.tensor(s[:, b:b + 1]) for s in states])
        np.testing.assert_allclose(padded_tm[:n, b], alone[0].numpy()[:, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(padded_tm[n:, b], 0.0)
        for final, want in zip(finals, alone[1:]):
            np.testing.assert_allclose(final.numpy()[:, b], want.numpy()[:, 0], rtol=1e-12, atol=1e-12)


def test_packed_gru_gradients_match_finite_differences():
    module = build("gru", num_layers=2, bidirectional=True, input_size=2, hidden_size=3)
    lengths = [3, 1, 2]
    names = [name for name, _ in module.named_parameters()]

    def run(x, h0, *weights):
        for name, w in zip(names, weights):
            setattr(module, name, w)
        packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=False)
        output, h_n = module(packed, h0)
        return output.data, h_n

    rng = np.random.default_rng(0)
    weights = [p.numpy() for p in module.parameters()]
    d2l.gradcheck(run, rng.standard_normal((3, 3, 2)), rng.standard_normal((4, 3, 3)), *weights)


def test_packed_batch_runs_on_the_fused_kernels(monkeypatch):
    """No slow path: each bidirectional layer is one kernel call (both directions), given the lengths."""
    import d2lrnn.nn.rnn as rnn_module

    calls = []
    for name in ("lstm_sequence", "lstm_bidirectional"):
        original = getattr(rnn_module, name)

        def spy(*args, _original=original, **kwargs):
            calls.append(kwargs.get("lengths"))
            return _original(*args, **kwargs)

        monkeypatch.setattr(rnn_module, name, spy)
    module = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    packed = rnn_utils.pack_padded_sequence(d2l.randn(5, 3, 3), [2, 5, 3], enforce_sorted=False)
    module(packed)
    assert len(calls) == 2
    for lengths in calls:
        np.testing.assert_array_equal(lengths, [5, 3, 2])  # sorted order


# ---------------------------------------------------------------------------- bad input
def bad_lengths_cases():
    x = d2l.zeros(4, 3, 2)
    return [
        (lambda: rnn_utils.pack_padded_sequence(x, [4, 2, 0]), ValueError, r"every length must be at least 1"),
        (lambda: rnn_utils.pack_padded_sequence(x, [4, -1, 1]), ValueError, r"every length must be at least 1"),
        (lambda: rnn_utils.pack_padded_sequence(x, [5, 2, 1]), ValueError,
         r"lengths must not exceed the 4 time steps of the input, got a length of 5"),
        (lambda: rnn_utils.pack_padded_sequence(x, [2, 4, 1]), ValueError,
         r"lengths must be sorted in decreasing order when enforce_sorted=True, got \[2, 4, 1\]"),
        (lambda: rnn_utils.pack_padded_sequence(x, [4, 2]), ValueError,
         r"lengths must have one entry per sequence, expected 3 \(the batch size\), got 2"),
        (lambda: rnn_utils.pack_padded_sequence(x, [4.0, 2.0, 1.0]), TypeError, r"lengths must hold integers"),
        (lambda: rnn_utils.pack_padded_sequence(x, [[4, 2, 1]]), ValueError, r"lengths must be a 1-D sequence"),
        (lambda: rnn_utils.pack_padded_sequence(d2l.zeros(4), [4]), ValueError, r"input must have shape"),
        (lambda: rnn_utils.pad_packed_sequence(rnn_utils.pack_padded_sequence(x, [4, 2, 1]), total_length=3),
         ValueError, r"total_length must be at least the length of the longest sequence, 4, got total_length=3"),
        (lambda: rnn_utils.pad_packed_sequence(x), TypeError, r"sequence must be a PackedSequence"),
        (lambda: rnn_utils.pad_sequence([d2l.zeros(2, 3), d2l.zeros(2, 4)]), ValueError,
         r"sequences\[1\] has shape \(2, 4\)"),
        (lambda: rnn_utils.pad_sequence([d2l.zeros(2)], padding_side="middle"), ValueError,
         r"padding_side must be 'right' or 'left', got 'middle'"),
        (lambda: rnn_utils.pad_sequence([]), TypeError, r"sequences must be a non-empty list"),
        (lambda: nn.GRU(3, 4)(rnn_utils.pack_padded_sequence(x, [4, 2, 1])), ValueError,
         r"GRU: input must have 3 features"),
        (lambda: nn.GRU(2, 4)(rnn_utils.pack_padded_sequence(x, [4, 2, 1]), d2l.zeros(1, 2, 4)), ValueError,
         r"h0 must have shape \(1, 3, 4\)"),
    ]


@pytest.mark.parametrize("case", range(len(bad_lengths_cases())))
def test_bad_lengths_and_shapes_get_clear_errors(case):
    fn, error, message = bad_lengths_cases()[case]
    with pytest.raises(error, match=message):
        fn()


# --------------------------------------------------------------------------- PyTorch
@pytest.mark.torch
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    import torch

    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((n, 2, 3)) for n in (2, 4, 1)]
    ours = rnn_utils.pad_sequence([d2l.tensor(s) for s in sequences], batch_first, 0.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in sequences], batch_first, 0.5, padding_side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("order", list(LENGTHS))
@pytest.mark.parametrize("config", PACKED_CONFIGS, ids=config_id)
@pytest.mark.parametrize("kind", list(MODULES))
def test_packed_module_matches_torch(kind, config, order):
    import torch

    theirs_module, module = torch_twin(kind, **config)
    lengths = LENGTHS[order]
    rng = np.random.default_rng(2)
    x = padded_batch(lengths, batch_first=module.batch_first)
    x = np.nan_to_num(x, nan=0.0) + 0.0
    states = [rng.standard_normal((module.num_layers * module.num_directions, len(lengths), 4))
              for _ in range(module.state_count)]
    enforce = order == "sorted"

    x_ours = d2l.tensor(x, requires_grad=True)
    s_ours = [d2l.tensor(s, requires_grad=True) for s in states]
    x_theirs = torch.tensor(x, requires_grad=True)
    s_theirs = [torch.tensor(s, requires_grad=True) for s in states]
    out_ours, fin_ours = module(rnn_utils.pack_padded_sequence(x_ours, lengths, module.batch_first, enforce),
                                tuple(s_ours) if module.state_count == 2 else s_ours[0])
    out_theirs, fin_theirs = theirs_module(
        torch.nn.utils.rnn.pack_padded_sequence(x_theirs, torch.tensor(lengths), module.batch_first, enforce),
        tuple(s_theirs) if module.state_count == 2 else s_theirs[0])
    fin_ours = fin_ours if isinstance(fin_ours, tuple) else (fin_ours,)
    fin_theirs = fin_theirs if isinstance(fin_theirs, tuple) else (fin_theirs,)
    np.testing.assert_allclose(out_ours.data.numpy(), out_theirs.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(fin_ours, fin_theirs):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)

    weights = [rng.standard_normal(out_ours.data.shape)] + [rng.standard_normal(f.shape) for f in fin_ours]
    loss_ours = sum(((f * w).sum() for f, w in zip(fin_ours, weights[1:])), (out_ours.data * weights[0]).sum())
    loss_theirs = sum(((f * torch.tensor(w)).sum() for f, w in zip(fin_theirs, weights[1:])),
                      (out_theirs.data * torch.tensor(weights[0])).sum())
    loss_ours.backward()
    loss_theirs.backward()
    np.testing.assert_allclose(x_ours.grad, x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    for a, b in zip(s_ours, s_theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs_module.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_unpad_and_unpack_give_the_sequences_back():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    sequences = [d2l.tensor(a) for a in arrays]
    for got, want in zip(rnn_utils.unpack_sequence(rnn_utils.pack_sequence(sequences, enforce_sorted=False)), arrays):
        np.testing.assert_array_equal(got.numpy(), want)
    padded = rnn_utils.pad_sequence(sequences, batch_first=True)
    for got, want in zip(rnn_utils.unpad_sequence(padded, [3, 5, 1], batch_first=True), arrays):
        np.testing.assert_array_equal(got.numpy(), want)
    with pytest.raises(ValueError, match=r"unpad_sequence: lengths must hold 3 values in \[0, 5\], got \[3, 6, 1\]"):
        rnn_utils.unpad_sequence(padded, [3, 6, 1], batch_first=True)


@pytest.mark.torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_functions_match_torch(batch_first):
    import torch

    lengths = [2, 5, 1, 4]
    x = np.nan_to_num(padded_batch(lengths, batch_first=batch_first))
    ours = rnn_utils.pack_padded_sequence(d2l.tensor(x), lengths, batch_first, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), batch_first,
                                                     enforce_sorted=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    padded_ours, len_ours = rnn_utils.pad_packed_sequence(ours, batch_first, 9.0, total_length=6)
    padded_theirs, len_theirs = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, 9.0, total_length=6)
    np.testing.assert_array_equal(padded_ours.numpy(), padded_theirs.numpy())
    np.testing.assert_array_equal(len_ours.numpy(), len_theirs.numpy())
    sequences = [x[b, :n] if batch_first else x[:n, b] for b, n in enumerate(lengths)]
    ours = rnn_utils.pack_sequence([d2l.tensor(s) for s in sequences], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in sequences], enforce_sorted=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ----------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 6), min_size=1, max_size=5), batch_first=st.booleans(),
       extra=st.integers(0, 2))
def test_pack_then_pad_gives_back_the_batch_with_its_padding_zeroed(lengths, batch_first, extra):
    x = np.nan_to_num(padded_batch(lengths, features=2, batch_first=batch_first), nan=5.0)
    packed = rnn_utils.pack_padded_sequence(d2l.tensor(x), lengths, batch_first=batch_first, enforce_sorted=False)
    sizes = packed.batch_sizes.numpy()
    assert packed.data.shape == (sum(lengths), 2) and sizes.sum() == sum(lengths)
    assert (np.diff(sizes) <= 0).all() and len(sizes) == max(lengths)
    padded, got = rnn_utils.pad_packed_sequence(packed, batch_first=batch_first, total_length=max(lengths) + extra)
    time_major = padded.numpy().transpose(1, 0, 2) if batch_first else padded.numpy()
    original = x.transpose(1, 0, 2) if batch_first else x
    np.testing.assert_array_equal(got.numpy(), lengths)
    for b, n in enumerate(lengths):
        np.testing.assert_array_equal(time_major[:n, b], original[:n, b])
        assert (time_major[n:, b] == 0).all()
