"""Callbacks against Keras 3: both implementations are driven with the same scripted logs through
their hooks, on a stand-in model that records what the callbacks do to it (stop, restore weights,
change the learning rate, save). Then each callback runs inside a real ``fit``.
"""
import csv
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import d2lrnn as d2l
from d2lrnn import layers, models
from d2lrnn.models import callbacks


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


class Optimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class StandIn:
    """What callbacks touch: weights (one array holding the current epoch), stop_training, the
    optimizer's learning rate, save and save_weights."""

    output_names = ["out"]

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.epoch = -1
        self.restored = None
        self.optimizer = Optimizer(learning_rate)
        self.saved = []

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, weights):
        self.restored = int(np.asarray(weights[0]))

    def save(self, path, overwrite=True):
        self.saved.append(("model", path))

    def save_weights(self, path, overwrite=True):
        self.saved.append(("weights", path))


def drive(callback, values, monitor="val_loss", batches_per_epoch=0, model=None):
    """Run ``callback`` through a scripted training; returns what happened, comparable across libraries."""
    model = model or StandIn()
    callback.set_model(model)
    callback.on_train_begin({})
    record = {"epochs": [], "learning_rates": [], "logged_rates": []}
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_begin(epoch, {})
        record["learning_rates"].append(float(model.optimizer.learning_rate))
        for batch in range(batches_per_epoch):
            callback.on_train_batch_begin(batch, {})
            callback.on_train_batch_end(batch, {"loss": value})
        logs = {"loss": value + 1.0, monitor: value}
        callback.on_epoch_end(epoch, logs)
        record["logged_rates"].append(logs.get("learning_rate"))
        record["epochs"].append(epoch)
        if model.stop_training:
            break
    callback.on_train_end({})
    record["restored"] = model.restored
    record["saved"] = model.saved
    return record


values_strategy = st.lists(st.sampled_from([0.5, 0.8, 1.0, 1.1, 1.2, 1.25, 1.5, 2.0]), min_size=1, max_size=12)


# ------------------------------------------------------------------- EarlyStopping
@pytest.mark.keras
@settings(max_examples=150, deadline=None)
@given(values=values_strategy, patience=st.integers(0, 4), min_delta=st.sampled_from([0.0, 0.1, 0.3]),
       mode=st.sampled_from(["auto", "min", "max"]), baseline=st.sampled_from([None, 1.0, 0.9]),
       restore=st.booleans(), start_from_epoch=st.integers(0, 3))
def test_early_stopping_stops_and_restores_as_keras(keras, values, patience, min_delta, mode, baseline, restore,
                                                     start_from_epoch):
    arguments = dict(monitor="val_loss", patience=patience, min_delta=min_delta, mode=mode, baseline=baseline,
                     restore_best_weights=restore, start_from_epoch=start_from_epoch)
    ours = callbacks.EarlyStopping(**arguments)
    theirs = keras.callbacks.EarlyStopping(**arguments)
    assert drive(ours, values) == drive(theirs, values)
    assert (ours.stopped_epoch, ours.best_epoch, ours.wait) == (theirs.stopped_epoch, theirs.best_epoch, theirs.wait)
    assert ours.best == (None if theirs.best is None else float(theirs.best))


@pytest.mark.keras
def test_early_stopping_example_epoch_and_weights(keras):
    # Best at epoch 2 (0-based); patience 3 stops at epoch 5; the weights of epoch 2 come back.
    values = [1.0, 0.9, 0.7, 0.75, 0.8, 0.72, 0.6, 0.5]
    for implementation in (callbacks, keras.callbacks):
        record = drive(implementation.EarlyStopping(patience=3, restore_best_weights=True), values)
        assert record["epochs"][-1] == 5 and record["restored"] == 2


def test_early_stopping_auto_mode_maximises_accuracy_and_needs_a_mode_for_unknown_names():
    record = drive(callbacks.EarlyStopping(monitor="val_accuracy", patience=1), [0.5, 0.6, 0.6, 0.7],
                   monitor="val_accuracy")
    assert record["epochs"] == [0, 1, 2]
    prefixed = callbacks.EarlyStopping(monitor="val_out_accuracy", patience=1)
    assert drive(prefixed, [0.5, 0.6, 0.6], monitor="val_out_accuracy")["epochs"] == [0, 1, 2]
    with pytest.raises(ValueError, match="monitor=val_my_score.*mode='max'"):
        drive(callbacks.EarlyStopping(monitor="val_my_score"), [1.0], monitor="val_my_score")
    with pytest.warns(UserWarning, match="mode 'up' is unknown"):
        callbacks.EarlyStopping(mode="up")
    with pytest.warns(UserWarning, match="not available"):
        assert drive(callbacks.EarlyStopping(monitor="val_acc"), [1.0, 2.0])["epochs"] == [0, 1]


