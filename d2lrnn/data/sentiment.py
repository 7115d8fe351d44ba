"""The UCI "Sentiment Labelled Sentences": 3,000 review sentences labelled 0 (negative) or 1 (positive).

Kotzias, D. (2015). Sentiment Labelled Sentences [Dataset]. UCI Machine Learning Repository.
https://doi.org/10.24432/C57604 (CC BY 4.0). Please credit it wherever these sentences are used.
"""
from __future__ import annotations

import os

import numpy

from .download import download

SOURCE_FILES = {
    "imdb": "imdb_labelled.txt",
    "amazon": "amazon_cells_labelled.txt",
    "yelp": "yelp_labelled.txt",
}
SOURCES = ("all", *SOURCE_FILES)


def load_sentiment_sentences(source: str = "all", cache_dir: str | None = None) -> tuple[list[str], numpy.ndarray]:
    """Sentences and their labels: 1,000 per source (500 negative, 500 positive), 3,000 for 'all'.

    Args:
        source: 'imdb' (movies), 'amazon' (phones), 'yelp' (restaurants) or 'all' (in that order).
        cache_dir: where the files are (default ``$D2LRNN_DATA``, else ``~/.cache/d2lrnn``).

    Returns:
        ``(sentences, labels)``: a list of n strings and an int64 array of shape (n,).

    Each line is ``sentence<TAB>label``. The files are split on '\\n' only and each line at its
    last TAB: ``str.splitlines`` would also break at the two U+0085 (NEL) characters inside IMDb
    sentences, and a CSV reader would merge lines at unbalanced quotes. Every character is kept,
    including the C1 control characters standing for dashes and the two spaces that end each IMDb
    sentence.
    """
    if source not in SOURCES:
        raise ValueError(f"source: expected one of {SOURCES}, got {source!r}")
    folder = download("sentiment_labelled_sentences", cache_dir)
    names = list(SOURCE_FILES) if source == "all" else [source]
    sentences, labels = [], []
    for name in names:
        file_sentences, file_labels = parse_labelled_file(os.path.join(folder, SOURCE_FILES[name]))
        sentences += file_sentences
        labels += file_labels
    return sentences, numpy.asarray(labels, dtype=numpy.int64)


def parse_labelled_file(path: str) -> tuple[list[str], list[int]]:
    """Parse one ``sentence<TAB>label`` file into sentences and 0/1 labels."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":  # the final newline ends the last record; it starts none
        lines.pop()
    sentences, labels = [], []
    for number, line in enumerate(lines, start=1):
        sentence, tab, label = line.rpartition("\t")
        if not tab or label not in ("0", "1"):
            raise ValueError(f"{path}, line {number}: expected 'sentence<TAB>0' or 'sentence<TAB>1', got {line!r}")
        sentences.append(sentence)
        labels.append(int(label))
    return sentences, labels
