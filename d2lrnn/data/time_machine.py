"""``TimeMachine``: H. G. Wells' novel as a character-level language-modelling data set (the book's 1.0 API)."""
from __future__ import annotations

import re
import warnings

import numpy

from ..autograd import Tensor
from ..checks import check_non_negative_int, check_positive_int
from .datamodule import DataModule
from .download import download
from .tensor_loader import TensorLoader
from .vocab import Vocab

NON_LETTERS = re.compile("[^A-Za-z]+")


def read_text(path: str) -> str:
    """The whole text file at ``path`` (UTF-8), every character kept."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


class TimeMachine(DataModule):
    """The Time Machine, cut into overlapping windows of ``num_steps + 1`` characters.

    Exactly the book's version 1.0 pipeline: every run of non-letters becomes one space, the text
    is lowercased and split into characters (vocabulary of 28: 26 letters, space, ``<unk>``; a
    corpus of 173,428 indices). Window i is ``corpus[i : i + num_steps + 1]``, taken at stride 1;
    ``X`` holds its first ``num_steps`` indices and ``Y`` its last, so ``Y`` is ``X`` shifted by one.

    Training uses windows ``[0, num_train)``, shuffled; validation uses the next ``num_val``
    windows, in order. As in the book's code (though not its prose, which speaks of random
    offsets and non-overlapping pieces), only these first ~15,000 characters are ever used, and
    the two splits share the ``num_steps`` characters at their boundary. This is kept so the
    book's perplexity curves can be reproduced; the book's exercise about random offsets starts
    from here.

    Args:
        batch_size: windows per batch.
        num_steps: time steps per window.
        num_train: number of training windows.
        num_val: number of validation windows.
        root: cache directory (default ``$D2LRNN_DATA``, else ``~/.cache/d2lrnn``).

    Attributes:
        vocab: the ``Vocab`` of the characters.
        X, Y: integer Tensors of shape (len(corpus) - num_steps, num_steps).
    """

    def __init__(self, batch_size: int, num_steps: int, num_train: int = 10000, num_val: int = 5000,
                 root: str | None = None) -> None:
        super().__init__(root=root)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.num_steps = check_positive_int(num_steps, "num_steps")
        self.num_train = check_non_negative_int(num_train, "num_train")
        self.num_val = check_non_negative_int(num_val, "num_val")
        corpus, self.vocab = self.build(self._download())
        if len(corpus) <= num_steps:
            raise ValueError(f"num_steps: expected fewer than {len(corpus)} (the corpus length), got {num_steps}")
        # All windows as one read-only strided view: no copy of the 173,428 x (num_steps + 1) table.
        windows = numpy.lib.stride_tricks.sliding_window_view(numpy.asarray(corpus, dtype=numpy.int64),
                                                              num_steps + 1)
        self.X, self.Y = Tensor(windows[:, :-1]), Tensor(windows[:, 1:])
        num_windows = len(windows)
        if self.num_train + self.num_val > num_windows:
            warnings.warn(f"TimeMachine: num_train + num_val = {self.num_train + self.num_val} windows asked, but "
                          f"the corpus has only {num_windows} windows of num_steps + 1 = {num_steps + 1} characters; "
                          "the last split gets fewer", stacklevel=2)
        if min(self.num_val, max(0, num_windows - self.num_train)) == 0:
            warnings.warn(f"TimeMachine: no validation batches (num_val={self.num_val}, num_train={self.num_train}, "
                          f"{num_windows} windows in all): training will report no validation loss", stacklevel=2)

    def _download(self) -> str:
        """The raw text of the novel (downloaded and checked on first use)."""
        return read_text(download("time_machine", self.root))

    def _preprocess(self, text: str) -> str:
        """Replace every run of non-letters with one space and lowercase."""
        return NON_LETTERS.sub(" ", text).lower()

    def _tokenize(self, text: str) -> list[str]:
        """Character tokens."""
        return list(text)

    def build(self, raw_text: str, vocab: Vocab | None = None) -> tuple[list[int], Vocab]:
        """Preprocess and tokenize ``raw_text``; return ``(corpus, vocab)``.

        ``corpus`` is the flat list of token indices; ``vocab`` is built from the tokens unless given.
        """
        tokens = self._tokenize(self._preprocess(raw_text))
        if vocab is None:
            vocab = Vocab(tokens)
        corpus = [vocab[token] for token in tokens]
        return corpus, vocab

    def get_dataloader(self, train: bool) -> TensorLoader:
        """Batches ``(X, Y)``, each of shape (batch_size, num_steps); training ones shuffled."""
        indices = (slice(0, self.num_train) if train
                   else slice(self.num_train, self.num_train + self.num_val))
        return self.get_tensorloader([self.X, self.Y], train, indices)