# ------------------------------------------------------------- ReduceLROnPlateau
@pytest.mark.keras
@settings(max_examples=100, deadline=None)
@given(values=values_strategy, patience=st.integers(0, 3), factor=st.sampled_from([0.5, 0.1]),
       cooldown=st.integers(0, 2), min_lr=st.sampled_from([0.0, 0.02]), min_delta=st.sampled_from([1e-4, 0.2]),
       mode=st.sampled_from(["auto", "min", "max"]))
def test_reduce_lr_on_plateau_matches_keras(keras, values, patience, factor, cooldown, min_lr, min_delta, mode):
    arguments = dict(monitor="val_loss", factor=factor, patience=patience, cooldown=cooldown, min_lr=min_lr,
                     min_delta=min_delta, mode=mode)
    mine = drive(callbacks.ReduceLROnPlateau(**arguments), values)
    expected = drive(keras.callbacks.ReduceLROnPlateau(**arguments), values)
    assert mine["epochs"] == expected["epochs"]
    np.testing.assert_allclose(mine["learning_rates"], expected["learning_rates"], rtol=1e-12)
    np.testing.assert_allclose(mine["logged_rates"], expected["logged_rates"], rtol=1e-12)


def test_reduce_lr_on_plateau_rejects_a_factor_of_one_or_more():
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.0)


# --------------------------------------------------------- LearningRateScheduler
@pytest.mark.keras
@pytest.mark.parametrize("schedule", [lambda epoch: 0.1 / (epoch + 1), lambda epoch, lr: lr * 0.5 if epoch else lr])
def test_learning_rate_scheduler_matches_keras(keras, schedule):
    values = [1.0, 0.9, 0.8, 0.7]
    mine = drive(callbacks.LearningRateScheduler(schedule), values)
    expected = drive(keras.callbacks.LearningRateScheduler(schedule), values)
    np.testing.assert_allclose(mine["learning_rates"], expected["learning_rates"], rtol=1e-12)
    np.testing.assert_allclose(mine["logged_rates"], expected["logged_rates"], rtol=1e-12)


def test_learning_rate_scheduler_needs_a_float():
    with pytest.raises(ValueError, match="schedule: the output of the schedule function should be a float"):
        drive(callbacks.LearningRateScheduler(lambda epoch: 1), [1.0])
    with pytest.raises(TypeError, match="schedule"):
        callbacks.LearningRateScheduler(0.1)


# ------------------------------------------------------------------ TerminateOnNaN
@pytest.mark.keras
@pytest.mark.parametrize("losses", [[1.0, 0.5, float("nan"), 0.3], [1.0, float("inf")], [1.0, 2.0]])
def test_terminate_on_nan_stops_at_the_same_batch_as_keras(keras, losses, capsys):
    stops = []
    for callback in (callbacks.TerminateOnNaN(), keras.callbacks.TerminateOnNaN()):
        model = StandIn()
        callback.set_model(model)
        for batch, loss in enumerate(losses):
            callback.on_train_batch_end(batch, {"loss": loss})
            if model.stop_training:
                break
        stops.append((batch, model.stop_training))
    assert stops[0] == stops[1]
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        callbacks.TerminateOnNaN(raise_error=True).on_train_batch_end(1, {"loss": math.nan})


# ----------------------------------------------------------------------- CSVLogger
@pytest.mark.keras
@pytest.mark.parametrize("with_validation", [True, False])
def test_csv_logger_writes_the_same_file_as_keras(keras, tmp_path, with_validation):
    texts = []
    for name, implementation in (("ours", callbacks), ("keras", keras.callbacks)):
        path = tmp_path / f"{name}.csv"
        for append in (False, True):  # the second run appends without a header
            logger = implementation.CSVLogger(str(path), separator=";", append=append)
            logger.set_model(StandIn())
            logger.on_train_begin()
            for epoch in range(3):
                logs = {"loss": 1.0 / (epoch + 1), "accuracy": 0.25 * epoch}
                if with_validation:
                    logs.update(val_loss=0.5 + epoch, val_accuracy=0.125)
                logger.on_epoch_end(epoch, logs)
            logger.on_train_end()
        texts.append(path.read_text())
    assert texts[0] == texts[1]
    rows = list(csv.reader(texts[0].splitlines(), delimiter=";"))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"] and len(rows) == 7


# ------------------------------------------------------------------ ModelCheckpoint
@pytest.mark.keras
@pytest.mark.parametrize("arguments", [
    dict(),
    dict(save_best_only=True),
    dict(save_best_only=True, mode="max"),
    dict(save_best_only=True, monitor="loss", initial_value_threshold=1.9),
    dict(save_weights_only=True),
    dict(save_freq=3),
])
def test_model_checkpoint_saves_the_same_files_as_keras(keras, tmp_path, arguments):
    values = [1.0, 1.2, 0.8, 0.8, 0.5]
    suffix = ".weights.h5" if arguments.get("save_weights_only") else ".keras"
    fields = "{epoch:02d}_{batch}" if "save_freq" in arguments else "{epoch:02d}_{val_loss:.2f}"
    pattern = str(tmp_path / "ckpt" / ("m_" + fields + suffix))
    mine = drive(callbacks.ModelCheckpoint(pattern, **arguments), values, batches_per_epoch=2)
    expected = drive(keras.callbacks.ModelCheckpoint(pattern, **arguments), values, batches_per_epoch=2)
    assert mine["saved"] == expected["saved"] and mine["saved"]


