"""``Embedding``: integer token ids -> dense vectors, by looking up rows of a weight matrix."""
from __future__ import annotations

import warnings
from typing import Any

from .. import backend
from ..autograd import Tensor
from ..checks import check_positive_int
from .layer import Layer
from .weight import set_weight_options, weight_options_config


class Embedding(Layer):
    """Keras's ``Embedding``: row ``i`` of ``embeddings`` (input_dim, output_dim) is the vector of id ``i``.

    Args:
        input_dim: number of ids (vocabulary size; with ``mask_zero`` include the padding id 0).
        output_dim: size of each vector.
        embeddings_initializer: default 'uniform', i.e. U(-0.05, 0.05) as in Keras.
        embeddings_regularizer: weight penalty added to the training loss.
        embeddings_constraint: None or a callable Tensor -> Tensor that ``fit`` applies to
            ``embeddings`` after each optimizer step.
        mask_zero: treat id 0 as padding: the output carries the mask ``ids != 0``, so the
            recurrent layers after it skip padded steps. Row 0 still exists and is still looked up.
        input_length: accepted and ignored (Keras 3 deprecated it).

    Shapes: ids (B, T) (or any shape) -> (B, T, output_dim). Float ids are truncated to integers;
    an id outside [0, input_dim) raises a ValueError naming it.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None, mask_zero: bool = False,
                 input_length: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        input_dim = check_positive_int(input_dim, "input_dim", "a positive integer")
        output_dim = check_positive_int(output_dim, "output_dim", "a positive integer")
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        self.input_dim = input_dim
        self.output_dim = output_dim
        set_weight_options(self, ("embeddings",), locals())
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape: tuple) -> None:
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          name="embeddings", regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs: Tensor) -> Tensor:
        # Ids may come from the CPU (e.g. TextVectorization) while the table lives on the GPU.
        ids = backend.to_device(inputs.data, self.embeddings.device)
        if ids.dtype.kind not in "iu":
            # Keras casts float ids to int; a fractional id would be truncated silently, so it is refused.
            if ids.dtype.kind == "f" and ids.size and bool((ids != ids.astype("int64")).any()):
                raise TypeError(f"Embedding '{self.name}': ids must be whole numbers (an integer dtype), got "
                                f"fractional values of dtype {ids.dtype}")
            ids = ids.astype("int64")
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.input_dim):
            bad = int(ids.max()) if int(ids.max()) >= self.input_dim else int(ids.min())
            raise ValueError(f"Embedding '{self.name}': id {bad} is outside [0, input_dim) with input_dim="
                             f"{self.input_dim}. Make input_dim larger than the largest id (with mask_zero=True, "
                             "the vocabulary size plus one for the padding id 0).")
        return self.embeddings[ids]

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Any:
        """``ids != 0`` when ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return backend.to_device(inputs.data, self.embeddings.device) != 0

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                **weight_options_config(self, ("embeddings",)), "mask_zero": self.mask_zero}
