"""Sequential with recurrent layers: the "TensorFlow RNN models" document's summaries, masks, state."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers, models, regularizers


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines[0]


# Written from spec §9 (Keras 3 layout): Embedding 1000 -> 64, LSTM(128), Dense(10).
DOCUMENT_LSTM_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ embedding (Embedding)                │ (None, None, 64)            │          64,000 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ lstm (LSTM)                          │ (None, 128)                 │          98,816 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense (Dense)                        │ (None, 10)                  │           1,290 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 164,106 (641.04 KB)
 Trainable params: 164,106 (641.04 KB)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_of_the_documents_lstm_model():
    model = models.Sequential()
    model.add(layers.Input(shape=(None,), dtype="int32"))
    model.add(layers.Embedding(input_dim=1000, output_dim=64))
    model.add(layers.LSTM(128))
    model.add(layers.Dense(10))
    assert _summary(model) == DOCUMENT_LSTM_SUMMARY
    assert [layer.count_params() for layer in model.layers] == [64000, 98816, 1290]


def test_the_document_model_built_by_data_shows_the_data_length():
    model = models.Sequential([layers.Embedding(1000, 64), layers.LSTM(128), layers.Dense(10)])
    assert "│ lstm (LSTM)                          │ ?                           │     0 (unbuilt) │" in _summary(model)
    out = model(np.ones((2, 7), dtype="int64"))
    assert out.shape == (2, 10)
    text = _summary(model)
    assert "│ embedding (Embedding)                │ (None, 7, 64)               │          64,000 │" in text
    assert " Total params: 164,106 (641.04 KB)" in text


def test_summary_of_the_documents_gru_and_bidirectional_models():
    gru = models.Sequential([layers.Input((None,), dtype="int32"), layers.Embedding(1000, 64),
                             layers.GRU(256, return_sequences=True), layers.SimpleRNN(128), layers.Dense(10)])
    text = _summary(gru)
    assert "│ gru (GRU)                            │ (None, None, 256)           │         247,296 │" in text
    assert "│ simple_rnn (SimpleRNN)               │ (None, 128)                 │          49,280 │" in text
    assert " Total params: 361,866 (1.38 MB)" in text

    bi = models.Sequential([layers.Bidirectional(layers.LSTM(64, return_sequences=True), input_shape=(5, 10)),
                            layers.Bidirectional(layers.LSTM(32)), layers.Dense(10)])
    text = _summary(bi)
    assert "│ bidirectional (Bidirectional)        │ (None, 5, 128)              │          38,400 │" in text
    assert "│ bidirectional_1 (Bidirectional)      │ (None, 64)                  │          41,216 │" in text


def test_mask_from_embedding_makes_padding_invisible(rng):
    model = models.Sequential([layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3), layers.Dense(1)])
    short = np.array([[3, 5, 7]])
    padded = np.array([[3, 5, 7, 0, 0]])
    np.testing.assert_allclose(model.predict(padded), model.predict(short), rtol=1e-6)
    unmasked = models.Sequential([layers.Embedding(10, 4), layers.LSTM(3), layers.Dense(1)])
    unmasked(short)
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(unmasked.predict(padded), unmasked.predict(short))


def test_masking_layer_feeds_the_rnn(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    x[:, 2:] = -1.0
    model = models.Sequential([layers.Masking(mask_value=-1.0), layers.SimpleRNN(2)])
    np.testing.assert_allclose(model.predict(x), model.predict(x[:, :2]), rtol=1e-6)


def test_masked_sequence_loss_ignores_padding(rng):
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    model = models.Sequential([layers.Embedding(4, 3, mask_zero=True), layers.LSTM(2, return_sequences=True),
                               layers.Dense(2)])
    model.compile(loss=models.losses.SparseCategoricalCrossentropy(from_logits=True))
    targets = np.array([[0, 1, 0], [1, 0, 0]])
    other = targets.copy()
    other[ids == 0] = 1  # only padded targets change
    assert model.evaluate(ids, targets) == pytest.approx(model.evaluate(ids, other), rel=1e-6)


def test_fit_trains_a_masked_lstm():
    # Label 1 when token 1 occurs in the sequence; sequences are right-padded with 0.
    rng = np.random.default_rng(1)
    ids = rng.integers(2, 6, size=(64, 6))
    ids[rng.random((64, 6)) < 0.2] = 1
    lengths = rng.integers(2, 7, size=64)
    ids[np.arange(6) >= lengths[:, None]] = 0
    labels = (ids == 1).any(axis=1).astype("float32")
    model = models.Sequential([layers.Embedding(6, 8, mask_zero=True), layers.LSTM(8),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=lambda params: d2l.nn.Adam(params, lr=0.03), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ids, labels, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_stateful_model_carries_and_resets_state(rng):
    x = rng.normal(size=(4, 3, 2))
    model = models.Sequential([layers.Input((3, 2), batch_size=4), layers.LSTM(3, stateful=True)])
    first = model.predict(x, batch_size=4)
    second = model.predict(x, batch_size=4)
    assert not np.allclose(first, second)  # the second call starts from the first one's state
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=4), first, rtol=1e-6)


def test_stateful_model_built_by_data_keeps_the_data_batch_size(rng):
    x = rng.normal(size=(4, 6, 2))
    model = models.Sequential([layers.LSTM(3, stateful=True, dtype="float64")])
    first = model(x[:, :3]).numpy()
    second = model(x[:, 3:]).numpy()
    # A non-stateful LSTM with the same weights, run over the whole sequence at once.
    whole = layers.LSTM(3, return_sequences=True, dtype="float64")
    whole(x)
    whole.set_weights(model.get_weights())
    expected = whole(x).numpy()
    np.testing.assert_allclose(first, expected[:, 2], rtol=1e-10)
    np.testing.assert_allclose(second, expected[:, 5], rtol=1e-10)
    assert "│ lstm (LSTM)                          │ (4, 3)                      │" in _summary(model)


def test_fit_on_a_stateful_model_built_by_data_starts_from_zero_states(rng):
    x, y = rng.normal(size=(8, 3, 2)), rng.normal(size=(8, 3))

    def fit(first_layers):
        d2l.seed(5)
        model = models.Sequential(first_layers + [layers.LSTM(3, stateful=True, dtype="float64")])
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]

    declared = fit([layers.Input((3, 2), batch_size=4)])
    assert fit([]) == pytest.approx(declared, rel=1e-12)


def test_predict_returns_every_output_of_return_state(rng):
    model = models.Sequential([layers.Input((3, 2)), layers.LSTM(4, return_state=True)])
    output, h, c = model.predict(rng.normal(size=(5, 3, 2)), batch_size=2)
    assert output.shape == h.shape == c.shape == (5, 4)
    np.testing.assert_allclose(output, h)
    lines = _summary(model).splitlines()
    # Keras prints the list of shapes, wrapped to the column like rich does.
    assert lines[4] == "│ lstm (LSTM)                          │ [(None, 4), (None, 4),      │             112 │"
    assert lines[5] == "│                                      │ (None, 4)]                  │                 │"


def test_weights_round_trip_with_recurrent_layers(rng, tmp_path):
    def make():
        return models.Sequential([layers.Input((None,), dtype="int32"), layers.Embedding(8, 4, mask_zero=True),
                                  layers.Bidirectional(layers.GRU(3)), layers.Dense(2)])

    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
    model, other = make(), make()
    model.save_weights(str(tmp_path / "w.npz"))
    other.load_weights(str(tmp_path / "w.npz"))
    np.testing.assert_array_equal(other.predict(ids), model.predict(ids))


def test_config_round_trip_rebuilds_the_same_model(tmp_path):
    model = models.Sequential([layers.Input((None,), dtype="int32"), layers.Embedding(8, 4, mask_zero=True),
                               layers.LSTM(3, return_sequences=True), layers.Dropout(0.1),
                               layers.Dense(2, activation="softmax")], name="tagger")
    clone = models.Sequential.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert [type(layer).__name__ for layer in clone.layers] == ["Embedding", "LSTM", "Dropout", "Dense"]
    model.save_weights(str(tmp_path / "w.npz"))
    clone.load_weights(str(tmp_path / "w.npz"))
    ids = np.array([[1, 2, 3], [4, 0, 0]])
    np.testing.assert_array_equal(clone.predict(ids), model.predict(ids))


def test_fit_gradient_matches_finite_differences_of_evaluate(rng):
    # One plain SGD step reveals the gradient fit used: grad = (before - after) / lr. Finite
    # differences of evaluate() (loss + penalties, masked) give the same gradient independently.
    ids = np.array([[1, 2, 3, 0], [4, 1, 0, 0], [2, 2, 2, 2]])
    labels = np.array([1.0, 0.0, 1.0])
    model = models.Sequential([
        layers.Input((4,), dtype="int32"),
        layers.Embedding(5, 3, mask_zero=True, embeddings_regularizer=regularizers.L2(0.05), dtype="float64"),
        layers.SimpleRNN(2, dtype="float64"),
        layers.Dense(1, activation="sigmoid", kernel_regularizer="l1", dtype="float64"),
    ])
    model.compile(optimizer=lambda params: d2l.nn.SGD(params, lr=1e-3), loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    model.fit(ids, labels, batch_size=3, epochs=1, shuffle=False, verbose=0)
    used = [(b - a) / 1e-3 for b, a in zip(before, model.get_weights())]

    eps = 1e-6
    for k, weight in enumerate(before):
        numeric = np.zeros_like(weight)
        for i in np.ndindex(weight.shape):
            values = [w.copy() for w in before]
            values[k][i] += eps
            model.set_weights(values)
            plus = model.evaluate(ids, labels, batch_size=3)
            values[k][i] -= 2 * eps
            model.set_weights(values)
            numeric[i] = (plus - model.evaluate(ids, labels, batch_size=3)) / (2 * eps)
        np.testing.assert_allclose(used[k], numeric, rtol=1e-4, atol=1e-7)
