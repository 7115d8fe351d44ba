"""Sequential: building, compile/fit/evaluate/predict against NumPy, History, weights files, errors."""
import functools

import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, models, regularizers


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


def _separable(rng, n=128):
    x = rng.normal(size=(n, 2)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("float32")
    return x, y


def test_fit_lowers_the_loss_on_a_separable_task(rng):
    x, y = _separable(rng)
    model = models.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=functools.partial(d2l.nn.Adam, lr=0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(x, y)[0]
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(x, y)[0] < before
    assert history.history["accuracy"][-1] >= 0.95


def test_history_keys_and_epochs(rng):
    x, y = _separable(rng, 40)
    model = models.Sequential([layers.Dense(4, activation="relu", input_shape=(2,)), layers.Dense(1, "sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in history.history.values())
    assert model.history is history
    assert history.params["epochs"] == 3 and history.params["steps"] == 1  # 30 samples, batch 32


def test_validation_split_takes_the_last_samples_before_shuffling(rng):
    seen = []

    def recording_mse(y_true, y_pred):
        seen.extend(np.asarray(y_true).reshape(-1).tolist())
        return ((y_pred - y_true[:, None].astype("float32")) ** 2).mean(axis=-1)

    x = rng.normal(size=(10, 3))
    y = np.arange(10.0)
    model = models.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss=recording_mse)
    history = model.fit(x, y, epochs=1, batch_size=4, validation_split=0.3, shuffle=True, verbose=0)
    train_seen, val_seen = seen[:7], seen[7:]
    assert sorted(train_seen) == list(range(7))  # floor(10 * 0.7) = 7 training samples, shuffled
    assert val_seen == [7.0, 8.0, 9.0]  # the last 3, in order
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[7:], y[7:]))


def test_one_sgd_step_matches_numpy_with_the_l2_penalty(rng):
    x = rng.normal(size=(8, 3))
    y = rng.normal(size=(8, 2))
    model = models.Sequential([layers.Dense(2, kernel_regularizer=regularizers.L2(0.1), input_shape=(3,),
                                            dtype="float64")])
    w, b = [a.copy() for a in model.get_weights()]
    model.compile(optimizer=functools.partial(d2l.nn.SGD, lr=0.05), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)

    error = x @ w + b - y
    expected_loss = (error**2).mean() + 0.1 * (w**2).sum()
    grad_w = 2 * x.T @ error / error.size + 2 * 0.1 * w
    grad_b = 2 * error.sum(0) / error.size
    assert history.history["loss"][0] == pytest.approx(expected_loss, rel=1e-10)
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.05 * grad_w, rtol=1e-10)
    np.testing.assert_allclose(new_b, b - 0.05 * grad_b, rtol=1e-10)
    # evaluate reports the penalty too
    w, b = model.get_weights()
    assert model.evaluate(x, y) == pytest.approx(((x @ w + b - y) ** 2).mean() + 0.1 * (w**2).sum(), rel=1e-10)


def test_penalty_changes_training(rng):
    x, y = _separable(rng, 32)

    def trained_norm(regularizer):
        d2l.seed(3)
        model = models.Sequential([layers.Dense(1, "sigmoid", kernel_regularizer=regularizer, input_shape=(2,))])
        model.compile(optimizer=functools.partial(d2l.nn.Adam, lr=0.1), loss="binary_crossentropy")
        model.fit(x, y, epochs=60, verbose=0)
        return np.abs(model.get_weights()[0]).sum()

    assert trained_norm(regularizers.L1(0.1)) < 0.5 * trained_norm(None)


def test_masked_sequence_loss_and_accuracy_match_numpy(rng):
    ids = np.array([[1, 2, 3, 0], [4, 1, 0, 0]])
    targets = np.array([[0, 1, 2, 0], [1, 1, 2, 2]])
    model = models.Sequential([layers.Embedding(5, 3, mask_zero=True, dtype="float64"),
                               layers.Dense(3, dtype="float64")])
    model.compile(loss=models.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    loss, accuracy = model.evaluate(ids, targets)

    table, kernel, bias = model.get_weights()
    logits = table[ids] @ kernel + bias
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per_step = -np.take_along_axis(log_p, targets[..., None], -1)[..., 0]
    valid = ids != 0
    assert loss == pytest.approx(per_step[valid].mean(), rel=1e-10)
    assert accuracy == pytest.approx((logits.argmax(-1) == targets)[valid].mean())


def test_a_metric_object_starts_afresh_for_every_epoch_and_evaluation(rng):
    x, y = _separable(rng, 48)
    x_val, y_val = x[32:], y[32:]
    model = models.Sequential([layers.Dense(1, "sigmoid", input_shape=(2,), dtype="float64")])
    model.compile(optimizer=functools.partial(d2l.nn.SGD, lr=0.5), loss="binary_crossentropy",
                  metrics=[models.metrics.MeanMetric(models.metrics.binary_accuracy, "acc")])

    def numpy_accuracy(x, y):
        kernel, bias = model.get_weights()
        p = 1 / (1 + np.exp(-(x @ kernel + bias)))
        return ((p[:, 0] > 0.5) == (y > 0.5)).mean()

    val_accuracies = []

    class RecordValidationAccuracy(models.Callback):
        def on_epoch_end(self, epoch, logs=None):
            val_accuracies.append((logs["val_acc"], numpy_accuracy(x_val, y_val)))

    model.fit(x[:32], y[:32], epochs=3, batch_size=8, validation_data=(x_val, y_val),
              callbacks=[RecordValidationAccuracy()], verbose=0)
    for reported, expected in val_accuracies:
        assert reported == pytest.approx(expected)
    assert model.evaluate(x, y)[1] == pytest.approx(numpy_accuracy(x, y))
    assert model.evaluate(x_val, y_val)[1] == pytest.approx(numpy_accuracy(x_val, y_val))


def test_predict_matches_calling_the_model(rng):
    x = rng.normal(size=(70, 4)).astype("float32")
    model = models.Sequential([layers.Dense(3, activation="softmax")])
    out = model.predict(x, batch_size=32)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3)
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6)


