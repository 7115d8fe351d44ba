"""TrainableModel with several inputs and outputs: compile per output, History keys, loss weights,
sample and class weights, iterables of batches, initial_epoch, validation data, and bad input.

Keras 3 (torch backend) is the oracle: the same two-input, two-output model built with its functional
API gets our weights, and its History keys, evaluate values and one SGD step are compared with ours.
"""
import warnings

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, models

from _two_io_model import TwoInTwoOut, data


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


def built_pair(keras, rng, n=10):
    """Our two-output model and its Keras twin with the same weights, and data for both."""
    xa, xb, ya, yb = data(rng, n)
    ours = TwoInTwoOut()
    ours([xa, xb])
    a, b = keras.Input((3,), name="in_a"), keras.Input((2,), name="in_b")
    h = keras.layers.Concatenate()([a, b])
    theirs = keras.Model([a, b], [keras.layers.Dense(3, activation="softmax", name="out_a")(h),
                                  keras.layers.Dense(1, name="out_b")(h)])
    theirs.set_weights(ours.get_weights())
    return ours, theirs, (xa, xb, ya, yb)


COMPILES = [
    dict(loss=["sparse_categorical_crossentropy", "mse"]),
    dict(loss=["sparse_categorical_crossentropy", "mse"], metrics=["accuracy", "mae"]),
    dict(loss={"out_a": "sparse_categorical_crossentropy", "out_b": "mse"},
         metrics={"out_a": "accuracy", "out_b": ["mae", "mse"]}),
    dict(loss=["sparse_categorical_crossentropy", None], metrics=[["accuracy"], []]),
    dict(loss={"out_a": "sparse_categorical_crossentropy", "out_b": None}),
]


@pytest.mark.keras
@pytest.mark.parametrize("arguments", COMPILES)
def test_history_keys_are_named_as_in_keras(keras, rng, arguments):
    ours, theirs, (xa, xb, ya, yb) = built_pair(keras, rng)
    ours.compile("sgd", **arguments)
    theirs.compile("sgd", **arguments)
    y = {"out_a": ya, "out_b": yb} if isinstance(arguments["loss"], dict) else [ya, yb]
    mine = ours.fit([xa, xb], y, epochs=1, validation_split=0.2, verbose=0)
    keras_history = theirs.fit([xa, xb], y, epochs=1, validation_split=0.2, verbose=0)
    assert list(mine.history) == list(keras_history.history)


@pytest.mark.keras
@pytest.mark.parametrize("extra_compile, weighting", [
    ({}, "none"),
    ({"loss_weights": {"out_a": 0.5, "out_b": 2.0}}, "none"),
    ({}, "sample_weight_per_output"),
    ({}, "one_sample_weight"),
    ({"weighted_metrics": [["accuracy"], ["mae"]]}, "one_sample_weight"),  # 'weighted_accuracy' beside 'accuracy'
    ({"metrics": None, "weighted_metrics": {"out_a": "accuracy", "out_b": []}}, "sample_weight_per_output"),
])
def test_evaluate_matches_keras(keras, rng, extra_compile, weighting):
    ours, theirs, (xa, xb, ya, yb) = built_pair(keras, rng, n=11)
    compile_args = {"loss": ["sparse_categorical_crossentropy", "mse"], "metrics": [["accuracy"], ["mae"]],
                    **extra_compile}
    ours.compile("sgd", **compile_args)
    theirs.compile("sgd", **compile_args)
    sample_weight = None
    if weighting == "sample_weight_per_output":
        sample_weight = [rng.uniform(0, 2, 11).astype("float32"), rng.uniform(0, 2, 11).astype("float32")]
    elif weighting == "one_sample_weight":
        sample_weight = rng.uniform(0, 2, 11).astype("float32")
    mine = ours.evaluate({"in_a": xa, "in_b": xb}, {"out_a": ya, "out_b": yb}, batch_size=4,
                         sample_weight=sample_weight, return_dict=True)
    expected = theirs.evaluate([xa, xb], [ya, yb], batch_size=4, sample_weight=sample_weight, verbose=0,
                               return_dict=True)
    assert list(mine) == list(expected)
    np.testing.assert_allclose(list(mine.values()), list(expected.values()), rtol=1e-5)


