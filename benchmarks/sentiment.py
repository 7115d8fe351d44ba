"""Sentiment classification of the UCI review sentences with the Keras-style API, end to end.

The model of the "TensorFlow RNN models" document's example, on 3,000 labelled sentences
(IMDb, Amazon, Yelp): TextVectorization -> Embedding(mask_zero=True) -> Bidirectional(LSTM)
-> Dense(1, sigmoid), trained with ``Sequential.fit`` (Adam with Keras's defaults, binary
cross-entropy). The sentences are shuffled once with the seed, then ``validation_split`` holds
out the last 20%. The vocabulary is learned from the training sentences only. Prints the
per-epoch lines of ``fit``, the summary, then the final validation accuracy and the wall-clock
seconds of training.

    D2LRNN_DATA=../shared/data python benchmarks/sentiment.py
    python benchmarks/sentiment.py --epochs 5 --units 16 --threads 2
"""
from __future__ import annotations

import argparse
import time

from threads import limit_threads



def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="passes over the training sentences (default 6)")
    parser.add_argument("--batch-size", type=int, default=32, help="sentences per step (default 32)")
    parser.add_argument("--units", type=int, default=32, help="LSTM units per direction (default 32)")
    parser.add_argument("--embedding", type=int, default=32, help="embedding size (default 32)")
    parser.add_argument("--max-tokens", type=int, default=5000, help="vocabulary size limit (default 5000)")
    parser.add_argument("--length", type=int, default=32, help="tokens kept per sentence (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffle and the weights (default 0)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    args = parser.parse_args()
    for name in ("epochs", "batch_size", "units", "embedding", "length", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.max_tokens < 3:
        parser.error(f"--max-tokens must be at least 3, got {args.max_tokens}")
    return args


ARGS = parse_args()
limit_threads(ARGS.threads)

import numpy  # noqa: E402

import d2lrnn as d2l  # noqa: E402
from d2lrnn import layers, models  # noqa: E402
from d2lrnn.data import load_sentiment_sentences  # noqa: E402

VALIDATION_SPLIT = 0.2


def main() -> None:
    sentences, labels = load_sentiment_sentences("all")
    d2l.seed(ARGS.seed)
    order = numpy.random.permutation(len(sentences))
    sentences = numpy.array(sentences, dtype=object)[order]
    labels = labels[order].astype("float32")
    num_train = int(numpy.floor(len(sentences) * (1 - VALIDATION_SPLIT)))  # what fit keeps for training

    vectorize = layers.TextVectorization(max_tokens=ARGS.max_tokens, output_sequence_length=ARGS.length)
    vectorize.adapt(sentences[:num_train])
    model = models.Sequential([
        vectorize,
        layers.Embedding(vectorize.vocabulary_size(), ARGS.embedding, mask_zero=True),
        layers.Bidirectional(layers.LSTM(ARGS.units)),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    print(f"{len(sentences)} sentences ({num_train} for training), vocabulary {vectorize.vocabulary_size()}, "
          f"{ARGS.threads} thread(s)")

    start = time.perf_counter()
    history = model.fit(sentences, labels, batch_size=ARGS.batch_size, epochs=ARGS.epochs,
                        validation_split=VALIDATION_SPLIT, verbose=2)
    seconds = time.perf_counter() - start
    model.summary()
    print(f"validation accuracy: {history.history['val_accuracy'][-1]:.4f}")
    print(f"training seconds: {seconds:.1f} ({seconds / ARGS.epochs:.1f} per epoch)")


if __name__ == "__main__":
    main()
