"""Random functional graphs built in d2lrnn and in Keras 3 (torch backend) by the same code.

Each case draws a graph (masked embeddings and Masking, recurrent layers whose final states start
other recurrent layers, merges of every kind, a Dense shared by two calls, pooling, RepeatVector,
TimeDistributed), builds it once with ``d2lrnn.layers`` and once with ``keras.layers``, copies the
Keras weights over layer by layer, and compares the outputs (1e-5), one SGD step on the same loss,
the summary totals and a config round trip. Skipped when Keras is absent.
"""
import numpy as np
import pytest

from d2lrnn import layers, models
from d2lrnn.nn import SGD

pytestmark = pytest.mark.keras

BATCH, STEPS, WIDTH, VOCAB = 3, 5, 4, 9
LEARNING_RATE = 0.1


class Library:
    """The names a graph builder needs, from d2lrnn or from Keras; records the layers it makes."""

    def __init__(self, layers_module, input_fn, model_cls):
        self.layers, self.Input, self.Model = layers_module, input_fn, model_cls
        self.created = []

    def make(self, name, *args, **kwargs):
        layer = getattr(self.layers, name)(*args, **kwargs)
        self.created.append(layer)
        return layer


def build_graph(lib, seed):
    """A random functional model; the same seed draws the same graph in either library."""
    rng = np.random.default_rng(seed)
    ids = lib.Input((STEPS,), dtype="int32")
    features = lib.Input((STEPS, WIDTH))
    sequences = [lib.make("Embedding", VOCAB, WIDTH, mask_zero=True)(ids), lib.make("Masking")(features)]
    vectors, states = [], {"LSTM": [], "GRU": [], "SimpleRNN": []}
    pick = lambda pool: pool[int(rng.integers(len(pool)))]
    for _ in range(int(rng.integers(4, 8))):
        op = str(rng.choice(["rnn_state", "rnn_sequence", "rnn_from_state", "merge_sequences", "merge_vectors",
                             "shared_dense", "pool", "repeat", "time_distributed"]))
        kind = str(rng.choice(["LSTM", "GRU", "SimpleRNN"]))
        if op == "rnn_state":
            output, *final = lib.make(kind, WIDTH, return_state=True)(pick(sequences))
            vectors.append(output)
            states[kind].append(final)
        elif op == "rnn_sequence":
            sequences.append(lib.make(kind, WIDTH, return_sequences=True)(pick(sequences)))
        elif op == "rnn_from_state" and states[kind]:
            sequences.append(lib.make(kind, WIDTH, return_sequences=True)(pick(sequences),
                                                                           initial_state=pick(states[kind])))
        elif op == "merge_sequences":
            merge = str(rng.choice(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]))
            merged = lib.make(merge)([pick(sequences), pick(sequences)])
            sequences.append(lib.make("Dense", WIDTH, activation="tanh")(merged) if merge == "Concatenate" else merged)
        elif op == "merge_vectors" and len(vectors) >= 1:
            merge = str(rng.choice(["Add", "Multiply", "Maximum", "Concatenate", "Dot"]))
            merged = lib.make(merge, axes=1)([pick(vectors), pick(vectors)]) if merge == "Dot" else \
                lib.make(merge)([pick(vectors), pick(vectors)])
            vectors.append(lib.make("Dense", WIDTH)(merged) if merge in ("Concatenate", "Dot") else merged)
        elif op == "shared_dense":
            dense = lib.make("Dense", WIDTH, activation="relu")
            sequences.append(dense(pick(sequences)))
            sequences.append(dense(pick(sequences)))
        elif op == "pool":
            vectors.append(lib.make("GlobalAveragePooling1D")(pick(sequences)))
        elif op == "repeat" and vectors:
            sequences.append(lib.make("RepeatVector", STEPS)(pick(vectors)))
        elif op == "time_distributed":
            sequences.append(lib.make("TimeDistributed", lib.make("Dense", WIDTH))(pick(sequences)))
    summaries = [lib.make("GlobalAveragePooling1D")(s) for s in sequences] + vectors
    head = lib.make("Dense", 2)(lib.make("Concatenate")(summaries))
    return lib.Model([ids, features], [head, sequences[-1]])