def test_dropout_is_off_in_predict_and_evaluate_and_on_in_fit():
    x, y = np.ones((64, 3)), np.zeros((64, 1))
    model = models.Sequential([layers.Input((3,)), layers.Dropout(0.5, dtype="float64"),
                               layers.Dense(1, use_bias=False, kernel_initializer="ones", dtype="float64")])
    model.compile(optimizer=functools.partial(d2l.nn.SGD, lr=0.01), loss="mse")
    # Without dropout every output is 1 + 1 + 1 = 3: loss 9, and dloss/dkernel = 2 * 3 = 6 for each row.
    np.testing.assert_array_equal(model.predict(x), np.full((64, 1), 3.0))
    assert model.evaluate(x, y) == pytest.approx(9.0)
    history = model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] != pytest.approx(9.0)
    assert not np.allclose(model.get_weights()[0], 1 - 0.01 * 6.0)


def test_fit_is_seed_deterministic(rng):
    x, y = _separable(rng, 50)

    def run():
        layers.clear_session()
        d2l.seed(7)
        model = models.Sequential([layers.Dense(4, "tanh", input_shape=(2,)), layers.Dropout(0.3),
                                   layers.Dense(1, "sigmoid")])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
        return model.fit(x, y, epochs=3, batch_size=8, verbose=0).history

    assert run() == run()


def test_fit_prints_one_line_per_epoch(rng, capsys):
    x, y = _separable(rng, 20)
    model = models.Sequential([layers.Dense(1, "sigmoid", input_shape=(2,))])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - loss: ") and " - accuracy: " in lines[0]


def test_text_vectorization_first_layer_trains_on_strings():
    sentences = ["good fun", "bad boring", "fun good good", "boring bad", "good", "bad"] * 4
    labels = np.array([1, 0, 1, 0, 1, 0] * 4, dtype="float32")
    vectorize = layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(sentences)
    model = models.Sequential([vectorize, layers.Embedding(vectorize.vocabulary_size(), 4),
                               layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model(np.array(sentences[:1]))
    assert model.predict(sentences).shape == (24, 3, 1)


def test_building_from_input_and_lazily(rng):
    declared = models.Sequential([layers.Input((None, 6)), layers.Dense(4), layers.Dense(2)])
    assert declared.built and declared.count_params() == 6 * 4 + 4 + 4 * 2 + 2
    lazy = models.Sequential()
    lazy.add(layers.Dense(4))
    assert not lazy.built
    lazy(np.zeros((3, 5, 6)))
    assert lazy.count_params() == 28
    assert [w.path for w in lazy.weights] == ["dense_2/kernel", "dense_2/bias"]


def test_layers_get_layer_and_weights():
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, name="hidden"), layers.Dense(1)])
    assert [l.name for l in model.layers] == ["hidden", "dense"]
    assert model.get_layer("hidden") is model.layers[0] and model.get_layer(index=1) is model.layers[1]
    assert [w.shape for w in model.weights] == [(3, 2), (2,), (2, 1), (1,)]
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="Input can only be the first"):
        model.add(layers.Input((2,)))
    with pytest.raises(TypeError, match="expected a Layer"):
        model.add("dense")


def test_save_and_load_weights_round_trip(rng, tmp_path):
    x = rng.normal(size=(5, 3)).astype("float32")

    def make():
        return models.Sequential([layers.Input((3,)), layers.Dense(4, "relu"), layers.Dense(2)])

    model, other = make(), make()
    path = str(tmp_path / "model.npz")
    model.save_weights(path)
    assert not np.allclose(other.predict(x), model.predict(x))
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))

    wrong = models.Sequential([layers.Input((3,)), layers.Dense(5, "relu"), layers.Dense(2)])
    with pytest.raises(ValueError, match="shape \\(3, 5\\).*shape \\(3, 4\\)"):
        wrong.load_weights(path)
    model.save_weights(str(tmp_path / "model.weights"))  # the path is used as given
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "model.weights"]
    with pytest.raises(ValueError, match="not built"):
        models.Sequential([layers.Dense(2)]).load_weights(path)


