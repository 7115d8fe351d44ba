"""Shared test setup: markers that skip when an optional oracle or a GPU is missing."""
import importlib.util
import os

import numpy as np
import pytest

import d2lrnn

os.environ.setdefault("D2LRNN_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def pytest_collection_modifyitems(config, items):
    skips = {
        "gpu": (d2lrnn.is_gpu_available(), "needs CuPy and a CUDA GPU"),
        "torch": (importlib.util.find_spec("torch") is not None, "PyTorch is not installed"),
        "keras": (importlib.util.find_spec("keras") is not None, "Keras is not installed"),
    }
    for item in items:
        for marker, (available, reason) in skips.items():
            if marker in item.keywords and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state."""
    d2lrnn.seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
