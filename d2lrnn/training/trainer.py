"""The book's ``Trainer``: the one training loop every model of the book goes through."""
from __future__ import annotations

from typing import Any

from contextlib import nullcontext

from .. import backend
from ..autograd import Tensor, detect_anomaly, no_grad
from ..checks import check_choice, check_non_negative_int, check_number
from ..nn import clip_grad_norm
from .module import HyperParameters, Module
from .nan import ON_NAN_CHOICES, check_finite_loss


class Trainer(HyperParameters):
    """Fit a ``Module`` to a ``DataModule`` with minibatch SGD.

    Each epoch: for every training batch, ``loss = model.training_step(batch)``, backward,
    clip the gradients to a global L2 norm of ``gradient_clip_val`` (when > 0) and take
    an optimizer step; then, under ``no_grad`` and in ``eval`` mode, call
    ``model.validation_step`` on every validation batch.

    Args:
        max_epochs: number of passes over the training data.
        num_gpus: 0 trains where the model already is; 1 moves model and batches to the
            GPU when one is available (and stays on the CPU otherwise, as the book does).
        gradient_clip_val: the largest global gradient norm allowed; 0 turns clipping off.
        detect_anomaly: run every step under ``d2l.autograd.detect_anomaly()``: the first op whose
            forward or backward gives NaN or Inf raises, naming the op and the line (slow).
        on_nan: 'stop' (default): a NaN or Inf loss raises a FloatingPointError naming the epoch and
            batch, before that batch updates the weights; 'continue' trains on (Keras's default).
    """

    def __init__(self, max_epochs: int, num_gpus: int = 0, gradient_clip_val: float = 0,
                 detect_anomaly: bool = False, on_nan: str = "stop") -> None:
        max_epochs = check_non_negative_int(max_epochs, "Trainer: max_epochs")
        num_gpus = check_non_negative_int(num_gpus, "Trainer: num_gpus")
        gradient_clip_val = check_number(gradient_clip_val, "Trainer: gradient_clip_val", 0.0)
        check_choice(on_nan, "Trainer: on_nan", ON_NAN_CHOICES)
        self.save_hyperparameters()
        self.use_gpu = num_gpus > 0 and backend.is_gpu_available()

    def prepare_data(self, data: Any) -> None:
        """Fetch the data loaders and count their batches."""
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = len(self.val_dataloader) if self.val_dataloader is not None else 0
        if self.num_train_batches == 0:
            raise ValueError(f"Trainer.fit: the training data loader of {type(data).__name__} has no batches")

    def prepare_model(self, model: Module) -> None:
        """Attach the model to this trainer, move it to the training device, size its plot."""
        if not isinstance(model, Module):
            raise TypeError(f"Trainer.fit: model must be a d2lrnn.training.Module (with training_step), "
                            f"got {type(model).__name__}")
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.use_gpu:
            model.to("gpu")
        parameters = model.parameters()
        self.device = parameters[0].device if parameters else backend.default_device()
        self.model = model

    def fit(self, model: Module, data: Any) -> None:
        """Train ``model`` on ``data`` for ``max_epochs`` epochs (starting afresh each call).

        In Jupyter the model's board animates during training and shows its final figure
        and the last value of each curve at the end.
        """
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        try:
            for self.epoch in range(self.max_epochs):
                self.fit_epoch()
        finally:  # also when interrupted: show the final curve in place of the live one
            model.board.finish()

    def prepare_batch(self, batch: Any) -> tuple:
        """The batch as a tuple of Tensors on the model's device."""
        return tuple(self._to_device(x) for x in batch)

    def _to_device(self, x: Any) -> Any:
        if isinstance(x, Tensor):
            return x.to(self.device)
        return Tensor(x, device=self.device)

    def fit_epoch(self) -> None:
        """One pass over the training batches, then one over the validation batches."""
        self.model.train()
        for batch_index, batch in enumerate(self.train_dataloader):
            with detect_anomaly() if self.detect_anomaly else nullcontext():
                loss = self.model.training_step(self.prepare_batch(batch))
                if self.on_nan == "stop":
                    check_finite_loss(loss, self.epoch, batch_index)
                self.optim.zero_grad()
                loss.backward()
            if self.gradient_clip_val > 0:
                self.clip_gradients(self.gradient_clip_val, self.model)
            self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        with no_grad():
            for batch in self.val_dataloader:
                self.model.validation_step(self.prepare_batch(batch))
                self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val: float, model: Module) -> None:
        """Rescale all gradients together so that their global L2 norm is at most ``grad_clip_val``.

        g <- min(1, theta / ||g||) g, where ||g|| is the norm of every parameter's
        gradient concatenated into one vector: the direction is kept, the step bounded.
        """
        clip_grad_norm(model.parameters(), grad_clip_val)
