"""Keras losses and metrics of d2lrnn.models against NumPy formulas; the summary table format."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import d2lrnn as d2l
from d2lrnn.models import losses, metrics
from d2lrnn.models.callbacks import History
from d2lrnn.models.summary import column_widths, format_shape, format_summary, readable_memory_size

EPS = 1e-7


def _probabilities(rng, shape):
    p = rng.random(shape) + 0.05
    return p / p.sum(-1, keepdims=True)


def test_binary_crossentropy_matches_numpy(rng):
    p = rng.random((6, 1))
    p[0, 0], p[1, 0] = 0.0, 1.0  # clipped to [eps, 1 - eps] like Keras
    y = rng.integers(0, 2, size=6)
    clipped = np.clip(p[:, 0], EPS, 1 - EPS)
    expected = -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    got = losses.binary_crossentropy(y, d2l.tensor(p, dtype="float64"))
    assert got.shape == (6,)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_binary_crossentropy_from_logits_is_stable(rng):
    z = np.array([[-800.0], [-3.0], [0.0], [2.5], [900.0]])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    expected = np.logaddexp(0, -z[:, 0]) * y + np.logaddexp(0, z[:, 0]) * (1 - y)
    got = losses.binary_crossentropy(y, d2l.tensor(z, dtype="float64"), from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_categorical_crossentropy_matches_numpy(rng):
    p = _probabilities(rng, (5, 4)) * 3.0  # Keras renormalises to sum 1 first
    labels = rng.integers(0, 4, size=5)
    y = np.eye(4)[labels]
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    expected = -np.log(q[np.arange(5), labels])
    got = losses.categorical_crossentropy(y, d2l.tensor(p, dtype="float64"))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    sparse = losses.sparse_categorical_crossentropy(labels, d2l.tensor(p, dtype="float64"))
    np.testing.assert_allclose(sparse.numpy(), expected, rtol=1e-12)
    column = losses.sparse_categorical_crossentropy(labels[:, None], d2l.tensor(p, dtype="float64"))
    np.testing.assert_allclose(column.numpy(), expected, rtol=1e-12)


def test_crossentropy_from_logits_on_sequences(rng):
    z = rng.normal(size=(2, 3, 4)) * 5
    labels = rng.integers(0, 4, size=(2, 3))
    log_p = z - z.max(-1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    got = losses.sparse_categorical_crossentropy(labels, d2l.tensor(z, dtype="float64"), from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    got = losses.categorical_crossentropy(np.eye(4)[labels], d2l.tensor(z, dtype="float64"), from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


def test_regression_losses(rng):
    p, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(losses.mean_squared_error(y, d2l.tensor(p, dtype="float64")).numpy(),
                               ((p - y) ** 2).mean(-1))
    np.testing.assert_allclose(losses.mean_absolute_error(y, d2l.tensor(p, dtype="float64")).numpy(),
                               np.abs(p - y).mean(-1))
    # (B,) targets meet (B, 1) predictions, as in Keras.
    np.testing.assert_allclose(losses.mean_squared_error(y[:, 0], d2l.tensor(p[:, :1], dtype="float64")).numpy(),
                               (p[:, 0] - y[:, 0]) ** 2)


@pytest.mark.parametrize("name, from_logits", [
    ("binary_crossentropy", False), ("binary_crossentropy", True), ("categorical_crossentropy", False),
    ("categorical_crossentropy", True), ("sparse_categorical_crossentropy", True), ("mse", None)])
def test_loss_gradients_by_finite_differences(name, from_logits, rng):
    binary = name.startswith("binary")
    pred = rng.random((4, 1 if binary else 3)) * 0.8 + 0.1
    if name == "sparse_categorical_crossentropy":
        y = rng.integers(0, 3, size=4)
    elif binary:
        y = rng.integers(0, 2, size=4).astype(float)
    else:
        y = np.eye(3)[rng.integers(0, 3, size=4)]
    loss = losses.get(name)
    if from_logits is not None:
        loss = type(loss)(from_logits=from_logits)
    d2l.gradcheck(lambda p: losses.reduce_loss(loss(y, p)), pred)


def test_masked_reduction_averages_valid_entries_only(rng):
    values = rng.random((2, 3))
    mask = np.array([[True, True, False], [True, False, False]])
    got = losses.reduce_loss(d2l.tensor(values, dtype="float64"), mask)
    np.testing.assert_allclose(got.item(), values[mask].mean())
    np.testing.assert_allclose(losses.reduce_loss(d2l.tensor(values, dtype="float64")).item(), values.mean())


def test_unknown_loss_and_wrong_target_shape():
    with pytest.raises(ValueError, match="unknown loss 'hinge_like'"):
        losses.get("hinge_like")
    with pytest.raises(TypeError, match="loss"):
        losses.get(3)
    with pytest.raises(ValueError, match="y_true"):
        losses.binary_crossentropy(np.zeros(3), d2l.zeros(4, 1))


def test_accuracy_is_resolved_from_shapes_like_keras3():
    y_bin, p_bin = np.array([1, 0, 1, 0]), np.array([[0.9], [0.6], [0.4], [0.1]])
    m = metrics.get("accuracy", y_bin, p_bin)
    m.update(y_bin, p_bin)
    assert m.name == "accuracy" and m.result() == 0.5
    logits = metrics.get("acc", y_bin, p_bin - 0.5, from_logits=True)  # threshold 0 on logits
    logits.update(y_bin, p_bin - 0.5)
    assert logits.name == "acc" and logits.result() == 0.5

    p = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    sparse = metrics.get("accuracy", np.array([1, 2, 2]), p)
    sparse.update(np.array([1, 2, 2]), p)
    assert sparse.result() == pytest.approx(2 / 3)
    onehot = metrics.get("accuracy", np.eye(3)[[1, 0, 0]], p)
    onehot.update(np.eye(3)[[1, 0, 0]], p)
    assert onehot.result() == pytest.approx(2 / 3)


def test_metric_accumulates_over_batches_with_mask():
    m = metrics.MeanMetric(metrics.sparse_categorical_accuracy, "accuracy")
    p = np.eye(3)[[[0, 1, 2], [2, 2, 2]]]  # (2, 3, 3): predictions per step
    y = np.array([[0, 1, 0], [2, 0, 0]])
    mask = np.array([[True, True, False], [True, False, False]])
    m.update(y, p, mask)
    assert m.result() == 1.0  # every valid step is right; the wrong ones are padding
    m.update(np.array([[1, 1, 1]]), np.eye(3)[[[0, 1, 2]]])
    assert m.result() == pytest.approx(4 / 6)
    m.reset()
    assert m.result() == 0.0


def test_unknown_metric():
    with pytest.raises(ValueError, match="unknown metric 'f7'"):
        metrics.get("f7", np.zeros(2), np.zeros((2, 1)))


def test_history_records_each_epoch():
    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    h.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.75})
    assert h.epoch == [0, 1]
    assert h.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}


def test_memory_sizes_and_shapes():
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(92785 * 4) == "362.44 KB"
    assert readable_memory_size(1024) == "1.00 KB"
    assert readable_memory_size(3 * 1024**2) == "3.00 MB"
    assert format_shape((None, 20, 64)) == "(None, 20, 64)"
    assert format_shape((None,)) == "(None,)"
    assert format_shape([(None, 4), (None, 4)]) == "[(None, 4), (None, 4)]"
    assert format_shape(None) == "?"
    assert sum(column_widths(88)) + 4 == 88


# The Keras 3 summary of spec §9, copied character for character.
SPEC_SUMMARY = """\
Model: "seq_model"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ embedding (Embedding)                │ (None, 20, 64)              │          64,000 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ bidirectional (Bidirectional)        │ (None, 20, 64)              │          24,832 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ gru (GRU)                            │ (None, 16)                  │           3,936 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense (Dense)                        │ (None, 1)                   │              17 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 92,785 (362.44 KB)
 Trainable params: 92,785 (362.44 KB)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_table_matches_the_keras_layout():
    rows = [("embedding (Embedding)", "(None, 20, 64)", "64,000"),
            ("bidirectional (Bidirectional)", "(None, 20, 64)", "24,832"),
            ("gru (GRU)", "(None, 16)", "3,936"), ("dense (Dense)", "(None, 1)", "17")]
    assert format_summary("seq_model", rows, 92785, 0, 92785 * 4, 0) == SPEC_SUMMARY


