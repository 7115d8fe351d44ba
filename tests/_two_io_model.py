"""A test-only model with two inputs and two outputs, written on TrainableModel directly.

out_a = softmax(Dense_a(concat(x_a, x_b))) (3 classes), out_b = Dense_b(concat(x_a, x_b)) (1 unit).
Its weights can be copied from (or to) the equivalent Keras functional model.
"""
import numpy as np

from d2lrnn import layers
from d2lrnn import backend
from d2lrnn.autograd import Tensor
from d2lrnn.models.trainer import TrainableModel


class TwoInTwoOut(TrainableModel):
    input_names = ["in_a", "in_b"]

    def __init__(self, classes=3, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.classes = classes
        self.dense_a = layers.Dense(classes, activation="softmax", name="out_a")
        self.dense_b = layers.Dense(1, name="out_b")

    @property
    def output_names(self):
        return ["out_a", "out_b"]

    def _convert_inputs(self, inputs):
        # The inputs are data: joined with NumPy here, then each Dense puts them on its weights' device.
        if isinstance(inputs, dict):
            inputs = [inputs[name] for name in self.input_names]
        return [backend.to_numpy(x.data if isinstance(x, Tensor) else x) for x in inputs]

    def call(self, inputs, training=False):
        h = np.concatenate(inputs, axis=-1)
        return [self.dense_a(h), self.dense_b(h)]

    def get_config(self):
        return {**super().get_config(), "classes": self.classes}


def data(rng, n=10):
    xa = rng.normal(size=(n, 3)).astype("float32")
    xb = rng.normal(size=(n, 2)).astype("float32")
    ya = rng.integers(0, 3, n)
    yb = rng.normal(size=(n, 1)).astype("float32")
    return xa, xb, ya, yb
