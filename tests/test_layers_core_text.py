"""TextVectorization against hand-computed vocabularies and Keras's documented example."""
import numpy as np
import pytest

from d2lrnn import layers


def test_keras_doc_example():
    tv = layers.TextVectorization(output_sequence_length=4)
    tv.adapt(["foo bar", "bar baz", "baz bada boom"])
    # counts: bar 2, baz 2, then bada, boom, foo once; ties go to the token that sorts last.
    assert tv.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = tv(["foo qux bar"])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[4, 1, 3, 0]])


def test_standardize_split_and_frequency_order():
    tv = layers.TextVectorization()
    tv.adapt(["The cat, the DOG!", "the cat toy's", "A dog\u0085barked"])
    # lower case + strip ASCII punctuation ("toy's" -> "toys"); split on ASCII whitespace only,
    # so U+0085 stays inside "dog\x85barked".
    # counts: the 3, cat 2, then dog, toys, a, dog\x85barked once each (ties: descending bytes).
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "cat", "toys", "dog\u0085barked", "dog", "a"]
    assert tv.vocabulary_size() == 8
    ids = tv(["the dog.", "zebra cat the"]).numpy()
    vocab = tv.get_vocabulary()
    np.testing.assert_array_equal(ids, [[2, vocab.index("dog"), 0], [1, 3, 2]])  # padded to the longest


def test_max_tokens_counts_the_reserved_entries_and_ties_sort_descending():
    tv = layers.TextVectorization(max_tokens=4)
    tv.adapt(["a a a b b c", "c c d"])
    # counts: a 3, c 3, b 2, d 1; room for 4 - 2 = 2 learned tokens; 'c' beats 'a' on the tie.
    assert tv.get_vocabulary() == ["", "[UNK]", "c", "a"]


def test_truncation_and_fixed_length():
    tv = layers.TextVectorization(output_sequence_length=2, vocabulary=["x", "y"])
    np.testing.assert_array_equal(tv(["y x x", "x", ""]).numpy(), [[3, 2], [2, 0], [0, 0]])


def test_other_modes():
    tv = layers.TextVectorization(standardize=None, split="character", output_mode="count", vocabulary=["a", "B"])
    np.testing.assert_array_equal(tv(["aaBc"]).numpy(), [[0, 1, 2, 1]])
    hot = layers.TextVectorization(output_mode="multi_hot", vocabulary=["a", "b"])
    np.testing.assert_array_equal(hot(["a a z"]).numpy(), [[0, 1, 1, 0]])
    whole = layers.TextVectorization(split=None, vocabulary=["new york"])
    np.testing.assert_array_equal(whole(["New York", "Paris"]).numpy(), [[2], [1]])


def test_given_vocabulary_with_or_without_reserved_entries():
    a = layers.TextVectorization(vocabulary=["", "[UNK]", "hi"])
    b = layers.TextVectorization(vocabulary=["hi"])
    assert a.get_vocabulary() == b.get_vocabulary() == ["", "[UNK]", "hi"]
    with pytest.raises(ValueError, match="unique"):
        layers.TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="first two"):
        layers.TextVectorization(vocabulary=["a", "[UNK]"])


def test_numpy_inputs_and_errors():
    tv = layers.TextVectorization(vocabulary=["ok"])
    np.testing.assert_array_equal(tv(np.array([["ok"], ["no"]])).numpy(), [[2], [1]])
    with pytest.raises(TypeError, match="single string"):
        tv("ok")
    with pytest.raises(TypeError, match="strings"):
        tv([1, 2])
    with pytest.raises(ValueError, match="output_mode"):
        layers.TextVectorization(output_mode="tf_idf_like")
    with pytest.raises(ValueError, match="max_tokens"):
        layers.TextVectorization(max_tokens=2)
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")


def test_config_round_trip():
    tv = layers.TextVectorization(max_tokens=10, output_sequence_length=3)
    tv.adapt(["b a", "a"])
    clone = layers.TextVectorization.from_config(tv.get_config())
    assert clone.get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_array_equal(clone(["a b c"]).numpy(), tv(["a b c"]).numpy())