@pytest.mark.keras
def test_one_sgd_step_with_loss_and_sample_weights_matches_keras(keras, rng):
    ours, theirs, (xa, xb, ya, yb) = built_pair(keras, rng)
    weights = [rng.uniform(0, 2, 10).astype("float32"), rng.uniform(0, 2, 10).astype("float32")]
    for model, optimizer in ((ours, functools_partial_sgd()), (theirs, keras.optimizers.SGD(0.1))):
        model.compile(optimizer, loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[0.5, 2.0])
    mine = ours.fit([xa, xb], [ya, yb], batch_size=10, shuffle=False, sample_weight=weights, verbose=0)
    expected = theirs.fit([xa, xb], [ya, yb], batch_size=10, shuffle=False, sample_weight=weights, verbose=0)
    for key in expected.history:
        np.testing.assert_allclose(mine.history[key], expected.history[key], rtol=1e-5)
    for after, keras_after in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(after, keras.ops.convert_to_numpy(keras_after), rtol=1e-5, atol=1e-6)


def functools_partial_sgd():
    return lambda params: d2l.nn.SGD(params, lr=0.1)


@pytest.mark.keras
def test_class_weight_step_matches_keras(keras, rng):
    x = rng.normal(size=(12, 4)).astype("float32")
    y = rng.integers(0, 3, 12)
    ours = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    ours.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    mine = ours.fit(x, y, batch_size=5, shuffle=False, class_weight=class_weight, verbose=0)
    expected = theirs.fit(x, y, batch_size=5, shuffle=False, class_weight=class_weight, verbose=0)
    np.testing.assert_allclose(mine.history["loss"], expected.history["loss"], rtol=1e-5)
    for after, keras_after in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(after, keras.ops.convert_to_numpy(keras_after), rtol=1e-5, atol=1e-6)


@pytest.mark.keras
def test_masked_sequence_loss_with_sample_weights_matches_keras(keras, rng):
    tokens = rng.integers(1, 9, size=(6, 5))
    tokens[0, 3:] = 0
    tokens[2, 1:] = 0
    targets = rng.integers(0, 4, size=(6, 5))
    # Keras takes (B, T) weights for a sequence output; (B,) weights would be the same for every step.
    sample_weight = np.repeat(rng.uniform(0.5, 2, (6, 1)), 5, axis=1).astype("float32")
    ours = models.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(9, 4, mask_zero=True),
                              layers.SimpleRNN(3, return_sequences=True), layers.Dense(4, activation="softmax")])
    theirs = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(9, 4, mask_zero=True),
                               keras.layers.SimpleRNN(3, return_sequences=True),
                               keras.layers.Dense(4, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile("sgd", "sparse_categorical_crossentropy")
    mine = ours.evaluate(tokens, targets, sample_weight=sample_weight, batch_size=6)
    np.testing.assert_allclose(ours.evaluate(tokens, targets, sample_weight=sample_weight[:, 0], batch_size=6), mine,
                               rtol=1e-6)
    expected = theirs.evaluate(tokens, targets, sample_weight=sample_weight, batch_size=6, verbose=0)
    np.testing.assert_allclose(mine, expected, rtol=1e-5)


def test_loss_weights_weigh_the_total_loss_only(rng):
    xa, xb, ya, yb = data(rng)
    model = TwoInTwoOut()
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[0.25, 3.0])
    logs = model.evaluate([xa, xb], [ya, yb], return_dict=True)
    probabilities, regression = model.predict([xa, xb])
    cross_entropy = -np.log(probabilities[np.arange(10), ya]).mean()
    squared_error = ((regression - yb) ** 2).mean()
    np.testing.assert_allclose([logs["out_a_loss"], logs["out_b_loss"]], [cross_entropy, squared_error], rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], 0.25 * cross_entropy + 3.0 * squared_error, rtol=1e-5)


def test_sample_weights_scale_each_sample_and_divide_by_the_sample_count(rng):
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    weights = rng.uniform(0, 3, 8)
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    squared = ((model.predict(x) - y) ** 2)[:, 0]
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=weights, batch_size=8),
                               (squared * weights).sum() / 8, rtol=1e-5)


