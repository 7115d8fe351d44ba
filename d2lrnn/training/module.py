"""The book's ``HyperParameters`` and ``Module``: a model that knows how to train itself.

``Module`` adds the training hooks of Dive into Deep Learning to ``d2lrnn.nn.Module``:
``loss``, ``training_step``, ``validation_step``, ``configure_optimizers`` and ``plot``.
The ``Trainer`` calls these hooks; the model never runs its own loop.
"""
from __future__ import annotations

import inspect
from types import MappingProxyType
from typing import Any, Iterable

from ..autograd import Tensor
from ..nn import SGD
from ..nn import Module as NNModule
from .progress_board import ProgressBoard


class HyperParameters:
    """Mixin that turns the arguments of ``__init__`` into attributes."""

    def save_hyperparameters(self, ignore: Iterable[str] = ()) -> None:
        """Store the caller's local variables as attributes and in ``self.hparams`` (read-only).

        Called from ``__init__``, it captures the constructor's arguments (and any local
        variable defined before the call), except ``self``, names in ``ignore`` and names
        starting with ``_``. ``RNNScratch(28, 32)`` then has ``self.num_hiddens == 32``.
        """
        if isinstance(ignore, str):
            raise TypeError(f"save_hyperparameters: ignore must be a list of names, got the string {ignore!r}")
        caller = inspect.currentframe().f_back
        skipped = set(ignore) | {"self"}
        hparams = {name: value for name, value in caller.f_locals.items()
                   if name not in skipped and not name.startswith("_")}
        # A read-only view, not a dict: a Module would register the sub-modules held in a
        # dict attribute a second time, under 'hparams.<name>'.
        self.hparams = MappingProxyType(hparams)
        for name, value in hparams.items():
            setattr(self, name, value)


class Module(NNModule, HyperParameters):
    """The base class of the book's models.

    Subclasses define ``forward`` (or set ``self.net``) and ``loss``; the ``Trainer`` calls
    ``training_step`` on every training batch and ``validation_step`` on every
    validation batch. A batch is a tuple whose last element is the label and whose
    other elements are the model's inputs.

    Args:
        plot_train_per_epoch: points drawn per epoch for training metrics (each the
            mean of the batches since the previous point).
        plot_valid_per_epoch: points drawn per epoch for validation metrics.
    """

    def __init__(self, plot_train_per_epoch: int = 2, plot_valid_per_epoch: int = 1) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat: Tensor, y: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define loss(y_hat, y)")

    def forward(self, X: Any) -> Any:
        if not hasattr(self, "net"):
            raise NotImplementedError(f"{type(self).__name__} must define forward() or set self.net")
        return self.net(X)

    def plot(self, key: str, value: Any, train: bool) -> None:
        """Draw one metric value on the progress board, against the (fractional) epoch.

        Training values sit at x = batches seen / batches per epoch and are averaged over
        ``num_train_batches / plot_train_per_epoch`` batches; validation values sit at
        x = epoch + 1 and are averaged over the epoch's validation batches. A board without
        labels gets ``key`` on its y axis and the model's class as its title.
        """
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            raise RuntimeError(f"{type(self).__name__}.plot: no trainer yet; call Trainer.fit(model, data) first")
        self.board.xlabel = "epoch"
        if getattr(self.board, "ylabel", "") is None:
            self.board.ylabel = key
        if getattr(self.board, "title", "") is None:  # the model, and the recurrent layer of a language model
            inner = getattr(self, "rnn", None)
            self.board.title = type(self).__name__ + (f"({type(inner).__name__})" if isinstance(inner, NNModule) else "")
        if train:
            x = trainer.train_batch_idx / trainer.num_train_batches
            every_n = trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = trainer.epoch + 1
            every_n = trainer.num_val_batches / self.plot_valid_per_epoch
        # With fewer batches than points per epoch the book's int(...) would be 0: draw every batch.
        every_n = max(1, int(every_n))
        y = value.item() if isinstance(value, Tensor) else float(value)
        self.board.draw(x, y, ("train_" if train else "val_") + key, every_n=every_n)

    def training_step(self, batch: tuple) -> Tensor:
        """Loss on one training batch (plotted as 'train_loss'); the Trainer differentiates it."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch: tuple) -> None:
        """Loss on one validation batch, plotted as 'val_loss'."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self) -> SGD:
        """Plain minibatch SGD over all parameters at learning rate ``self.lr``."""
        if not hasattr(self, "lr"):
            raise AttributeError(f"{type(self).__name__}.configure_optimizers: the model has no learning rate "
                                 "self.lr; pass lr to its constructor and call save_hyperparameters()")
        return SGD(self.parameters(), lr=self.lr)