def test_reset_states_reaches_stateful_layers():
    class Counter(layers.Layer):
        stateful = True

        def __init__(self):
            super().__init__()
            self.resets = 0

        def call(self, x):
            return x

        def compute_output_shape(self, shape):
            return shape

        def reset_states(self):
            self.resets += 1

    counter = Counter()
    model = models.Sequential([layers.Input((2,)), counter, layers.Dense(1)])
    model.reset_states()
    assert counter.resets == 1


EXPECTED_DENSE_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ embedding (Embedding)                │ (None, 20, 8)               │             800 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense (Dense)                        │ (None, 20, 16)              │             144 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dropout (Dropout)                    │ (None, 20, 16)              │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_1 (Dense)                      │ (None, 20, 1)               │              17 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 961 (3.75 KB)
 Trainable params: 961 (3.75 KB)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_of_a_built_model(capsys):
    model = models.Sequential([layers.Input((20,), dtype="int32"), layers.Embedding(100, 8), layers.Dense(16),
                               layers.Dropout(0.5), layers.Dense(1)])
    model.summary()
    assert capsys.readouterr().out == EXPECTED_DENSE_SUMMARY + "\n"


def test_summary_of_an_unbuilt_model_and_frozen_weights():
    lines = []
    model = models.Sequential([layers.Dense(3), layers.Dense(1)])
    model.summary(print_fn=lines.append)
    assert "│ dense (Dense)                        │ ?                           │     0 (unbuilt) │" in lines[0]
    model(np.zeros((2, 4)))
    model.layers[0].trainable = False
    model.summary(print_fn=lines.append)
    assert lines[1].splitlines()[-3:] == [" Total params: 19 (76.00 B)", " Trainable params: 4 (16.00 B)",
                                          " Non-trainable params: 15 (60.00 B)"]


def test_frozen_layer_is_not_trained(rng):
    x, y = _separable(rng, 16)
    model = models.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1, "sigmoid")])
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)


def test_compile_and_fit_errors(rng):
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="unknown optimizer 'adamw_typo'"):
        model.compile(optimizer="adamw_typo", loss="mse")
    with pytest.raises(ValueError, match="unknown loss 'msee'"):
        model.compile(loss="msee")
    with pytest.raises(ValueError, match="unknown metric 'accurracy'"):
        model.compile(loss="mse", metrics=["accurracy"])
    with pytest.raises(ValueError, match="metrics: expected a list"):
        model.compile(loss="mse", metrics="accuracy")
    with pytest.raises(RuntimeError, match="compile the model first"):
        model.fit(np.zeros((2, 2)), np.zeros(2))
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(np.zeros((3, 2)), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(np.zeros((3, 2)), np.zeros(3), validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="too few"):
        model.fit(np.zeros((1, 2)), np.zeros(1), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(np.zeros((3, 2)), np.zeros(3), batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="pad_sequences"):
        model.fit([[1, 2], [3]], np.zeros(2), verbose=0)


def test_optimizer_choices(rng):
    x, y = _separable(rng, 8)
    model = models.Sequential([layers.Dense(1, "sigmoid", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(x, y, verbose=0)
    assert isinstance(model.optimizer, d2l.nn.SGD) and model.optimizer.lr == 0.01
    model.compile(optimizer="RMSprop", loss="binary_crossentropy")
    model.fit(x, y, verbose=0)
    assert (model.optimizer.lr, model.optimizer.alpha, model.optimizer.eps) == (0.001, 0.9, 1e-7)
    mine = d2l.nn.Adam(model.trainable_weights, lr=0.1)
    model.compile(optimizer=mine, loss="binary_crossentropy")
    model.fit(x, y, verbose=0)
    assert model.optimizer is mine


def test_callbacks_see_every_epoch_and_can_stop(rng):
    x, y = _separable(rng, 8)

    class StopAfterTwo(models.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append((epoch, sorted(logs)))
            if epoch == 1:
                self.model.stop_training = True

    stopper = StopAfterTwo()
    model = models.Sequential([layers.Dense(1, "sigmoid", input_shape=(2,))])
    model.compile(loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, callbacks=[stopper], verbose=0)
    assert stopper.epochs == [(0, ["loss"]), (1, ["loss"])]
    assert history.epoch == [0, 1]


def test_a_layer_with_several_outputs_must_be_last():
    model = models.Sequential([layers.Input((40, 64)), layers.SimpleRNN(8, return_state=True)])
    with pytest.raises(ValueError, match="returns several tensors"):
        model.add(layers.Dense(1))
        model.build()
