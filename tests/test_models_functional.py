"""Functional and subclassed models without Keras: symbolic tensors, graph running, errors,
shared layers, nested models, sub-models, configs, deep graphs, and the new layers against NumPy."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import d2lrnn as d2l
from d2lrnn import layers, models


@pytest.fixture(autouse=True)
def _fresh_names():
    layers.clear_session()


# ------------------------------------------------------------ symbolic tensors
def test_input_is_a_symbolic_tensor_with_keras_shape_dtype_and_name():
    x = layers.Input((None,), dtype="int32", name="tokens")
    assert x.shape == (None, None) and x.dtype == "int32" and x.name == "tokens" and x.ndim == 2
    assert layers.Input((7,), batch_size=4).shape == (4, 7)
    y = layers.LSTM(3, return_state=True)(layers.Embedding(10, 5, mask_zero=True)(x))
    assert [t.shape for t in y] == [(None, 3)] * 3
    assert layers.Embedding(10, 5, mask_zero=True)(x).has_mask


def test_a_symbolic_tensor_has_no_values():
    x = layers.Input((3,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match="no length"):
        len(x)


def test_a_layer_that_cannot_take_its_input_fails_when_called_symbolically_with_the_usual_error():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.LSTM(4)(layers.Input((5,)))
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([layers.Input((3,)), layers.Input((4,))])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([layers.Input((2, 3)), layers.Input((2, 4))])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([layers.Input((3,))] * 3)
    dense = layers.Dense(2)
    dense(layers.Input((3,)))
    with pytest.raises(ValueError, match="built for 3 input features"):
        dense(layers.Input((4,)))


def test_symbolic_calls_leave_stateful_states_alone():
    lstm = layers.LSTM(2, stateful=True)
    x = np.ones((2, 3, 4), dtype="float32")
    lstm(x)
    before = [s.numpy().copy() for s in lstm.states]
    lstm(layers.Input((3, 4), batch_size=2))
    assert all(np.array_equal(a, s.numpy()) for a, s in zip(before, lstm.states))


# ------------------------------------------------------------------- the graph
def _two_branch_model():
    a, b = layers.Input((4,), name="a"), layers.Input((3,), name="b")
    shared = layers.Dense(3, name="shared")
    h = layers.Concatenate(name="joined")([shared(layers.Dense(3, name="proj")(a)), shared(b)])
    return a, b, shared, models.Model([a, b], layers.Dense(1, name="out")(h))


def test_functional_model_matches_numpy_and_shares_weights(rng):
    a, b, shared, model = _two_branch_model()
    xa, xb = rng.normal(size=(5, 4)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    proj, out = model.get_layer("proj"), model.get_layer("out")
    k_proj, b_proj = proj.get_weights()
    k_shared, b_shared = shared.get_weights()
    k_out, b_out = out.get_weights()
    h = np.concatenate([(xa @ k_proj + b_proj) @ k_shared + b_shared, xb @ k_shared + b_shared], axis=1)
    np.testing.assert_allclose(model([xa, xb]).numpy(), h @ k_out + b_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model({"a": xa, "b": xb}).numpy(), model([xa, xb]).numpy())
    # The shared layer's weights appear once.
    assert model.count_params() == (4 * 3 + 3) + (3 * 3 + 3) + (6 * 1 + 1)
    assert [layer.name for layer in model.layers] == ["a", "proj", "b", "shared", "joined", "out"]
    assert model.output_names == ["out"] and model.input_names == ["a", "b"]
    assert model.input == [a, b] and model.output is model.outputs[0]


def test_inputs_must_match_the_model(rng):
    _, _, _, model = _two_branch_model()
    with pytest.raises(ValueError, match="has 2 inputs"):
        model(np.zeros((2, 4), dtype="float32"))
    with pytest.raises(ValueError, match="missing"):
        model({"a": np.zeros((2, 4), dtype="float32")})
    with pytest.raises(ValueError, match=r"expects shape \(None, 3\)"):
        model([np.zeros((2, 4), dtype="float32"), np.zeros((2, 5), dtype="float32")])


def test_disconnected_graph_and_non_symbolic_arguments_are_errors():
    a, b = layers.Input((3,)), layers.Input((3,))
    with pytest.raises(ValueError, match="disconnected"):
        models.Model(a, layers.Add()([a, b]))
    with pytest.raises(TypeError, match="inputs: expected a KerasTensor"):
        models.Model(np.zeros((2, 3)), a)


def test_dict_inputs_and_outputs():
    x = layers.Input((3,), name="x")
    model = models.Model({"features": x}, {"double": layers.Lambda(lambda t: t * 2)(x), "same": x})
    out = model({"features": np.ones((2, 3), dtype="float32")})
    assert set(out) == {"double", "same"} and np.allclose(out["double"].numpy(), 2)
    assert model.output_names == ["double", "same"]


def test_a_model_is_a_layer_of_another_model(rng):
    inner_in = layers.Input((4,))
    inner = models.Model(inner_in, layers.Dense(2, activation="tanh")(inner_in), name="inner")
    x = layers.Input((4,))
    outer = models.Model(x, layers.Dense(1)(inner(x)))
    assert outer.count_params() == inner.count_params() + 3
    assert len(outer.weights) == 4
    data = rng.normal(size=(3, 4)).astype("float32")
    expected = outer.layers[2](inner(data)).numpy()
    np.testing.assert_allclose(outer(data).numpy(), expected, rtol=1e-6)
    lines = []
    outer.summary(print_fn=lines.append)
    assert "inner (Functional)" in lines[0]


def test_inference_sub_models_share_the_trained_layers():
    encoder_inputs = layers.Input((None,), dtype="int32")
    _, h, c = layers.LSTM(3, return_state=True)(layers.Embedding(6, 4)(encoder_inputs))
    decoder_inputs = layers.Input((None, 2))
    decoder_lstm = layers.LSTM(3, return_sequences=True)
    y = decoder_lstm(decoder_inputs, initial_state=[h, c])
    model = models.Model([encoder_inputs, decoder_inputs], y)
    encoder = models.Model(encoder_inputs, [h, c])
    h_in, c_in = layers.Input((3,)), layers.Input((3,))
    decoder = models.Model([decoder_inputs, h_in, c_in], decoder_lstm(decoder_inputs, initial_state=[h_in, c_in]))
    assert {id(w) for w in encoder.weights + decoder.weights} == {id(w) for w in model.weights}
    ids, steps = np.array([[1, 2, 3], [4, 5, 0]]), np.ones((2, 4, 2), dtype="float32")
    np.testing.assert_allclose(decoder([steps, *encoder(ids)]).numpy(), model([ids, steps]).numpy(), rtol=1e-6)


def test_masks_flow_through_the_graph_as_in_a_sequential_model():
    d2l.seed(1)
    sequential = models.Sequential([layers.Input((None,), dtype="int32"), layers.Embedding(9, 4, mask_zero=True),
                                    layers.GRU(3)])
    x = layers.Input((None,), dtype="int32")
    functional = models.Model(x, layers.GRU(3)(layers.Embedding(9, 4, mask_zero=True)(x)))
    functional.set_weights(sequential.get_weights())
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    np.testing.assert_allclose(functional(ids).numpy(), sequential(ids).numpy(), rtol=1e-6)
    np.testing.assert_allclose(functional(ids).numpy()[0], sequential(ids[:1, :2]).numpy()[0], rtol=1e-5)


def test_a_graph_deeper_than_the_recursion_limit_runs_forward_and_backward():
    depth = sys.getrecursionlimit() + 200
    x = layers.Input((2,))
    y = x
    for _ in range(depth):
        y = layers.Activation("linear")(y)
    model = models.Model(x, layers.Dense(1)(y))
    data = d2l.tensor(np.ones((1, 2), dtype="float32"))
    out = model(data)
    out.sum().backward()
    assert model.layers[-1].kernel.grad is not None
    assert len(model.layers) == depth + 2


def test_config_round_trip_with_shared_layers_and_a_named_lambda():
    a, b, _, model = _two_branch_model()
    copy = models.Model.from_config(model.get_config())
    assert copy.get_config() == model.get_config()
    copy.set_weights(model.get_weights())
    xa, xb = np.ones((2, 4), dtype="float32"), np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(copy([xa, xb]).numpy(), model([xa, xb]).numpy())
    x = layers.Input((3,))
    with pytest.raises(ValueError, match="anonymous or local"):
        models.Model(x, layers.Lambda(lambda t: t + 1)(x)).get_config()
    named = models.Model(x, layers.Lambda(d2l.autograd.functional.softmax)(x))
    assert isinstance(models.Model.from_config(named.get_config()).layers[1], layers.Lambda)


def test_functional_model_trains_with_fit_and_saves(tmp_path, rng):
    x = layers.Input((2,))
    model = models.Model(x, layers.Dense(1, activation="sigmoid")(layers.Dense(4, activation="tanh")(x)))
    data = rng.normal(size=(64, 2)).astype("float32")
    target = (data[:, 0] > data[:, 1]).astype("float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(data, target, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    path = str(tmp_path / "functional.keras")
    model.save(path)
    np.testing.assert_allclose(models.load_model(path).predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)


# ------------------------------------------------------------------ subclassed
class TwoLayers(models.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(4, activation="tanh")
        self.out = layers.Dense(1)

    def call(self, inputs, training=None, mask=None):
        return self.out(self.hidden(inputs))


def test_subclassed_model_tracks_its_layers_trains_and_saves_weights(tmp_path, rng):
    model = TwoLayers()
    data = rng.normal(size=(32, 3)).astype("float32")
    target = data.sum(axis=1, keepdims=True)
    model(data)
    assert model.name == "two_layers"
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 1), (1,)]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "dense (Dense)" in text and "(32, 4)" in text and "Total params: 21" in text  # Keras shows the build batch
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(data, target, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "two.weights.npz")
    model.save_weights(path)
    copy = TwoLayers()
    copy(data)
    copy.load_weights(path)
    np.testing.assert_array_equal(copy(data).numpy(), model(data).numpy())


def test_subclassed_model_works_inside_a_functional_model():
    x = layers.Input((3,))
    inner = TwoLayers()
    model = models.Model(x, inner(x))
    assert model.count_params() == 21
    np.testing.assert_array_equal(model(np.ones((2, 3), dtype="float32")).numpy(),
                                  inner(np.ones((2, 3), dtype="float32")).numpy())


# ----------------------------------------------------------------- new layers
def test_merge_layers_and_their_function_forms_match_numpy(rng):
    a, b = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 3, 4)).astype("float32")
    cases = {layers.add: a + b, layers.subtract: a - b, layers.multiply: a * b, layers.average: (a + b) / 2,
             layers.maximum: np.maximum(a, b), layers.minimum: np.minimum(a, b),
             layers.concatenate: np.concatenate([a, b], axis=-1)}
    for function, expected in cases.items():
        np.testing.assert_allclose(function([a, b]).numpy(), expected, rtol=1e-6, err_msg=function.__name__)
    np.testing.assert_allclose(layers.dot([a, b], axes=(2, 2)).numpy(), np.einsum("btd,bsd->bts", a, b), rtol=1e-5)
    np.testing.assert_allclose(layers.Dot(axes=1)([a[:, 0], b[:, 0]]).numpy(),
                               (a[:, 0] * b[:, 0]).sum(axis=1, keepdims=True), rtol=1e-5)
    cosine = layers.Dot(axes=-1, normalize=True)([a[:, 0], b[:, 0]]).numpy()[:, 0]
    want = (a[:, 0] * b[:, 0]).sum(1) / np.linalg.norm(a[:, 0], axis=1) / np.linalg.norm(b[:, 0], axis=1)
    np.testing.assert_allclose(cosine, want, rtol=1e-5)


def test_merge_gradients_match_finite_differences():
    a = d2l.tensor(np.random.default_rng(0).normal(size=(2, 3)), dtype="float64", requires_grad=True)
    b = d2l.tensor(np.random.default_rng(1).normal(size=(2, 3)), dtype="float64", requires_grad=True)
    for layer in (layers.Multiply(dtype="float64"), layers.Maximum(dtype="float64"),
                  layers.Dot(axes=1, normalize=True, dtype="float64"), layers.Concatenate(dtype="float64")):
        assert d2l.gradcheck(lambda x, y: layer([x, y]), a, b), type(layer).__name__


def test_reshaping_layers_match_numpy(rng):
    v = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(layers.RepeatVector(4)(v).numpy(), np.repeat(v[:, None], 4, axis=1))
    s = rng.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(layers.Flatten()(s).numpy(), s.reshape(2, 12))
    np.testing.assert_array_equal(layers.Reshape((4, -1))(s).numpy(), s.reshape(2, 4, 3))
    np.testing.assert_array_equal(layers.Permute((2, 1))(s).numpy(), s.transpose(0, 2, 1))
    dense = layers.Dense(2)
    td = layers.TimeDistributed(dense)
    np.testing.assert_allclose(td(s).numpy(), dense(s).numpy(), rtol=1e-6)
    assert td.weights == dense.weights
    with pytest.raises(ValueError, match="target shape"):
        layers.Reshape((5,))(s)


def test_global_average_pooling_ignores_masked_steps(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    pooled = layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(pooled[0], x[0, :2].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pooled[1], x[1].mean(axis=0), rtol=1e-6)
    ids = layers.Input((None,), dtype="int32")
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(5, 3, mask_zero=True)(ids))
    assert pooled.shape == (None, 3) and not pooled.has_mask


def test_multiply_and_maximum_keep_masked_entries_out_and_or_the_masks():
    a = d2l.tensor(np.array([[[1.0], [2.0]]], dtype="float32"))
    b = d2l.tensor(np.array([[[3.0], [-5.0]]], dtype="float32"))
    layers.attach_mask(a, np.array([[True, False]]))
    layers.attach_mask(b, np.array([[True, True]]))
    np.testing.assert_array_equal(layers.Multiply()([a, b]).numpy()[..., 0], [[3.0, -5.0]])
    np.testing.assert_array_equal(layers.Maximum()([a, b]).numpy()[..., 0], [[3.0, -5.0]])
    assert layers.mask_of(layers.Add()([a, b])).tolist() == [[True, True]]
    assert layers.mask_of(layers.Add()([a, d2l.tensor(np.zeros((1, 2, 1), dtype="float32"))])) is None


def test_activation_and_lambda_layers():
    x = np.array([[-1.0, 2.0]], dtype="float32")
    np.testing.assert_array_equal(layers.Activation("relu")(x).numpy(), [[0.0, 2.0]])
    np.testing.assert_array_equal(layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})(x).numpy(), [[-3.0, 6.0]])
    assert layers.Lambda(lambda t: t[:, :1], output_shape=(1,))(layers.Input((2,))).shape == (None, 1)
    assert layers.Lambda(lambda t: t[:, :1])(layers.Input((2,))).shape == (None, 1)


def test_functional_model_moved_to_a_simulated_gpu_matches_cpu(monkeypatch, rng):
    from simulated_gpu import make_simulated_cupy

    from d2lrnn import backend

    a, b = layers.Input((4,)), layers.Input((3, 4))
    h = layers.Dense(4, activation="tanh")(a)
    merged = layers.Concatenate()([layers.RepeatVector(3)(h), b])
    pooled = layers.GlobalAveragePooling1D()(layers.TimeDistributed(layers.Dense(2))(merged))
    model = models.Model([a, b], layers.Multiply()([pooled, layers.Dense(2)(h)]))
    data = [rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 3, 4)).astype("float32")]
    expected = model(data).numpy()
    monkeypatch.setattr(backend, "cupy", make_simulated_cupy())
    monkeypatch.setattr(backend, "_default_device", None)
    backend._checked_device.cache_clear()
    try:
        model.to("gpu")
        out = model(data)
        assert out.device == "gpu"
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    finally:
        backend._checked_device.cache_clear()


def test_operators_on_symbolic_tensors_record_operations(rng):
    x, y = layers.Input((None, 3)), layers.Input((None, 3))
    z = (x + y) * 2 - 1.0
    last = z[:, -1]
    out = 1.0 / (last ** 2 + 1) + (-last)
    model = models.Model([x, y], [z, last, out, 3 - x[..., :1]])
    a, b = rng.normal(size=(2, 4, 3)).astype("float32"), rng.normal(size=(2, 4, 3)).astype("float32")
    z_np = (a + b) * 2 - 1
    want = [z_np, z_np[:, -1], 1 / (z_np[:, -1] ** 2 + 1) - z_np[:, -1], 3 - a[..., :1]]
    for got, expected in zip(model([a, b]), want):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert [t.shape for t in model.outputs] == [(None, None, 3), (None, 3), (None, 3), (None, None, 1)]
    copy = models.Model.from_config(model.get_config())
    for got, expected in zip(copy([a, b]), want):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="must be a KerasTensor or a number"):
        x + np.ones(3)
    with pytest.raises(TypeError, match="index with arrays inside a Lambda"):
        x[np.array([0, 1])]


def test_string_inputs_through_text_vectorization():
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(["the cat sat", "the dog ran far away"])
    text = layers.Input(shape=(1,), dtype="string")
    ids = vectorize(text)
    assert ids.shape == (None, 5)
    model = models.Model(text, layers.LSTM(2)(layers.Embedding(20, 4, mask_zero=True)(ids)))
    sentences = np.array([["the cat"], ["a dog ran"]])
    np.testing.assert_array_equal(models.Model(text, ids)(sentences).numpy(), vectorize(sentences).numpy())
    assert model(sentences).shape == (2, 2)


def test_explicit_training_flag_and_mask_tensors_are_kept_in_the_graph():
    x = layers.Input((6,))
    model = models.Model(x, layers.Dropout(0.5)(x, training=True))
    assert (model(np.ones((4, 6), dtype="float32")).numpy() == 0).any()   # dropout although not training
    sequence, mask = layers.Input((None, 2)), layers.Input((None,), dtype="bool")
    lstm = layers.LSTM(3)
    model = models.Model([sequence, mask], lstm(sequence, mask=mask))
    data = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    keep = np.array([[True, True, False, False], [True, True, True, True]])
    np.testing.assert_allclose(model([data, keep]).numpy(), lstm(data, mask=keep).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model([data, keep]).numpy()[0], lstm(data[:1, :2]).numpy()[0], rtol=1e-5)


@pytest.mark.parametrize("seed", range(0, 10, 3))
def test_save_and_load_model_round_trip_random_graphs_and_nested_dict_models(tmp_path, seed):
    from test_models_functional_keras import Library, build_graph, graph_data

    model = build_graph(Library(layers, layers.Input, models.Model), seed)
    ids, features = graph_data(seed)
    path = str(tmp_path / "graph.keras")
    model.save(path)
    for mine, loaded in zip(model([ids, features]), models.load_model(path)([ids, features])):
        np.testing.assert_array_equal(mine.numpy(), loaded.numpy())
    x = layers.Input((3,), name="x")
    inner = models.Model(x, layers.Dense(2)(x) * 2, name="inner")
    y = layers.Input((3,), name="y")
    z = inner(y) + inner(y * 3)
    outer = models.Model({"y": y}, {"z": z, "w": layers.Activation("tanh")(z)})
    outer.save(path)
    data = {"y": np.ones((2, 3), dtype="float32")}
    np.testing.assert_array_equal(models.load_model(path)(data)["w"].numpy(), outer(data)["w"].numpy())


MERGES = {"Add": np.add, "Subtract": np.subtract, "Multiply": np.multiply, "Maximum": np.maximum,
          "Minimum": np.minimum, "Average": lambda a, b: (a + b) / 2}


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(MERGES)), batch=st.integers(1, 3), rest=st.lists(st.integers(1, 4), max_size=2),
       broadcast_axis=st.integers(0, 2), seed=st.integers(0, 1000))
def test_elementwise_merges_match_numpy_with_broadcasting_and_their_gradients(name, batch, rest, broadcast_axis,
                                                                              seed):
    rng = np.random.default_rng(seed)
    shape = (batch, *rest)
    other = tuple(1 if i == broadcast_axis % len(shape) else d for i, d in enumerate(shape))
    a = d2l.tensor(rng.normal(size=shape), dtype="float64", requires_grad=True)
    b = d2l.tensor(rng.normal(size=other), dtype="float64", requires_grad=True)
    layer = getattr(layers, name)(dtype="float64")
    np.testing.assert_allclose(layer([a, b]).numpy(), MERGES[name](a.numpy(), b.numpy()), rtol=1e-12)
    assert layer.compute_output_shape([(None, *rest), (None, *other[1:])]) == (None, *rest)
    assert d2l.gradcheck(lambda x, y: layer([x, y]), a, b)


@pytest.mark.parametrize("make, error, argument", [
    (lambda: layers.RepeatVector(0), ValueError, "n"),
    (lambda: layers.Reshape((0, 2)), ValueError, "target_shape"),
    (lambda: layers.Reshape((-1, -1)), ValueError, "target_shape"),
    (lambda: layers.Permute((1, 3)), ValueError, "dims"),
    (lambda: layers.Dot(axes="last"), TypeError, "axes"),
    (lambda: layers.Concatenate(axis=1.5), TypeError, "axis"),
    (lambda: layers.Lambda(3), TypeError, "function"),
    (lambda: layers.Lambda(abs, mask=True), TypeError, "mask"),
    (lambda: layers.TimeDistributed(3), TypeError, "layer"),
    (lambda: layers.GlobalAveragePooling1D(data_format="channels_first"), ValueError, "data_format"),
    (lambda: layers.Flatten(data_format="channels_first"), ValueError, "data_format"),
    (lambda: layers.TensorOperation("modulo"), ValueError, "op"),
    (lambda: layers.Activation("nope"), ValueError, "nope"),
])
def test_bad_arguments_of_the_new_layers_name_the_argument(make, error, argument):
    with pytest.raises(error, match=argument):
        make()


def test_a_cell_called_on_symbolic_step_and_states_is_recorded(rng):
    x, h, c = layers.Input((5,)), layers.Input((4,)), layers.Input((4,))
    cell = layers.LSTMCell(4)
    output, (new_h, new_c) = cell(x, [h, c])
    model = models.Model([x, h, c], [output, new_c])
    data = [rng.normal(size=(2, 5)).astype("float32"), rng.normal(size=(2, 4)).astype("float32"),
            rng.normal(size=(2, 4)).astype("float32")]
    want_output, (_, want_c) = cell(data[0], data[1:])
    got_output, got_c = model(data)
    np.testing.assert_allclose(got_output.numpy(), want_output.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got_c.numpy(), want_c.numpy(), rtol=1e-6)


def test_summary_draws_connections_unless_the_graph_is_a_chain():
    def text(model):
        lines = []
        model.summary(print_fn=lines.append)
        return "\n".join(lines)

    x = layers.Input((None, 2))
    _, h, c = layers.LSTM(3, return_state=True)(x)
    assert "Connected to" not in text(models.Model(x, [h, c]))              # one node per depth
    assert "Connected to" in text(models.Model(x, [layers.Dense(1)(h), layers.Dense(1)(c)]))
    inputs = layers.Input((3,))
    assert "Connected to" not in text(models.Model(inputs, layers.Dense(2)(layers.Dense(4)(inputs))))