def graph_data(seed):
    """Right-padded ids (0 = padding) and features whose trailing steps are all zeros (masked)."""
    rng = np.random.default_rng(1000 + seed)
    ids = rng.integers(1, VOCAB, size=(BATCH, STEPS)).astype("int32")
    features = rng.normal(size=(BATCH, STEPS, WIDTH)).astype("float32")
    for row in range(BATCH):
        ids[row, rng.integers(2, STEPS + 1):] = 0
        features[row, rng.integers(2, STEPS + 1):] = 0.0
    return ids, features


def build_pair(keras, seed):
    layers.clear_session()
    keras.utils.clear_session()
    ours, theirs = Library(layers, layers.Input, models.Model), Library(keras.layers, keras.Input, keras.Model)
    our_model, their_model = build_graph(ours, seed), build_graph(theirs, seed)
    assert [type(l).__name__ for l in ours.created] == [type(l).__name__ for l in theirs.created]
    for mine, other in zip(ours.created, theirs.created):
        mine.set_weights(other.get_weights())
    return our_model, their_model, list(zip(ours.created, theirs.created))


@pytest.mark.parametrize("seed", range(10))
def test_random_graph_outputs_and_one_sgd_step_equal_keras(keras, seed):
    import torch

    our_model, their_model, pairs = build_pair(keras, seed)
    ids, features = graph_data(seed)
    their_outputs = their_model([torch.tensor(ids), torch.tensor(features)])
    our_outputs = our_model([ids, features])
    for mine, other in zip(our_outputs, their_outputs):
        np.testing.assert_allclose(mine.numpy(), other.detach().numpy(), atol=1e-5, rtol=1e-5)

    # One SGD step on the mean square of every output.
    their_loss = sum((o ** 2).mean() for o in their_outputs)
    their_weights = [w.value for w in their_model.trainable_weights]
    grads = torch.autograd.grad(their_loss, their_weights, allow_unused=True)
    expected = {id(w): w.detach().numpy() - (0 if g is None else LEARNING_RATE * g.numpy())
                for w, g in zip(their_weights, grads)}
    our_loss = sum((o * o).mean() for o in our_outputs)
    optimizer = SGD(our_model.trainable_weights, lr=LEARNING_RATE)
    optimizer.zero_grad()
    our_loss.backward()
    optimizer.step()
    np.testing.assert_allclose(our_loss.item(), their_loss.item(), rtol=1e-5)
    assert len(our_model.trainable_weights) == len(expected)
    for mine, other in pairs:
        for w, their_w in zip(mine.weights, other.weights):
            np.testing.assert_allclose(w.numpy(), expected[id(their_w.value)], atol=1e-5, rtol=1e-4,
                                       err_msg=f"{w.path} after one SGD step")


@pytest.mark.parametrize("seed", range(0, 12, 3))
def test_random_graph_summary_totals_and_weight_order_equal_keras(keras, seed):
    our_model, their_model, _ = build_pair(keras, seed)
    lines = []
    our_model.summary(print_fn=lines.append)
    footer = [line for line in "\n".join(lines).splitlines() if "params:" in line]
    their_lines = []
    their_model.summary(print_fn=lambda line, **kwargs: their_lines.append(line))
    their_footer = [line.strip() for line in "\n".join(their_lines).splitlines() if "params:" in line]
    assert [line.strip() for line in footer] == their_footer
    assert our_model.count_params() == their_model.count_params()
    # Same layer order as Keras (depth first, then the order of a walk from the outputs), weights too.
    ours = [l for l in our_model.layers if not isinstance(l, layers.InputLayer)]
    theirs = [l for l in their_model.layers if type(l).__name__ not in ("InputLayer", "NotEqual")]
    assert [type(l).__name__ for l in ours] == [type(l).__name__ for l in theirs]
    assert [w.shape for w in our_model.weights] == [tuple(w.shape) for w in their_model.weights]