def test_summary_wraps_long_cells():
    text = format_summary("m", [("a_very_long_layer_name_that_does_not_fit (SomeLongLayerType)", "?",
                                 "0 (unbuilt)")], 0, 0, 0, 0)
    lines = text.splitlines()
    assert all(len(line) == 88 for line in lines[1:-3])
    assert lines[4].startswith("│ a_very_long_layer_name_that_does_not │ ?")
    assert lines[5].startswith("│ _fit (SomeLongLayerType)             │  ")


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 5), steps=st.integers(0, 4), seed=st.integers(0, 1000), masked=st.booleans(),
       weighting=st.sampled_from(["none", "per_sample", "per_entry"]))
def test_reduce_loss_is_keras_sum_over_batch_size(batch, steps, seed, masked, weighting):
    rng = np.random.default_rng(seed)
    shape = (batch, steps) if steps else (batch,)
    values = rng.uniform(0, 3, shape)
    mask = rng.random(shape) < 0.7 if masked and steps else None
    weights = {"none": None, "per_sample": rng.uniform(0, 2, batch), "per_entry": rng.uniform(0, 2, shape)}[weighting]
    full = np.ones(shape) if weights is None else np.broadcast_to(
        weights.reshape(weights.shape + (1,) * (len(shape) - weights.ndim)), shape)
    counted = np.ones(shape) if mask is None else mask.astype(float)
    # Keras divides by the unmasked count (no NaN when nothing counts: the sum is 0 then)
    expected = (values * full * counted).sum() / (max(counted.sum(), 1) if mask is not None else values.size)
    got = losses.reduce_loss(d2l.tensor(values, dtype="float64"), mask, weights)
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12, atol=1e-12)
