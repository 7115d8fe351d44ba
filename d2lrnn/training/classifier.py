"""The book's ``Classifier``: a ``Module`` whose loss is the cross-entropy over classes."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Tensor
from ..autograd.functional import cross_entropy
from .module import Module


class Classifier(Module):
    """A model that predicts one of C classes; validation reports loss and accuracy."""

    def loss(self, Y_hat: Tensor, Y: Any, averaged: bool = True) -> Tensor:
        """Cross-entropy of integer labels ``Y`` (any shape S) under logits ``Y_hat`` (S + (C,)).

        Both are flattened first, so a language model's (batch, steps, vocab) logits give
        the mean over batch * steps tokens. ``averaged=False`` returns one loss per token.
        """
        Y_hat = Y_hat.reshape(-1, Y_hat.shape[-1])
        Y = Y.reshape(-1)
        return cross_entropy(Y_hat, Y, reduction="mean" if averaged else "none")

    def accuracy(self, Y_hat: Tensor, Y: Any, averaged: bool = True) -> Tensor:
        """Fraction of positions where the arg-max of ``Y_hat`` equals ``Y`` (per position if not averaged)."""
        predictions = Y_hat.reshape(-1, Y_hat.shape[-1]).argmax(axis=1)
        labels = Y.data if isinstance(Y, Tensor) else Y
        labels = backend.get_array_module(predictions.data).asarray(labels).reshape(-1)
        if labels.shape != predictions.shape:
            raise ValueError(f"accuracy: Y must hold one label per row of Y_hat ({predictions.shape[0]}), "
                             f"got {labels.shape[0]} labels")
        correct = Tensor._wrap((predictions.data == labels).astype(Y_hat.dtype), False)
        return correct.mean() if averaged else correct

    def validation_step(self, batch: tuple) -> None:
        """Plot the batch's loss and accuracy as 'val_loss' and 'val_acc'."""
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)
