"""TensorLoader and DataModule: batch sizes, coverage, shuffling under d2lrnn.seed."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.data import DataModule, TensorLoader


def collect(loader):
    return [tuple(t.numpy() for t in batch) for batch in loader]


def test_unshuffled_batches_are_consecutive_rows_with_a_short_last_batch():
    features = np.arange(20).reshape(10, 2)
    labels = np.arange(10) * 10
    loader = TensorLoader([features, labels], batch_size=4)
    batches = collect(loader)
    assert len(loader) == len(batches) == 3
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), features)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), labels)


def test_shuffled_batches_cover_every_row_once_and_keep_rows_aligned():
    features = np.arange(30).reshape(15, 2)
    loader = TensorLoader([features, features[:, 0] // 2], batch_size=4, shuffle=True)
    x, y = (np.concatenate(parts) for parts in zip(*collect(loader)))
    assert sorted(x[:, 0].tolist()) == features[:, 0].tolist()
    assert not np.array_equal(x, features)  # the seeded order is not the identity
    np.testing.assert_array_equal(y, x[:, 0] // 2)


def test_seed_makes_the_order_reproducible_and_each_pass_draws_anew():
    loader = TensorLoader([np.arange(50)], batch_size=50, shuffle=True)
    d2l.seed(7)
    first, second = collect(loader)[0][0], collect(loader)[0][0]
    d2l.seed(7)
    again = collect(loader)[0][0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)
    np.random.seed(7)
    np.testing.assert_array_equal(first, np.random.permutation(50))


def test_batches_are_tensors_that_keep_the_dtype():
    (x, y), = TensorLoader([np.ones((3, 2), dtype=np.int64), d2l.tensor([0.5, 1.5, 2.5])], batch_size=3)
    assert isinstance(x, d2l.Tensor) and x.dtype == np.int64 and x.device == "cpu"
    assert y.dtype == np.float32 and y.shape == (3,)


def test_loader_arguments_are_checked():
    with pytest.raises(ValueError, match=r"arrays: expected the same number of rows in every array, got \[3, 4\]"):
        TensorLoader([np.zeros(3), np.zeros(4)], batch_size=2)
    with pytest.raises(ValueError, match="batch_size: expected a positive int, got 0"):
        TensorLoader([np.zeros(3)], batch_size=0)


class Squares(DataModule):
    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.x = d2l.arange(12)
        self.y = self.x * self.x

    def get_dataloader(self, train):
        indices = slice(0, 8) if train else slice(8, None)
        return self.get_tensorloader((self.x, self.y), train, indices)


def test_datamodule_splits_and_shuffles_only_training_data():
    data = Squares(batch_size=3)
    train, val = data.train_dataloader(), data.val_dataloader()
    assert (len(train), len(val)) == (3, 2)
    train_x = np.concatenate([x for x, _ in collect(train)])
    assert sorted(train_x.tolist()) == list(range(8))
    val_batches = collect(val)
    assert [x.tolist() for x, _ in val_batches] == [[8, 9, 10], [11]]
    assert [y.tolist() for _, y in val_batches] == [[64, 81, 100], [121]]


def test_datamodule_needs_get_dataloader_and_batch_size():
    with pytest.raises(NotImplementedError, match="DataModule must implement get_dataloader"):
        DataModule().train_dataloader()
    with pytest.raises(AttributeError, match="batch_size is not set"):
        DataModule().get_tensorloader([np.zeros(3)], train=True)
