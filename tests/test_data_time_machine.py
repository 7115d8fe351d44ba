"""TimeMachine (1.0 API) and the classic corpus functions, on a tiny text and on the real novel."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.data import TimeMachine, load_corpus_time_machine, load_data_time_machine, tokenize


def letters_and_single_spaces(text):
    """Independent preprocessing: ASCII letters kept (lowercased), every other run -> one space."""
    out, in_gap = [], False
    for ch in text:
        if ch.isascii() and ch.isalpha():
            out.append(ch.lower())
            in_gap = False
        elif not in_gap:
            out.append(" ")
            in_gap = True
    return "".join(out)


class TinyMachine(TimeMachine):
    TEXT = "Hello, World!!\n42 hello -- o"

    def _download(self):
        return self.TEXT


def test_tiny_text_windows_by_hand():
    data = TinyMachine(batch_size=2, num_steps=3, num_train=4, num_val=2)
    # "hello world hello o": 19 characters; vocab ' ' <unk> d e h l o r w
    assert data.vocab.idx_to_token == [" ", "<unk>", "d", "e", "h", "l", "o", "r", "w"]
    corpus, _ = data.build(TinyMachine.TEXT, data.vocab)
    assert corpus == [data.vocab[c] for c in "hello world hello o"]
    assert data.X.shape == data.Y.shape == (19 - 3, 3)
    np.testing.assert_array_equal(data.X.numpy()[0], data.vocab[list("hel")])
    np.testing.assert_array_equal(data.Y.numpy()[0], data.vocab[list("ell")])
    np.testing.assert_array_equal(data.X.numpy()[-1], data.vocab[list("lo ")])
    np.testing.assert_array_equal(data.Y.numpy()[-1], data.vocab[list("o o")])
    val = [x.numpy() for x, _ in data.val_dataloader()]
    np.testing.assert_array_equal(np.concatenate(val), data.X.numpy()[4:6])


def test_build_reuses_a_given_vocab():
    data = TinyMachine(batch_size=1, num_steps=2)
    corpus, vocab = data.build("Zebra!", data.vocab)
    assert vocab is data.vocab
    assert corpus == [data.vocab.unk, data.vocab["e"], data.vocab.unk, data.vocab["r"], data.vocab.unk, 0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0, num_steps=3), "batch_size: expected a positive int, got 0"),
    (dict(batch_size=2, num_steps=2.5), "num_steps: expected a positive int, got 2.5"),
    (dict(batch_size=2, num_steps=3, num_val=-1), "num_val: expected a non-negative int, got -1"),
    (dict(batch_size=2, num_steps=50), "num_steps: expected fewer than 19"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TinyMachine(**kwargs)


# ------------------------------------------------------------------------------ the real novel
@pytest.fixture(scope="module")
def novel():
    return TimeMachine(batch_size=1024, num_steps=32)


@pytest.fixture(scope="module")
def raw_text(novel):
    return novel._download()


@pytest.mark.needs_data
def test_book_sizes(novel, raw_text):
    corpus, vocab = novel.build(raw_text)
    assert (len(corpus), len(vocab)) == (173428, 28)
    assert novel.X.shape == novel.Y.shape == (173428 - 32, 32)
    assert novel.X.dtype == np.int64
    assert raw_text.startswith("The Time Machine, by H. G. Wells [1898]")
    assert novel._preprocess(raw_text)[:60] == "the time machine by h g wells i the time traveller for so it"


@pytest.mark.needs_data
def test_corpus_matches_an_independent_preprocessing(novel, raw_text):
    text = letters_and_single_spaces(raw_text)
    corpus, vocab = novel.build(raw_text)
    assert "".join(vocab.to_tokens(corpus)) == text
    counts = {ch: text.count(ch) for ch in set(text)}
    assert dict(vocab.token_freqs) == counts
    assert vocab.token_freqs[:4] == [(" ", 32775), ("e", 17838), ("t", 13515), ("a", 11704)]


@pytest.mark.needs_data
def test_windows_are_corpus_slices_and_y_is_x_shifted(novel, raw_text):
    corpus = np.array(novel.build(raw_text)[0])
    X, Y = novel.X.numpy(), novel.Y.numpy()
    np.testing.assert_array_equal(X[:, 1:], Y[:, :-1])
    for i in (0, 1, 9999, 10000, len(X) - 1):
        np.testing.assert_array_equal(X[i], corpus[i:i + 32])
        np.testing.assert_array_equal(Y[i], corpus[i + 1:i + 33])


@pytest.mark.needs_data
def test_batches_per_epoch_and_splits_as_in_the_book(novel):
    train, val = novel.train_dataloader(), novel.val_dataloader()
    train_sizes = [x.shape[0] for x, _ in train]
    val_batches = list(val)
    assert (len(train), len(val)) == (10, 5)
    assert train_sizes == [1024] * 9 + [784]
    assert [x.shape for x, _ in val_batches] == [(1024, 32)] * 4 + [(904, 32)]
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x, _ in val_batches]), novel.X.numpy()[10000:15000])
    first_rows = np.concatenate([x.numpy()[:, 0] for x, _ in train])
    assert not np.array_equal(first_rows, novel.X.numpy()[:10000, 0])
    d2l.seed(5)
    x1, y1 = next(iter(train))
    d2l.seed(5)
    x2, _ = next(iter(train))
    np.testing.assert_array_equal(x1.numpy(), x2.numpy())
    np.testing.assert_array_equal(x1.numpy()[:, 1:], y1.numpy()[:, :-1])


# -------------------------------------------------------------------------------- classic API
@pytest.mark.needs_data
def test_classic_corpus_sizes_as_in_the_book():
    corpus, vocab = load_corpus_time_machine()
    assert (len(corpus), len(vocab)) == (170580, 28)
    short, _ = load_corpus_time_machine(max_tokens=10000)
    assert short == corpus[:10000]


def test_classic_tokenize():
    assert tokenize(["the time", "machine"]) == [["the", "time"], ["machine"]]
    assert tokenize(["ab"], "char") == [["a", "b"]]
    with pytest.raises(ValueError, match=r"token: expected one of \('word', 'char'\), got 'byte'"):
        tokenize(["ab"], "byte")


@pytest.mark.needs_data
@pytest.mark.parametrize("use_random_iter", [False, True])
def test_load_data_time_machine_is_reiterable(use_random_iter):
    data_iter, vocab = load_data_time_machine(32, 35, use_random_iter=use_random_iter)
    assert len(vocab) == 28
    first = [x.shape for x, _ in data_iter]
    second = [x.shape for x, _ in data_iter]
    # 10,000 tokens: sequential (9999 - offset) // 32 * 32 / 32 columns -> 8 batches of 35 steps
    assert first == second == [(32, 35)] * 8
