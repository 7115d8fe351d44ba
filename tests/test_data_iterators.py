"""seq_data_iter_random / seq_data_iter_sequential on corpus = 0, 1, ..., n - 1, where a token is its position."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.data import seq_data_iter_random, seq_data_iter_sequential

SEEDS = range(60)


def batches(iterator):
    return [(x.numpy(), y.numpy()) for x, y in iterator]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_iter_cuts_non_overlapping_aligned_pieces(seed):
    """The book's example: corpus range(35), batch_size 2, num_steps 5."""
    d2l.seed(seed)
    out = batches(seq_data_iter_random(list(range(35)), batch_size=2, num_steps=5))
    starts = np.concatenate([x[:, 0] for x, _ in out])
    offset = starts.min() % 5
    num_subseqs = (35 - offset - 1) // 5
    assert len(out) == num_subseqs // 2
    assert len(set(starts.tolist())) == len(starts)                     # each piece at most once
    assert all(s % 5 == offset and s + 5 < 35 for s in starts)          # aligned on the offset; Y fits
    for x, y in out:
        assert x.shape == y.shape == (2, 5)
        np.testing.assert_array_equal(x, x[:, :1] + np.arange(5))       # contiguous pieces
        np.testing.assert_array_equal(y, x + 1)                         # Y is X one token ahead


def test_random_iter_offsets_and_orders_vary_over_seeds():
    offsets, orders = set(), set()
    for seed in SEEDS:
        d2l.seed(seed)
        starts = tuple(np.concatenate([x[:, 0] for x, _ in batches(seq_data_iter_random(range(35), 2, 5))]))
        offsets.add(min(starts) % 5)
        orders.add(starts)
    assert offsets == {0, 1, 2, 3, 4}
    assert len(orders) > 30


@pytest.mark.parametrize("seed", SEEDS)
def test_sequential_batches_continue_each_other(seed):
    d2l.seed(seed)
    out = batches(seq_data_iter_sequential(np.arange(35), batch_size=2, num_steps=5))
    offset = out[0][0][0, 0]
    num_tokens = (35 - offset - 1) // 2 * 2
    row_length = num_tokens // 2
    assert len(out) == row_length // 5
    for k, (x, y) in enumerate(out):
        assert x.shape == y.shape == (2, 5)
        np.testing.assert_array_equal(y, x + 1)
        # row i is stream i: it starts at offset + i * row_length and batch k reads columns [5k, 5k + 5)
        expected = offset + np.arange(2)[:, None] * row_length + 5 * k + np.arange(5)
        np.testing.assert_array_equal(x, expected)
    for (x_prev, _), (x_next, _) in zip(out, out[1:]):
        np.testing.assert_array_equal(x_next[:, 0], x_prev[:, -1] + 1)  # the state may be carried over


def test_sequential_offset_is_drawn_from_0_to_num_steps_minus_1():
    """The book draws from [0, num_steps], both ends inclusive (d2l-zh PR #1337); offset 5 never occurs here."""
    offsets = set()
    for seed in SEEDS:
        d2l.seed(seed)
        offsets.add(int(next(seq_data_iter_sequential(range(35), 2, 5))[0].numpy()[0, 0]))
    assert offsets == {0, 1, 2, 3, 4}


def test_batches_are_integer_tensors_and_a_tensor_corpus_works():
    x, y = next(seq_data_iter_sequential(d2l.tensor(np.arange(100)), 4, 3))
    assert isinstance(x, d2l.Tensor) and x.dtype == np.int64 and y.shape == (4, 3)


def test_a_corpus_too_short_for_one_batch_yields_nothing():
    assert batches(seq_data_iter_random(range(8), batch_size=2, num_steps=5)) == []


@pytest.mark.parametrize("iterator", [seq_data_iter_random, seq_data_iter_sequential])
def test_bad_arguments_fail_when_called_not_when_iterated(iterator):
    with pytest.raises(ValueError, match="num_steps: expected a positive int, got 0"):
        iterator(range(10), 2, 0)
    with pytest.raises(ValueError, match="batch_size: expected a positive int, got 2.0"):
        iterator(range(10), 2.0, 3)
    with pytest.raises(ValueError, match=r"corpus: expected a flat sequence of integer token indices.*\(2, 5\)"):
        iterator(np.zeros((2, 5), dtype=int), 2, 3)
