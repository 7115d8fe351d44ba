"""pad_sequences against arrays written by hand (Keras 3 semantics) and a list-based oracle."""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lrnn.data import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6, 7]]

EXPECTED = {
    # (maxlen, padding, truncating): expected
    (None, "pre", "pre"): [[0, 0, 0, 1], [0, 0, 2, 3], [4, 5, 6, 7]],
    (None, "pre", "post"): [[0, 0, 0, 1], [0, 0, 2, 3], [4, 5, 6, 7]],
    (None, "post", "pre"): [[1, 0, 0, 0], [2, 3, 0, 0], [4, 5, 6, 7]],
    (None, "post", "post"): [[1, 0, 0, 0], [2, 3, 0, 0], [4, 5, 6, 7]],
    (3, "pre", "pre"): [[0, 0, 1], [0, 2, 3], [5, 6, 7]],
    (3, "pre", "post"): [[0, 0, 1], [0, 2, 3], [4, 5, 6]],
    (3, "post", "pre"): [[1, 0, 0], [2, 3, 0], [5, 6, 7]],
    (3, "post", "post"): [[1, 0, 0], [2, 3, 0], [4, 5, 6]],
    (5, "pre", "pre"): [[0, 0, 0, 0, 1], [0, 0, 0, 2, 3], [0, 4, 5, 6, 7]],
    (5, "pre", "post"): [[0, 0, 0, 0, 1], [0, 0, 0, 2, 3], [0, 4, 5, 6, 7]],
    (5, "post", "pre"): [[1, 0, 0, 0, 0], [2, 3, 0, 0, 0], [4, 5, 6, 7, 0]],
    (5, "post", "post"): [[1, 0, 0, 0, 0], [2, 3, 0, 0, 0], [4, 5, 6, 7, 0]],
    (1, "pre", "pre"): [[1], [3], [7]],
    (1, "post", "post"): [[1], [2], [4]],
}


@pytest.mark.parametrize("maxlen, padding, truncating", sorted(EXPECTED, key=str))
def test_every_padding_truncating_maxlen_combination(maxlen, padding, truncating):
    out = pad_sequences(SEQUENCES, maxlen=maxlen, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(out, np.array(EXPECTED[maxlen, padding, truncating]))
    assert out.dtype == np.int32


def test_maxlen_zero_and_no_sequences():
    assert pad_sequences(SEQUENCES, maxlen=0).shape == (3, 0)
    assert pad_sequences([]).shape == (0, 0)


def test_empty_sequences_become_all_padding_with_the_fill_value():
    out = pad_sequences([[], [3, 4], []], value=-1)
    np.testing.assert_array_equal(out, [[-1, -1], [3, 4], [-1, -1]])


def test_dtypes():
    np.testing.assert_array_equal(pad_sequences([[0.5, 1.7]]), [[0, 1]])  # int32 truncates, as Keras
    out = pad_sequences([[0.5], [1.5, 2.5]], dtype="float32", padding="post", value=0.25)
    np.testing.assert_array_equal(out, np.array([[0.5, 0.25], [1.5, 2.5]], dtype=np.float32))
    words = pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["<pad>", "a"], ["b", "c"]]


def test_items_that_are_vectors():
    out = pad_sequences([np.ones((1, 2)), np.full((3, 2), 2.0)], maxlen=2, dtype="float32", padding="post")
    np.testing.assert_array_equal(out, [[[1, 1], [0, 0]], [[2, 2], [2, 2]]])


def test_arrays_and_tuples_are_accepted():
    out = pad_sequences((np.array([1, 2]), (3,), range(4, 7)))
    np.testing.assert_array_equal(out, [[0, 1, 2], [0, 0, 3], [4, 5, 6]])


@pytest.mark.parametrize("kwargs, message", [
    (dict(padding="left"), 'Padding type "left" not understood'),
    (dict(truncating="middle"), 'Truncating type "middle" not understood'),
    (dict(value="<pad>"), "value: a string fill value needs dtype=object"),
    (dict(maxlen=-1), "maxlen: expected None or an int >= 0, got -1"),
    (dict(maxlen=2.0), "maxlen: expected None or an int >= 0, got 2.0"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences(SEQUENCES, **kwargs)


def test_bad_sequences():
    with pytest.raises(ValueError, match="must be a list of iterables. Found non-iterable: 3 at position 1"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match=r"item shape \(3,\) of the sequence at position 1 differs from \(2,\)"):
        pad_sequences([np.zeros((1, 2)), np.zeros((1, 3))])


def oracle(sequences, maxlen, padding, truncating, value):
    """A list-by-list restatement of the Keras rules."""
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    rows = []
    for s in sequences:
        s = list(s)
        kept = (s[len(s) - maxlen:] if len(s) > maxlen else s) if truncating == "pre" else s[:maxlen]
        fill = [value] * (maxlen - len(kept))
        rows.append(fill + kept if padding == "pre" else kept + fill)
    return np.array(rows, dtype=np.int32).reshape(len(sequences), maxlen)


@settings(max_examples=150, deadline=None)
@given(sequences=st.lists(st.lists(st.integers(-100, 100), max_size=7), max_size=5),
       maxlen=st.one_of(st.none(), st.integers(0, 8)),
       padding=st.sampled_from(["pre", "post"]), truncating=st.sampled_from(["pre", "post"]),
       value=st.integers(-3, 3))
def test_matches_the_oracle(sequences, maxlen, padding, truncating, value):
    out = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=value)
    np.testing.assert_array_equal(out, oracle(sequences, maxlen, padding, truncating, value))


@pytest.mark.keras
def test_matches_keras():
    """maxlen=0 is left out: Keras keeps the whole sequence there (s[-0:]) and then fails to store it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras runs on the installed PyTorch
    import keras

    for maxlen in (None, 2, 6):
        for padding in ("pre", "post"):
            for truncating in ("pre", "post"):
                expected = keras.utils.pad_sequences(SEQUENCES + [[]], maxlen=maxlen, padding=padding,
                                                     truncating=truncating, value=9)
                np.testing.assert_array_equal(
                    pad_sequences(SEQUENCES + [[]], maxlen=maxlen, padding=padding, truncating=truncating, value=9),
                    expected)
