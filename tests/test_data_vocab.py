"""Vocab against frequencies and indices counted by hand."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.data import Vocab


def test_frequencies_and_indices_of_a_hand_counted_text():
    vocab = Vocab(list("abracadabra"))
    # a:5  b:2  r:2  c:1  d:1 ; ties keep the order of first appearance (b before r, c before d)
    assert vocab.token_freqs == [("a", 5), ("b", 2), ("r", 2), ("c", 1), ("d", 1)]
    # '<' (0x3C) sorts before the lowercase letters
    assert vocab.idx_to_token == ["<unk>", "a", "b", "c", "d", "r"]
    assert vocab.token_to_idx == {"<unk>": 0, "a": 1, "b": 2, "c": 3, "d": 4, "r": 5}
    assert len(vocab) == 6 and vocab.unk == 0


def test_unk_is_not_always_zero():
    vocab = Vocab(list("hi there"))  # the space sorts before '<unk>'
    assert vocab.idx_to_token[:2] == [" ", "<unk>"]
    assert vocab.unk == 1 and vocab["?"] == 1


def test_lines_are_flattened_and_min_freq_and_reserved_tokens_apply():
    lines = [["the", "cat", "sat"], ["the", "dog"], ["the", "cat"]]
    vocab = Vocab(lines, min_freq=2, reserved_tokens=["<pad>", "<eos>"])
    assert vocab.token_freqs == [("the", 3), ("cat", 2), ("sat", 1), ("dog", 1)]
    assert vocab.idx_to_token == ["<eos>", "<pad>", "<unk>", "cat", "the"]
    assert vocab["dog"] == vocab.unk == 2  # below min_freq: unknown


def test_getitem_maps_tokens_lists_and_nested_tuples():
    vocab = Vocab(list("abc"))
    assert vocab["b"] == 2
    assert vocab[["a", "c", "zz"]] == [1, 3, 0]
    assert vocab[(["a"], ("b", "c"))] == [[1], [2, 3]]


@pytest.mark.parametrize("indices, expected", [
    ([], []),                       # the book's version returns idx_to_token[[]] -> TypeError
    ([2], ["b"]),                   # the book's version fails on one-element lists
    ([1, 3], ["a", "c"]),
    (2, "b"),
    (np.int64(3), "c"),
    (np.array([3, 1]), ["c", "a"]),
    ([[1, 2], [3, 0]], [["a", "b"], ["c", "<unk>"]]),
])
def test_to_tokens_of_every_length(indices, expected):
    assert Vocab(list("abc")).to_tokens(indices) == expected


def test_to_tokens_of_a_tensor_and_round_trip():
    vocab = Vocab("time travel".split())
    indices = vocab[["travel", "time", "travel"]]
    assert vocab.to_tokens(d2l.tensor(indices)) == ["travel", "time", "travel"]
    assert vocab.to_tokens(d2l.tensor(indices[0])) == "travel"


def test_empty_vocab_holds_only_unk():
    vocab = Vocab()
    assert vocab.idx_to_token == ["<unk>"] and len(vocab) == 1 and vocab["x"] == 0


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="min_freq: expected an int"):
        Vocab(["a"], min_freq=1.5)
    with pytest.raises(TypeError, match="reserved_tokens: expected a list of tokens, got the string"):
        Vocab(["a"], reserved_tokens="<pad>")


def test_time_machine_characters_match_the_book():
    """The book prints indices [21, 9, 6, 0, 21, 10, 14, 6, 0, 14] for 'the time m'."""
    vocab = Vocab(list("the time machine by h g wells " + "abcdefghijklmnopqrstuvwxyz"))
    assert vocab[list("the time m")] == [21, 9, 6, 0, 21, 10, 14, 6, 0, 14]
    assert len(vocab) == 28
