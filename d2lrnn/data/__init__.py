"""Data: download with cache and checksums, the Time Machine, ``Vocab``, batching, padding, sentiment sentences."""
from .datamodule import DataModule
from .download import DATA_HUB, ChecksumError, DownloadError, download, get_cache_dir
from .padding import pad_sequences
from .sentiment import load_sentiment_sentences
from .sequence_iterators import seq_data_iter_random, seq_data_iter_sequential
from .tensor_loader import TensorLoader
from .time_machine import TimeMachine
from .time_machine_classic import (SeqDataLoader, load_corpus_time_machine, load_data_time_machine,
                                   read_time_machine, tokenize)
from .vocab import Vocab

__all__ = [
    "download", "get_cache_dir", "DATA_HUB", "ChecksumError", "DownloadError",
    "Vocab", "DataModule", "TensorLoader", "TimeMachine",
    "read_time_machine", "tokenize", "load_corpus_time_machine", "seq_data_iter_random",
    "seq_data_iter_sequential", "SeqDataLoader", "load_data_time_machine",
    "pad_sequences", "load_sentiment_sentences",
]