def test_a_generator_with_steps_per_epoch_trains_like_the_arrays(rng):
    xa, xb, ya, yb = data(rng, 12)

    def batches():
        while True:
            for start in range(0, 12, 4):
                yield [xa[start:start + 4], xb[start:start + 4]], [ya[start:start + 4], yb[start:start + 4]]

    from_arrays, from_generator = TwoInTwoOut(), TwoInTwoOut()
    from_arrays([xa, xb])
    from_generator([xa, xb])
    from_generator.set_weights(from_arrays.get_weights())
    for model in (from_arrays, from_generator):
        model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], []])
    by_arrays = from_arrays.fit([xa, xb], [ya, yb], batch_size=4, epochs=4, initial_epoch=1, shuffle=False,
                                verbose=0)
    by_generator = from_generator.fit(batches(), steps_per_epoch=3, epochs=4, initial_epoch=1, verbose=0)
    assert by_generator.epoch == by_arrays.epoch == [1, 2, 3]
    for key in by_arrays.history:
        np.testing.assert_allclose(by_generator.history[key], by_arrays.history[key], rtol=1e-6)
    for a, b in zip(from_arrays.get_weights(), from_generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_an_iterable_is_read_again_each_epoch_and_a_generator_runs_dry(rng):
    x = rng.normal(size=(6, 2)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")

    class Batches:
        def __iter__(self):
            return iter([(x[:3], y[:3]), (x[3:], y[3:])])

    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    assert model.fit(Batches(), epochs=3, verbose=0).epoch == [0, 1, 2]
    one_shot = ((x[i:i + 3], y[i:i + 3]) for i in (0, 3))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(one_shot, epochs=3, verbose=0)
    assert history.epoch == [0]
    np.testing.assert_allclose(model.evaluate(Batches()), model.evaluate(x, y, batch_size=3), rtol=1e-6)
    np.testing.assert_allclose(model.predict(iter([x[:4], x[4:]])), model.predict(x), rtol=1e-6)


def test_validation_data_with_several_inputs_is_evaluated_each_epoch(rng):
    xa, xb, ya, yb = data(rng)
    va, vb, vya, vyb = data(rng, 7)
    model = TwoInTwoOut()
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], []])
    history = model.fit([xa, xb], [ya, yb], epochs=2, validation_data=([va, vb], [vya, vyb]), verbose=0)
    expected = model.evaluate([va, vb], [vya, vyb], return_dict=True)
    for key, value in expected.items():
        np.testing.assert_allclose(history.history[f"val_{key}"][-1], value, rtol=1e-6)
    history = model.fit([xa, xb], [ya, yb], epochs=3, validation_data=([va, vb], [vya, vyb]), validation_freq=2,
                        verbose=0)
    assert len(history.history["val_loss"]) == 1 and len(history.history["loss"]) == 3


def test_validation_split_splits_every_array_at_the_same_sample(rng):
    xa, xb, ya, yb = data(rng)
    model = TwoInTwoOut()
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"])
    history = model.fit([xa, xb], [ya, yb], epochs=1, validation_split=0.3, shuffle=False, verbose=0)
    expected = model.evaluate([xa[7:], xb[7:]], [ya[7:], yb[7:]])
    np.testing.assert_allclose(history.history["val_loss"][0], expected[0], rtol=1e-6)


