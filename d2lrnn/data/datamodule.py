"""``DataModule``: the book's base class for data sets that hand out train and validation batches."""
from __future__ import annotations

from typing import Any, Sequence

from .tensor_loader import TensorLoader


class DataModule:
    """Base class of the book's data sets (``TimeMachine`` and your own).

    A subclass sets ``self.batch_size`` and implements ``get_dataloader(train)``, usually by
    calling ``get_tensorloader``. The trainer asks for ``train_dataloader()`` and
    ``val_dataloader()`` and iterates over them once per epoch.

    Args:
        root: cache directory for downloads; None means ``$D2LRNN_DATA``, else ``~/.cache/d2lrnn``
            (the book's default is '../data').
        num_workers: kept for the book's signature; batches are made in this process.
    """

    def __init__(self, root: str | None = None, num_workers: int = 4) -> None:
        self.root = root
        self.num_workers = num_workers

    def get_dataloader(self, train: bool) -> Any:
        """The batches for training (``train=True``) or validation; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_dataloader(train)")

    def train_dataloader(self) -> Any:
        return self.get_dataloader(train=True)

    def val_dataloader(self) -> Any:
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors: Sequence[Any], train: bool, indices: Any = slice(0, None)) -> TensorLoader:
        """Minibatches of ``self.batch_size`` rows of ``tensors[i][indices]``, shuffled when ``train``.

        Shapes: each tensor (n, *rest) -> batches (batch_size, *rest); the last batch may be smaller.
        """
        batch_size = getattr(self, "batch_size", None)
        if batch_size is None:
            raise AttributeError(f"{type(self).__name__}.batch_size is not set: set it in __init__ "
                                 "before asking for a data loader")
        rows = [t[indices] for t in tensors]
        return TensorLoader(rows, batch_size, shuffle=train)
