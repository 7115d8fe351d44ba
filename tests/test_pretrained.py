"""The shipped pre-trained GRU: its file passes the registry's checksum, its weights load into the
right places (checked against a NumPy GRU run on the raw arrays), and a damaged copy is refused."""
import importlib
import os
import shutil

import numpy as np
import pytest

from d2lrnn.data.download import DATA_HUB, DownloadError, file_digest
from d2lrnn.pretrained import time_machine_gru, time_machine_vocab

download_module = importlib.import_module("d2lrnn.data.download")  # the name d2lrnn.data.download is the function
PACKAGED = os.path.join(download_module.PACKAGED_DIR, "time_machine_gru.npz")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_gru_logits(weights, tokens, vocab_size):
    """PyTorch's GRU equations (reset after the product), two layers, then the linear layer."""
    H = [np.zeros(128), np.zeros(128)]
    logits = []
    for token in tokens:
        x = np.eye(vocab_size)[token]
        for layer in range(2):
            gi = weights[f"rnn.weight_ih_l{layer}"] @ x + weights[f"rnn.bias_ih_l{layer}"]
            gh = weights[f"rnn.weight_hh_l{layer}"] @ H[layer] + weights[f"rnn.bias_hh_l{layer}"]
            r = sigmoid(gi[:128] + gh[:128])
            z = sigmoid(gi[128:256] + gh[128:256])
            n = np.tanh(gi[256:] + r * gh[256:])
            H[layer] = (1 - z) * n + z * H[layer]
            x = H[layer]
        logits.append(weights["linear.weight"] @ x + weights["linear.bias"])
    return np.array(logits)


def test_the_packaged_file_matches_the_registry_and_stays_small():
    checksum = DATA_HUB["time_machine_gru"].files["time_machine_gru.npz"]
    assert file_digest(PACKAGED, checksum.algorithm) == checksum.hexdigest
    assert os.path.getsize(PACKAGED) <= 1_000_000


def test_loaded_model_computes_the_gru_of_the_stored_arrays(tmp_path):
    model, vocab = time_machine_gru(cache_dir=str(tmp_path))  # an empty cache: the packaged copy is used
    assert len(vocab) == 28 and vocab.idx_to_token[:3] == [" ", "<unk>", "a"]
    with np.load(PACKAGED) as f:
        weights = {k: f[k].astype(np.float64) for k in f.files}
    tokens = [vocab[c] for c in "the time traveller"]
    expected = numpy_gru_logits(weights, tokens, 28)
    got = model(np.array([tokens])).numpy()[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_samples_read_like_english():
    model, vocab = time_machine_gru()
    greedy = model.predict("the time traveller ", 60, vocab)
    words = greedy.split()
    common = {"the", "and", "of", "i", "a", "to", "was", "in", "it", "my", "had", "that", "we", "you"}
    assert sum(w in common for w in words) >= 3, greedy
    assert model.predict("it has", 40, vocab, temperature=0.8, seed=0) == \
        model.predict("it has", 40, vocab, temperature=0.8, seed=0)


def test_a_damaged_packaged_copy_is_refused(tmp_path, monkeypatch):
    package_dir = tmp_path / "package"
    package_dir.mkdir()
    shutil.copy(PACKAGED, package_dir / "time_machine_gru.npz")
    with open(package_dir / "time_machine_gru.npz", "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    monkeypatch.setattr(download_module, "PACKAGED_DIR", str(package_dir))
    with pytest.raises(DownloadError, match="no download URL: it ships inside the package"):
        time_machine_gru(cache_dir=str(tmp_path / "cache"))
