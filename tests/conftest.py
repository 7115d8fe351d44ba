"""Shared test setup: markers that skip when an optional oracle or a GPU is missing."""
import importlib.util
import os

import numpy as np
import pytest

import d2lrnn


def _offline_data_present() -> bool:
    """True when The Time Machine and the sentiment files are in the data folder or the package."""
    from d2lrnn.data.download import PACKAGED_DIR

    files = ["timemachine.txt"] + [os.path.join("sentiment_labelled_sentences", f"{name}_labelled.txt")
                                   for name in ("amazon_cells", "imdb", "yelp")]
    roots = [os.environ.get("D2LRNN_DATA") or os.path.expanduser(os.path.join("~", ".cache", "d2lrnn")), PACKAGED_DIR]
    return any(all(os.path.isfile(os.path.join(root, f)) for f in files) for root in roots)


def pytest_collection_modifyitems(config, items):
    skips = {
        "gpu": (d2lrnn.is_gpu_available(), "needs CuPy and a CUDA GPU"),
        "torch": (importlib.util.find_spec("torch") is not None, "PyTorch is not installed"),
        "keras": (importlib.util.find_spec("keras") is not None, "Keras is not installed"),
        # Tests never download: the real data sets must be in $D2LRNN_DATA or in the package.
        "needs_data": (_offline_data_present(), "the data sets are neither in $D2LRNN_DATA nor in d2lrnn/data/files"),
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


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on its torch backend, the oracle of the tests marked ``keras``."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras as keras_module

    if keras_module.backend.backend() != "torch":
        pytest.skip("these comparisons use the torch backend (KERAS_BACKEND=torch)")
    return keras_module
