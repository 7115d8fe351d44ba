"""model.save / models.load_model / save_weights / load_weights: one file at exactly the given path,
JSON and .npz inside (never pickle), equal predictions after loading, atomic writes, and clear
errors for damaged or foreign files."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

from d2lrnn import layers, models
from d2lrnn.models import saving

from _two_io_model import TwoInTwoOut, data


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


def tokens(rng, n=6, steps=7):
    x = rng.integers(1, 30, size=(n, steps))
    x[0, 4:] = 0
    return x


def recurrent_stack(with_input=True):
    stack = [layers.Embedding(30, 8, mask_zero=True),
             layers.Bidirectional(layers.LSTM(5, return_sequences=True)),
             layers.Dropout(0.3),
             layers.GRU(4, reset_after=False),
             layers.Dense(3, activation="softmax")]
    return models.Sequential(([layers.Input((7,), dtype="int32")] if with_input else []) + stack)


@pytest.mark.parametrize("with_input", [True, False])
def test_sequential_round_trip_gives_equal_predictions(rng, tmp_path, with_input):
    x = tokens(rng)
    model = recurrent_stack(with_input)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, rng.integers(0, 3, 6), epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(str(path))
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]  # exactly the path, no temporary left
    loaded = models.load_model(path)
    assert type(loaded) is models.Sequential and [l.name for l in loaded.layers] == [l.name for l in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [w.path for w in loaded.weights] == [w.path for w in model.weights]
    # compiled again from the saved names: the same loss and metrics
    y = rng.integers(0, 3, 6)
    assert loaded.evaluate(x, y, return_dict=True) == model.evaluate(x, y, return_dict=True)
    assert models.load_model(path, compile=False)._output_specs is None


def test_the_file_is_a_zip_of_json_and_an_npz_without_pickles(rng, tmp_path):
    model = recurrent_stack()
    path = str(tmp_path / "m.d2l")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["d2lrnn_model.json", "weights.npz"]
        header = json.loads(archive.read("d2lrnn_model.json"))
        weights = np.load(io.BytesIO(archive.read("weights.npz")), allow_pickle=False)
        assert header["format"] == "d2lrnn-model" and header["class_name"] == "Sequential"
        assert header["config"] == json.loads(json.dumps(model.get_config()))
        assert list(weights["paths"]) == [w.path for w in model.weights]
        for i, w in enumerate(model.weights):
            np.testing.assert_array_equal(weights[f"weight_{i}"], w.numpy())


def test_text_vectorization_model_round_trip(tmp_path):
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(["the cat sat", "a dog ran home"])
    model = models.Sequential([vectorize, layers.Embedding(20, 3), layers.SimpleRNN(2), layers.Dense(1)])
    x = np.array(["the cat", "dog ran far"])
    model.predict(x)  # builds the weights
    model.save(str(tmp_path / "text.keras"))
    np.testing.assert_array_equal(models.load_model(str(tmp_path / "text.keras")).predict(x), model.predict(x))


def test_subclassed_model_with_get_config_round_trip(rng, tmp_path):
    xa, xb, ya, yb = data(rng)
    model = TwoInTwoOut(classes=3)
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=[["accuracy"], ["mae"]])
    model.fit([xa, xb], [ya, yb], epochs=1, verbose=0)
    model.save(str(tmp_path / "two.keras"))
    loaded = models.load_model(str(tmp_path / "two.keras"), custom_objects={"TwoInTwoOut": TwoInTwoOut})
    for mine, theirs in zip(loaded.predict([xa, xb]), model.predict([xa, xb])):
        np.testing.assert_array_equal(mine, theirs)
    assert loaded.evaluate([xa, xb], [ya, yb], return_dict=True) == model.evaluate([xa, xb], [ya, yb],
                                                                                   return_dict=True)


def test_a_subclass_without_get_config_gets_kerass_automatic_config(rng, tmp_path):
    class NeedsUnits(models.TrainableModel):
        output_names = ["out"]

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

    model = NeedsUnits(2)
    x = np.ones((1, 3), "float32")
    model(x)
    model.save(str(tmp_path / "m.keras"))
    loaded = models.load_model(str(tmp_path / "m.keras"), custom_objects={"NeedsUnits": NeedsUnits})
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy())


def test_a_subclass_without_a_usable_get_config_fails_clearly_on_load(rng, tmp_path):
    class NeedsUnits(models.TrainableModel):
        output_names = ["out"]

        def __init__(self, *units, **kwargs):  # variadic: no automatic config, as in Keras 3
            super().__init__(**kwargs)
            self.dense = layers.Dense(*units)

        def call(self, inputs):
            return self.dense(inputs)

    model = NeedsUnits(2)
    model(np.zeros((1, 3), "float32"))
    model.save(str(tmp_path / "m.keras"))
    with pytest.raises(ValueError, match="cannot rebuild NeedsUnits.*get_config"):
        models.load_model(str(tmp_path / "m.keras"))


def test_unknown_class_needs_custom_objects(rng, tmp_path):
    model = TwoInTwoOut()
    model([*data(rng)[:2]])
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("d2lrnn_model.json"))
        weights = archive.read("weights.npz")
    header["class_name"] = "NotDefinedAnywhere"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("d2lrnn_model.json", json.dumps(header))
        archive.writestr("weights.npz", weights)
    with pytest.raises(ValueError, match="'NotDefinedAnywhere', which is not defined.*custom_objects"):
        models.load_model(path)
    assert type(models.load_model(path, custom_objects={"NotDefinedAnywhere": TwoInTwoOut})) is TwoInTwoOut
    with pytest.raises(TypeError, match="custom_objects"):
        models.load_model(path, custom_objects=[TwoInTwoOut])


def test_save_weights_uses_the_path_as_given_and_load_weights_reads_model_files_too(rng, tmp_path):
    x = tokens(rng)
    model, other = recurrent_stack(), recurrent_stack()
    model.save_weights(str(tmp_path / "m.keras.weights"))
    assert os.listdir(tmp_path) == ["m.keras.weights"]
    other.load_weights(str(tmp_path / "m.keras.weights"))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    model.save(str(tmp_path / "whole.keras"))
    third = recurrent_stack()
    third.load_weights(str(tmp_path / "whole.keras"))
    np.testing.assert_array_equal(third.predict(x), model.predict(x))


def test_overwrite_false_keeps_an_existing_file(tmp_path):
    model = recurrent_stack()
    path = tmp_path / "m.keras"
    path.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(str(path), overwrite=False)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(str(path), overwrite=False)
    assert path.read_bytes() == b"old"
    with pytest.raises(IsADirectoryError, match="directory"):
        model.save(str(tmp_path))


def test_an_interrupted_save_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    model = recurrent_stack()
    path = tmp_path / "m.keras"
    model.save(str(path))
    before = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def fail_on_weights(self, name, data, *args, **kwargs):
        if name == "weights.npz":
            real_writestr(self, name, data[:100])
            raise OSError("disk full")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail_on_weights)
    with pytest.raises(OSError, match="disk full"):
        model.save(str(path))
    with pytest.raises(OSError, match="disk full"):
        model.save(str(tmp_path / "new.keras"))
    assert os.listdir(tmp_path) == ["m.keras"] and path.read_bytes() == before


def damaged_copies(path, tmp_path):
    """Truncated, bit-flipped and foreign versions of the file at ``path``."""
    content = path.read_bytes()
    copies = {f"truncated_{n}": content[:n] for n in (0, 10, len(content) // 2, len(content) - 30)}
    flipped = bytearray(content)
    for i in range(60, len(flipped) - 200, 97):
        flipped[i] ^= 0xFF
    copies["flipped"] = bytes(flipped)
    copies["text"] = b"just some text\n"
    copies["random"] = np.random.default_rng(0).bytes(500)
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3))
    copies["npy"] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "another program's zip")
    copies["foreign_zip"] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("d2lrnn_model.json", "{not json")
        archive.writestr("weights.npz", b"")
    copies["bad_json"] = buffer.getvalue()
    paths = {}
    for name, data_bytes in copies.items():
        paths[name] = tmp_path / f"{name}.bin"
        paths[name].write_bytes(data_bytes)
    return paths


@pytest.mark.parametrize("kind", ["model", "weights"])
def test_damaged_or_foreign_files_raise_a_clear_error(tmp_path, kind):
    model = recurrent_stack()
    good = tmp_path / "good"
    model.save(str(good)) if kind == "model" else model.save_weights(str(good))
    for path in damaged_copies(good, tmp_path).values():
        if kind == "model":
            with pytest.raises(ValueError, match=f"load_model: '{path}' is not a d2lrnn model file"):
                models.load_model(str(path))
        # a zip that claims to be a model file is reported as a damaged model file
        with pytest.raises(ValueError, match=f"load_weights: '{path}' is not a d2lrnn (weights|model) file"):
            model.load_weights(str(path))
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        models.load_model(str(tmp_path / "missing.keras"))


def test_a_config_that_json_cannot_store_fails_on_save_naming_the_model(tmp_path):
    class Holder(layers.Dense):
        def get_config(self):
            return {**super().get_config(), "function": print}

    model = models.Sequential([layers.Input((2,)), Holder(1)], name="holding")
    with pytest.raises(TypeError, match="save: the config of model 'holding'"):
        model.save(str(tmp_path / "m.keras"))
    assert os.listdir(tmp_path) == []


def test_the_saved_first_call_builds_a_lazy_subclassed_model(rng, tmp_path):
    xa, xb, _, _ = data(rng)
    model = TwoInTwoOut()
    model({"in_a": xa, "in_b": xb})
    model.save(str(tmp_path / "m.keras"))
    loaded = models.load_model(str(tmp_path / "m.keras"))
    assert loaded.built and len(loaded.weights) == 4
    for mine, theirs in zip(loaded.predict([xa, xb]), model.predict([xa, xb])):
        np.testing.assert_array_equal(mine, theirs)
    assert saving.describe_inputs({"a": xa}) == {"dict": {"a": {"shape": [10, 3], "dtype": "<f4"}}}


def test_a_lazy_stateful_model_is_rebuilt_with_its_batch_size(rng, tmp_path):
    x = rng.normal(size=(4, 5, 2)).astype("float32")
    model = models.Sequential([layers.SimpleRNN(3, stateful=True), layers.Dense(1)])
    model.predict(x, batch_size=4)
    model.save(str(tmp_path / "m.keras"))
    loaded = models.load_model(str(tmp_path / "m.keras"))
    model.reset_states()
    np.testing.assert_array_equal(loaded.predict(x, batch_size=4), model.predict(x, batch_size=4))


@pytest.mark.keras
def test_keras_weights_h5_files_load_with_equal_predictions(keras, rng, tmp_path):
    pytest.importorskip("h5py")
    x = tokens(rng)
    theirs = keras.Sequential([keras.Input((7,), dtype="int32"), keras.layers.Embedding(30, 8, mask_zero=True),
                               keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True)),
                               keras.layers.Dropout(0.3), keras.layers.GRU(4, reset_after=False),
                               keras.layers.Dense(3, activation="softmax")])
    path = str(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    ours = recurrent_stack()
    ours.load_weights(path)
    np.testing.assert_allclose(ours.predict(x), keras.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    wrong = models.Sequential([layers.Input((7,), dtype="int32"), layers.Embedding(30, 8), layers.GRU(4)])
    with pytest.raises(ValueError, match="load_weights: .*no weights for layer 'gru'|layers/gru"):
        wrong.load_weights(path)
