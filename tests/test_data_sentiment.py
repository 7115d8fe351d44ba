"""load_sentiment_sentences on the real files, and the line parser on tiny files written here."""
import os

import numpy as np
import pytest

from d2lrnn.data import load_sentiment_sentences
from d2lrnn.data.download import download
from d2lrnn.data.sentiment import parse_labelled_file


@pytest.mark.needs_data
@pytest.mark.parametrize("source", ["imdb", "amazon", "yelp"])
def test_each_source_has_1000_sentences_half_positive(source):
    sentences, labels = load_sentiment_sentences(source)
    assert len(sentences) == len(labels) == 1000
    assert labels.dtype == np.int64 and set(labels.tolist()) == {0, 1}
    assert int((labels == 1).sum()) == 500
    assert not any("\t" in s or "\n" in s for s in sentences)


@pytest.mark.needs_data
def test_all_is_the_three_sources_in_order():
    sentences, labels = load_sentiment_sentences()
    parts = [load_sentiment_sentences(source) for source in ("imdb", "amazon", "yelp")]
    assert sentences == [s for part, _ in parts for s in part]
    np.testing.assert_array_equal(labels, np.concatenate([part_labels for _, part_labels in parts]))
    assert len(sentences) == 3000


@pytest.mark.needs_data
def test_records_equal_lines_split_on_newline_bytes():
    """Independent count: one record per b'\\n' in the raw bytes."""
    folder = download("sentiment_labelled_sentences")
    for source, name in (("imdb", "imdb_labelled.txt"), ("amazon", "amazon_cells_labelled.txt"),
                         ("yelp", "yelp_labelled.txt")):
        with open(os.path.join(folder, name), "rb") as f:
            raw_lines = f.read().split(b"\n")[:-1]
        sentences, labels = load_sentiment_sentences(source)
        assert [s.encode("utf-8") for s in sentences] == [line.rsplit(b"\t", 1)[0] for line in raw_lines]
        assert labels.tolist() == [int(line.rsplit(b"\t", 1)[1]) for line in raw_lines]


@pytest.mark.needs_data
def test_imdb_keeps_every_character():
    sentences, _ = load_sentiment_sentences("imdb")
    assert sum("\x85" in s for s in sentences) == 2            # NEL, which splitlines() would break at
    assert any("The script is\x85was there a script?" in s for s in sentences)
    assert any("\x96" in s or "\x97" in s for s in sentences)  # C1 stand-ins for dashes
    assert sum('"' in s for s in sentences) == 43               # quotes a CSV reader would pair up
    assert all(s.endswith("  ") for s in sentences)              # two spaces before each TAB


def test_unknown_source_is_named():
    with pytest.raises(ValueError, match=r"source: expected one of \('all', 'imdb', 'amazon', 'yelp'\), got 'twitter'"):
        load_sentiment_sentences("twitter")


def test_parser_splits_on_newline_only_and_at_the_last_tab(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_bytes('Good\x85really good.  \t1\nsay "hi\tthere\t0\n" and bye\t1\n'.encode("utf-8"))
    sentences, labels = parse_labelled_file(str(path))
    assert sentences == ["Good\x85really good.  ", 'say "hi\tthere', '" and bye']
    assert labels == [1, 0, 1]


def test_parser_names_a_bad_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("fine\t1\nno label here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: expected 'sentence<TAB>0' or 'sentence<TAB>1', got 'no label here'"):
        parse_labelled_file(str(path))