def test_predict_keeps_the_output_structure(rng):
    xa, xb, _, _ = data(rng)
    model = TwoInTwoOut()
    out_a, out_b = model.predict([xa, xb], batch_size=3)
    direct = model([xa, xb])
    np.testing.assert_allclose(out_a, direct[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(out_b, direct[1].numpy(), rtol=1e-6)


def test_initial_epoch_at_or_past_epochs_trains_nothing(rng):
    xa, xb, ya, yb = data(rng)
    model = TwoInTwoOut()
    model([xa, xb])
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"])
    before = model.get_weights()
    history = model.fit([xa, xb], [ya, yb], epochs=2, initial_epoch=2, verbose=0)
    assert history.epoch == [] and history.history == {}
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------- bad input
def compiled(**kwargs):
    model = TwoInTwoOut()
    model.compile("sgd", **{"loss": ["sparse_categorical_crossentropy", "mse"], **kwargs})
    return model


@pytest.mark.parametrize("arguments, error, pattern", [
    (dict(loss={"out_c": "mse"}), ValueError, r"loss: unknown output names \['out_c'\]"),
    (dict(loss={"out_a": "mse"}), ValueError, r"loss: expected keys \['out_a', 'out_b'\]"),
    (dict(loss=["mse"]), ValueError, "loss: expected one loss per output"),
    (dict(loss=[None, None]), ValueError, "loss: compile needs a loss"),
    (dict(loss=["mse", "mse"], loss_weights=[1.0]), ValueError, "loss_weights: expected one weight per output"),
    (dict(loss=["mse", "mse"], loss_weights={"out_a": 1.0}), ValueError, "loss_weights: expected a weight"),
    (dict(loss=["mse", "mse"], loss_weights=["a", 1]), TypeError, "loss_weights: expected numbers"),
    (dict(loss=["mse", "mse"], metrics=["mae"]), ValueError, "metrics: with several outputs"),
    (dict(loss=["mse", "mse"], metrics={"out_z": ["mae"]}), ValueError, "metrics: unknown output names"),
    (dict(loss=["mse", "mse"], metrics=[["maee"], []]), ValueError, "unknown metric 'maee'"),
])
def test_compile_rejects_bad_per_output_arguments(arguments, error, pattern):
    with pytest.raises(error, match=pattern):
        TwoInTwoOut().compile("sgd", **arguments)


def test_fit_names_the_argument_with_bad_data(rng):
    xa, xb, ya, yb = data(rng)
    model = compiled()
    with pytest.raises(ValueError, match=r"x\[1\]: 5"):
        model.fit([xa, xb[:5]], [ya, yb], verbose=0)
    with pytest.raises(ValueError, match=r"y\[1\]: 4"):
        model.fit([xa, xb], [ya, yb[:4]], verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight\[0\]: 3"):
        model.fit([xa, xb], [ya, yb], sample_weight=np.ones(3), verbose=0)
    with pytest.raises(ValueError, match="holds no samples"):
        model.fit([xa[:0], xb[:0]], [ya[:0], yb[:0]], verbose=0)
    with pytest.raises(ValueError, match="holds no samples"):
        model.evaluate([xa[:0], xb[:0]], [ya[:0], yb[:0]])
    with pytest.raises(ValueError, match="holds no samples"):
        model.predict([xa[:0], xb[:0]])
    with pytest.raises(ValueError, match="y: expected one entry per output"):
        model.fit([xa, xb], [ya], verbose=0)
    with pytest.raises(ValueError, match="y: the model has 2 outputs"):
        model.fit([xa, xb], ya, verbose=0)
    with pytest.raises(ValueError, match=r"y: unknown output names \['out_c'\]"):
        model.fit([xa, xb], {"out_a": ya, "out_c": yb}, verbose=0)
    with pytest.raises(ValueError, match="y: no targets for output 'out_b'"):
        model.fit([xa, xb], {"out_a": ya}, verbose=0)
    with pytest.raises(ValueError, match="class_weight: only models with a single output"):
        model.fit([xa, xb], [ya, yb], class_weight={0: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="validation_data: expected a tuple"):
        model.fit([xa, xb], [ya, yb], validation_data=[xa], verbose=0)
    with pytest.raises(ValueError, match=r"validation_data: .*x\[1\]: 3"):
        model.fit([xa, xb], [ya, yb], validation_data=([xa, xb[:3]], [ya, yb]), verbose=0)
    with pytest.raises(ValueError, match="initial_epoch"):
        model.fit([xa, xb], [ya, yb], initial_epoch=-1, verbose=0)


def test_single_output_bad_data_names_the_argument(rng):
    x = rng.normal(size=(6, 2)).astype("float32")
    y = rng.integers(0, 2, 6)
    model = models.Sequential([layers.Input((2,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="class_weight: give class_weight or sample_weight, not both"):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(6), verbose=0)
    with pytest.raises(TypeError, match="class_weight: expected a dict"):
        model.fit(x, y, class_weight=[1.0, 2.0], verbose=0)
    with pytest.raises(ValueError, match="sample_weight: expected numbers"):
        model.fit(x, y, sample_weight=np.array(["a"] * 6), verbose=0)
    with pytest.raises(ValueError, match="y: give no y"):
        model.fit(iter([(x, y)]), y, verbose=0)
    with pytest.raises(ValueError, match="validation_split: only arrays"):
        model.fit(iter([(x, y)]), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(iter([(x, y)]), steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match=r"each batch of the iterable x must be a tuple \(x, y\)"):
        model.fit(iter([x]), verbose=0)
    with pytest.raises(ValueError, match="y: fit needs inputs x and targets y"):
        model.fit(x, verbose=0)
    with pytest.raises(TypeError, match="callbacks: expected Callback objects"):
        model.fit(x, y, callbacks=[print], verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, list(y), verbose=0)  # a list of labels is one array for a one-output model


def test_class_weights_apply_to_batches_of_an_iterable_and_validation_takes_sample_weights(rng):
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.integers(0, 2, 8)
    val_weights = rng.uniform(0, 2, 8).astype("float32")

    def make():
        model = models.Sequential([layers.Input((2,)), layers.Dense(2, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        return model

    by_arrays, by_batches = make(), make()
    by_batches.set_weights(by_arrays.get_weights())
    class_weight = {0: 0.5, 1: 4.0}
    expected = by_arrays.fit(x, y, batch_size=4, shuffle=False, class_weight=class_weight,
                             validation_data=(x, y, val_weights), verbose=0)
    history = by_batches.fit(iter([(x[:4], y[:4]), (x[4:], y[4:])]), class_weight=class_weight,
                             validation_data=(x, y, val_weights), verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(expected.history["val_loss"],
                               by_arrays.evaluate(x, y, sample_weight=val_weights), rtol=1e-6)
    assert expected.history["val_loss"][0] != pytest.approx(by_arrays.evaluate(x, y))


def test_fit_evaluate_predict_on_a_simulated_gpu_match_the_cpu(rng, monkeypatch):
    from d2lrnn import backend
    from simulated_gpu import make_simulated_cupy

    xa, xb, ya, yb = data(rng, 12)
    weights = rng.uniform(0, 2, 12).astype("float32")
    results = []
    for device in ("cpu", "gpu"):
        if device == "gpu":
            monkeypatch.setattr(backend, "cupy", make_simulated_cupy())
            monkeypatch.setattr(backend, "_default_device", None)
            backend._checked_device.cache_clear()
        d2l.seed(3)
        model = TwoInTwoOut()
        model([xa, xb])
        model.to(device)
        model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]])
        history = model.fit([xa, xb], [ya, yb], batch_size=5, epochs=2, shuffle=False, sample_weight=weights,
                            validation_split=0.25, verbose=0)
        results.append((history.history, model.evaluate([xa, xb], [ya, yb], return_dict=True),
                        model.predict([xa, xb])))
    backend._checked_device.cache_clear()
    (cpu_history, cpu_logs, cpu_out), (gpu_history, gpu_logs, gpu_out) = results
    for key in cpu_history:
        np.testing.assert_allclose(gpu_history[key], cpu_history[key], rtol=1e-5)
    np.testing.assert_allclose(list(gpu_logs.values()), list(cpu_logs.values()), rtol=1e-5)
    for got, want in zip(gpu_out, cpu_out):
        assert type(got) is np.ndarray
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_a_dataset_of_len_batches_is_read_like_keras_pydataset_and_array_likes_are_data(rng):
    x = rng.normal(size=(6, 2)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")

    class Dataset:  # Keras's PyDataset protocol: len() batches, batch i by index
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[3 * i:3 * i + 3], y[3 * i:3 * i + 3]

    class ArrayLike:  # converts itself to an array (as pandas or torch do) and iterates over rows
        def __init__(self, array):
            self.array = array

        def __array__(self, dtype=None, copy=None):
            return self.array

        def __iter__(self):
            return iter(self.array)

        def __len__(self):
            return len(self.array)

    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    assert model.fit(Dataset(), epochs=2, verbose=0).epoch == [0, 1]
    assert model.fit(Dataset(), epochs=3, steps_per_epoch=3, verbose=0).epoch == [0, 1, 2]
    np.testing.assert_allclose(model.evaluate(Dataset()), model.evaluate(x, y, batch_size=3), rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(ArrayLike(x), ArrayLike(y)), model.evaluate(x, y), rtol=1e-6)


@pytest.mark.keras
def test_single_output_weighted_metrics_match_keras(keras, rng):
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.integers(0, 2, 10)
    weights = rng.uniform(0, 2, 10).astype("float32")
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"])
    mine = ours.evaluate(x, y, sample_weight=weights, return_dict=True)
    expected = theirs.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    assert sorted(mine) == sorted(expected) == ["accuracy", "loss", "weighted_accuracy"]
    for key in expected:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-5)
    with pytest.raises(ValueError, match="weighted_metrics: unknown metric 'acc_'"):
        ours.compile("sgd", "sparse_categorical_crossentropy", weighted_metrics=["acc_"])