@pytest.mark.parametrize("seed", range(1, 12, 4))
def test_config_round_trip_rebuilds_the_same_graph(keras, seed):
    our_model, _, _ = build_pair(keras, seed)
    rebuilt = models.Model.from_config(our_model.get_config())
    assert [type(l).__name__ for l in rebuilt.layers] == [type(l).__name__ for l in our_model.layers]
    assert rebuilt.get_config() == our_model.get_config()
    rebuilt.set_weights(our_model.get_weights())
    ids, features = graph_data(seed)
    for mine, copy in zip(our_model([ids, features]), rebuilt([ids, features])):
        np.testing.assert_array_equal(mine.numpy(), copy.numpy())


def test_the_guides_encoder_decoder_equals_keras(keras):
    """The seq2seq model of the Keras guides: encoder states start the decoder; then the inference
    encoder and decoder built from the same layers."""
    import torch

    def build(L, Input, Model):
        encoder_inputs = Input((None,), dtype="int32")
        x = L.Embedding(VOCAB, 6, mask_zero=True)(encoder_inputs)
        _, state_h, state_c = L.LSTM(5, return_state=True)(x)
        decoder_inputs = Input((None,), dtype="int32")
        decoder_embedding = L.Embedding(VOCAB, 6)
        decoder_lstm = L.LSTM(5, return_sequences=True, return_state=True)
        decoder_dense = L.Dense(VOCAB, activation="softmax")
        y, _, _ = decoder_lstm(decoder_embedding(decoder_inputs), initial_state=[state_h, state_c])
        model = Model([encoder_inputs, decoder_inputs], decoder_dense(y))
        encoder = Model(encoder_inputs, [state_h, state_c])
        h_in, c_in = Input((5,)), Input((5,))
        y, h, c = decoder_lstm(decoder_embedding(decoder_inputs), initial_state=[h_in, c_in])
        decoder = Model([decoder_inputs, h_in, c_in], [decoder_dense(y), h, c])
        return model, encoder, decoder

    layers.clear_session()
    ours, theirs = build(layers, layers.Input, models.Model), build(keras.layers, keras.Input, keras.Model)
    ours[0].set_weights(theirs[0].get_weights())
    assert ours[0].count_params() == theirs[0].count_params()
    assert ours[2].count_params() == theirs[2].count_params()
    ids, _ = graph_data(0)
    targets = np.roll(ids, 1, axis=1)
    want = theirs[0]([torch.tensor(ids), torch.tensor(targets)]).detach().numpy()
    np.testing.assert_allclose(ours[0]([ids, targets]).numpy(), want, atol=1e-5)
    h, c = ours[1](ids)
    their_h, their_c = theirs[1](torch.tensor(ids))
    np.testing.assert_allclose(h.numpy(), their_h.detach().numpy(), atol=1e-5)
    step = ours[2]([targets[:, :1], h, c])[0]
    their_step = theirs[2]([torch.tensor(targets[:, :1]), their_h, their_c])[0]
    np.testing.assert_allclose(step.numpy(), their_step.detach().numpy(), atol=1e-5)


def test_operators_on_symbolic_tensors_equal_keras(keras):
    import torch

    def build(L, Input, Model):
        x, y = Input((STEPS, WIDTH)), Input((STEPS, WIDTH))
        dense = L.Dense(WIDTH)
        h = dense(x) * 0.5 + y
        last = -(h[:, -1] ** 2) / 3.0
        return Model([x, y], [h, L.Dense(2)(last) - last[:, :2]])

    layers.clear_session()
    ours, theirs = build(layers, layers.Input, models.Model), build(keras.layers, keras.Input, keras.Model)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(5)
    x, y = (rng.normal(size=(BATCH, STEPS, WIDTH)).astype("float32") for _ in range(2))
    for mine, other in zip(ours([x, y]), theirs([torch.tensor(x), torch.tensor(y)])):
        np.testing.assert_allclose(mine.numpy(), other.detach().numpy(), atol=1e-5, rtol=1e-5)
    assert [t.shape for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