def test_model_checkpoint_bad_arguments_name_them(tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m_{val_los}.keras"))
    with pytest.raises(KeyError, match="filepath.*val_los"):
        drive(checkpoint, [1.0])
    with pytest.raises(IsADirectoryError, match="filepath"):
        drive(callbacks.ModelCheckpoint(str(tmp_path)), [1.0])


# ------------------------------------------------------------------- LambdaCallback
def test_lambda_callback_calls_the_given_functions():
    calls = []
    callback = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: calls.append(("begin", epoch)),
                                        on_epoch_end=lambda epoch, logs: calls.append(("end", epoch, logs["val_loss"])),
                                        on_train_end=lambda logs: calls.append("done"),
                                        on_train_batch_end=lambda batch, logs: calls.append(("batch", batch)),
                                        on_test_end=lambda logs: calls.append("test"))
    drive(callback, [0.5, 0.25], batches_per_epoch=1)
    callback.on_test_end({})
    assert calls == [("begin", 0), ("batch", 0), ("end", 0, 0.5), ("begin", 1), ("batch", 0), ("end", 1, 0.25),
                     "done", "test"]
    with pytest.raises(TypeError, match="on_epoch_end"):
        callbacks.LambdaCallback(on_epoch_end=3)


# ------------------------------------------------------------- inside a real fit
def regression(rng, n=32):
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model, x, y


@pytest.mark.keras
def test_early_stopping_in_fit_stops_at_keras_epoch_and_restores_the_best_weights(keras, rng):
    scripted = [1.0, 0.8, 0.85, 0.6, 0.65, 0.7, 0.9, 0.4, 0.3]
    expected = drive(keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True), scripted)
    model, x, y = regression(rng)
    weights_by_epoch = []

    def script(epoch, logs):
        logs["val_loss"] = scripted[epoch]
        weights_by_epoch.append(model.get_weights())

    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=len(scripted), verbose=0,
                        callbacks=[callbacks.LambdaCallback(on_epoch_end=script), stopper])
    assert history.epoch == expected["epochs"] == [0, 1, 2, 3, 4, 5]
    assert history.history["val_loss"] == scripted[:6]
    for restored, best in zip(model.get_weights(), weights_by_epoch[expected["restored"]]):
        np.testing.assert_array_equal(restored, best)


def test_reduce_lr_and_scheduler_change_the_d2lrnn_optimizer(rng):
    model, x, y = regression(rng)
    model.compile(lambda params: d2l.nn.SGD(params, lr=0.1), "mse")
    scripted = [1.0, 1.0, 1.0, 1.0]
    force = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(val_loss=scripted[epoch]))
    history = model.fit(x, y, epochs=4, verbose=0,
                        callbacks=[force, callbacks.ReduceLROnPlateau(patience=1, factor=0.5)])
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.025]
    assert model.optimizer.lr == pytest.approx(0.0125)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.02, 0.03])


def test_terminate_on_nan_ends_fit_after_the_bad_batch(rng, capsys):
    model, x, y = regression(rng)
    x[9] = np.nan  # the second batch of 8
    seen = []
    # fit may stop on a NaN loss by itself (on_nan='stop'); Keras's default is to train on.
    keras_default = {"on_nan": "continue"} if "on_nan" in inspect.signature(model.fit).parameters else {}
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, **keras_default,
                        callbacks=[callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b)),
                                   callbacks.TerminateOnNaN()])
    assert seen == [0, 1] and history.epoch == [0] and math.isnan(history.history["loss"][0])
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_model_checkpoint_in_fit_writes_loadable_models(rng, tmp_path):
    model, x, y = regression(rng)
    pattern = str(tmp_path / "m_{epoch}.keras")
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(pattern, save_best_only=True)])
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved and set(saved) <= {"m_1.keras", "m_2.keras", "m_3.keras"}
    best = models.load_model(str(tmp_path / saved[-1]))
    np.testing.assert_array_equal(best.predict(x), model.predict(x))  # the loss fell each epoch
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "w.weights"), save_weights_only=True)])
    clone = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    clone.load_weights(str(tmp_path / "w.weights"))
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))


def test_csv_logger_in_fit_writes_one_row_per_epoch(rng, tmp_path):
    model, x, y = regression(rng)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    rows = list(csv.DictReader((tmp_path / "log.csv").read_text().splitlines()))
    assert [row["epoch"] for row in rows] == ["0", "1"] and rows[0]["val_loss"] == "NA"


def test_stop_training_ends_fit_after_the_current_batch(rng):
    model, x, y = regression(rng)

    def stop(batch, logs):
        if batch == 1:
            model.stop_training = True

    seen = []
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0, callbacks=[
        callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(b), on_train_batch_end=stop)])
    assert seen == [0, 1] and history.epoch == [0]
