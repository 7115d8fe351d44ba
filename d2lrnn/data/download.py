"""Download the data sets once, check their bytes, and keep them in a cache directory.

The cache directory is ``$D2LRNN_DATA`` when that variable is set, else ``~/.cache/d2lrnn``.
Its layout is the layout of the offline copy that ships beside the project::

    timemachine.txt
    sentiment_labelled_sentences/{amazon_cells,imdb,yelp}_labelled.txt  (+ readme.txt)

so pointing ``D2LRNN_DATA`` at that copy makes every loader work without network. A relative
``D2LRNN_DATA`` is taken relative to the directory the variable was set in (the shell's ``$PWD``,
which programs started from that shell inherit), not to the current directory: a notebook
kernel runs in the notebook's folder, where ``../shared/data`` would point elsewhere.

The two corpora of the chapters also ship inside the package (``d2lrnn/data/files``, with their
attribution): when the cache does not hold them, ``download`` returns the packaged copy, checked
against the same checksums, so the chapters work without network and without ``D2LRNN_DATA``.

Three promises:
- a file that is already present and whose checksum matches is never downloaded again;
- a download is written to a temporary file beside its target and renamed only after its
  checksum passed, so an interrupted or corrupt download leaves no partial file;
- every failure says what to do: a checksum mismatch shows both hashes, a network failure
  names the URL, the cache directory and the ``D2LRNN_DATA`` variable.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Any

ENV_DATA_DIR = "D2LRNN_DATA"
PACKAGED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "d2lrnn")
TIMEOUT_SECONDS = 60  # the longest wait for any one answer of the server
DEADLINE_SECONDS = 600  # the longest one file's whole download may take, however the bytes trickle in
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Checksum:
    """The expected digest of one file: ``algorithm`` is a ``hashlib`` name ('sha1', 'sha256')."""

    algorithm: str
    hexdigest: str


@dataclass(frozen=True)
class DataSet:
    """Where one data set comes from and which files it leaves in the cache directory.

    Attributes:
        urls: mirrors, tried in order.
        files: path relative to the cache directory -> expected checksum. ``download`` returns
            the common folder of these paths (or the path itself for a one-file data set).
        archive: the checksum of the zip the URLs serve, or None when a URL serves the file itself.
        archive_folder: the folder inside the zip that holds the files.
        archive_extras: cache paths of other files of that folder, extracted too when absent
            (no checksum of their own: the zip's checksum covers them).
        packaged: True when ``files`` also ship in ``PACKAGED_DIR`` (same layout), used when the
            cache lacks them.
    """

    urls: tuple[str, ...]
    files: dict[str, Checksum]
    archive: Checksum | None = None
    archive_folder: str = ""
    archive_extras: tuple[str, ...] = field(default_factory=tuple)
    packaged: bool = False


SENTIMENT_FOLDER = "sentiment_labelled_sentences"

DATA_HUB: dict[str, DataSet] = {
    # The book's own registry entry: d2l's S3 bucket and the SHA-1 d2l checks.
    "time_machine": DataSet(
        urls=("http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt",),
        files={"timemachine.txt": Checksum("sha1", "090b5e7e70c295757f55df93cb0a180b9691891a")},
        packaged=True,
    ),
    # UCI data set 331 (Kotzias et al., KDD 2015; CC BY 4.0). The zip holds the files in a folder
    # whose name has spaces; the cache keeps them under a name without spaces.
    "sentiment_labelled_sentences": DataSet(
        urls=(
            "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip",
            "https://archive.ics.uci.edu/ml/machine-learning-databases/00331/"
            "sentiment%20labelled%20sentences.zip",
        ),
        files={
            f"{SENTIMENT_FOLDER}/amazon_cells_labelled.txt":
                Checksum("sha256", "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3"),
            f"{SENTIMENT_FOLDER}/imdb_labelled.txt":
                Checksum("sha256", "aef2e49e3da25714d61175e3a6e68eeef74a20a2f914318dc3be9947ea86512d"),
            f"{SENTIMENT_FOLDER}/yelp_labelled.txt":
                Checksum("sha256", "c76468b7b5c6e56a0804d728345c5f84aa2142ddb214420f61cc9cfd4c00d2ea"),
        },
        archive=Checksum("sha256", "afc26626d710899948693e1a61405dce197f57ffa719fa1130d346b4cc095343"),
        archive_folder="sentiment labelled sentences",
        archive_extras=(f"{SENTIMENT_FOLDER}/readme.txt",),
        packaged=True,
    ),
    # The weights of d2lrnn.pretrained.time_machine_gru(), trained by benchmarks/pretrain_gru.py.
    # They ship inside the package (d2lrnn/data/files/); no server holds them.
    "time_machine_gru": DataSet(
        urls=(),
        files={"time_machine_gru.npz":
               Checksum("sha256", "1886facd5d7b48162128ab30e578a168d1df2b163a9a34c8409e397e9be80d36")},
        packaged=True,
    ),
}


class ChecksumError(ValueError):
    """Downloaded bytes are not the bytes the registry expects."""


class DownloadError(ConnectionError):
    """No mirror of a data set could be reached."""


class CacheDirectoryError(OSError):
    """The cache directory cannot hold the data: a local problem, not a network one."""


def get_cache_dir(cache_dir: str | None = None) -> str:
    """The folder that holds the data sets: ``cache_dir``, else ``$D2LRNN_DATA``, else ``~/.cache/d2lrnn``.

    A relative ``$D2LRNN_DATA`` is resolved against ``$PWD``, the directory of the shell that set
    it (a relative ``cache_dir`` argument against the current directory).
    """
    if cache_dir is None:
        variable = os.environ.get(ENV_DATA_DIR)
        if variable:
            variable = os.path.expanduser(variable)
            base = os.environ.get("PWD")
            if not os.path.isabs(variable) and base and os.path.isabs(base):
                variable = os.path.join(base, variable)
        cache_dir = variable or DEFAULT_CACHE_DIR
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir: expected a path (str) or None, got {type(cache_dir).__name__}")
    return os.path.abspath(os.path.expanduser(os.fspath(cache_dir)))


def file_digest(path: str, algorithm: str) -> str:
    """The hex digest of the file at ``path`` with ``hashlib`` algorithm ``algorithm``."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(path: str, checksum: Checksum) -> bool:
    """True when ``path`` is a file whose digest equals ``checksum``."""
    return os.path.isfile(path) and file_digest(path, checksum.algorithm) == checksum.hexdigest


def download(name: str, cache_dir: str | None = None) -> str:
    """Make sure data set ``name`` is in the cache directory, downloading only what is missing.

    Args:
        name: a key of ``DATA_HUB``: 'time_machine' or 'sentiment_labelled_sentences'.
        cache_dir: where to keep the files; default ``$D2LRNN_DATA``, else ``~/.cache/d2lrnn``.

    Returns:
        The local path: the file itself for a one-file data set ('time_machine' ->
        ``<cache>/timemachine.txt``), else the folder that holds the files. When the cache lacks
        files that ship with the package, the packaged copy's path (nothing is downloaded).

    Raises:
        ValueError: ``name`` is not a registered data set.
        ChecksumError: a downloaded file (or zip) does not have the expected checksum.
        DownloadError: no URL could be reached (the message says where to put the files instead).
    """
    if name not in DATA_HUB:
        raise ValueError(f"name: expected one of {sorted(DATA_HUB)}, got {name!r}")
    dataset = DATA_HUB[name]
    root = get_cache_dir(cache_dir)
    if os.path.exists(root) and not os.path.isdir(root):
        _prepare_cache_dir(root, cache_dir)  # a misconfigured cache is reported even when a packaged copy exists
    missing = {rel: checksum for rel, checksum in dataset.files.items()
               if not is_valid(os.path.join(root, rel), checksum)}
    if missing and dataset.packaged and all(
            is_valid(os.path.join(PACKAGED_DIR, rel), checksum) for rel, checksum in dataset.files.items()):
        if cache_dir is not None or os.environ.get(ENV_DATA_DIR):
            _prepare_cache_dir(root, cache_dir)  # a cache asked for that cannot hold files is still reported
        return _result_path(dataset, PACKAGED_DIR)
    if missing:
        _prepare_cache_dir(root, cache_dir)
        if dataset.archive is None:
            for rel, checksum in missing.items():
                _fetch_verified(name, dataset, os.path.join(root, rel), checksum, root)
        else:
            _fetch_archive(name, dataset, missing, root)
    return _result_path(dataset, root)


def _prepare_cache_dir(root: str, cache_dir: str | None) -> None:
    """Create the cache directory if needed; a CacheDirectoryError if it cannot hold files."""
    origin = (f"cache_dir={cache_dir!r}" if cache_dir is not None else
              f"the environment variable {ENV_DATA_DIR}" if os.environ.get(ENV_DATA_DIR) else "the default cache")
    fix = f"Set {ENV_DATA_DIR} (or pass root=/cache_dir=) to a folder you can write to."
    if os.path.exists(root) and not os.path.isdir(root):
        raise CacheDirectoryError(f"cache directory {root!r} (from {origin}) is a file, not a folder. {fix}")
    try:
        os.makedirs(root, exist_ok=True)
    except OSError as error:
        raise CacheDirectoryError(f"cannot create the cache directory {root!r} (from {origin}): "
                                  f"{error.strerror or error}. {fix}") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise CacheDirectoryError(f"the cache directory {root!r} (from {origin}) is not writable, so the data "
                                  f"cannot be saved there. {fix}")


def _result_path(dataset: DataSet, root: str) -> str:
    paths = [os.path.join(root, rel) for rel in dataset.files]
    return paths[0] if len(paths) == 1 else os.path.commonpath(paths)


def _fetch_archive(name: str, dataset: DataSet, missing: dict[str, Checksum], root: str) -> None:
    """Download the zip to a temporary file, extract the missing files, then delete the zip."""
    archive_tmp = _fetch_verified(name, dataset, None, dataset.archive, root)
    try:
        with zipfile.ZipFile(archive_tmp) as archive:
            for rel, checksum in missing.items():
                _extract_verified(archive, dataset.archive_folder, os.path.join(root, rel), checksum)
            for rel in dataset.archive_extras:
                if not os.path.exists(os.path.join(root, rel)):
                    _extract_verified(archive, dataset.archive_folder, os.path.join(root, rel), None)
    finally:
        os.remove(archive_tmp)


def _extract_verified(archive: zipfile.ZipFile, folder: str, target: str, checksum: Checksum | None) -> None:
    member = f"{folder}/{os.path.basename(target)}" if folder else os.path.basename(target)
    if member not in archive.namelist():
        raise ValueError(f"the downloaded archive has no member {member!r}; it holds {archive.namelist()}")
    with archive.open(member) as source:
        _write_atomically(source, target, checksum, origin=f"{member!r} in the downloaded archive")


def _fetch_verified(name: str, dataset: DataSet, target: str | None, checksum: Checksum, root: str) -> str:
    """Download from the first URL that answers with the right bytes.

    With ``target`` the file is renamed to it; without, the verified temporary file is returned
    (the caller deletes it). A mirror that serves wrong bytes is skipped; if none serves the right
    bytes, the checksum error of the first wrong one is raised, else a network error.
    """
    if not dataset.urls:
        raise DownloadError(
            f"data set {name!r} has no download URL: it ships inside the package, in {PACKAGED_DIR}, and that "
            f"copy is missing or does not match its checksum. Reinstall d2lrnn, or copy {', '.join(dataset.files)} "
            f"into the cache directory {root}."
        )
    network_errors, checksum_errors = [], []
    for url in dataset.urls:
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            with urllib.request.urlopen(url, timeout=min(TIMEOUT_SECONDS, DEADLINE_SECONDS)) as response:
                return _write_atomically(_DeadlineReader(response, deadline, url), target, checksum, origin=url,
                                         directory=root)
        except ChecksumError as error:
            checksum_errors.append(error)
        except CacheDirectoryError:
            raise
        except (OSError, ValueError, http.client.HTTPException) as error:  # URLError is an OSError
            network_errors.append(f"  {url}: {getattr(error, 'reason', error)}")
    if checksum_errors:
        raise checksum_errors[0]
    raise DownloadError(
        f"could not download data set {name!r}:\n" + "\n".join(network_errors) + "\n"
        f"The cache directory is {root}; it should hold {', '.join(dataset.files)}. Without network, "
        f"copy these files into it, or set the environment variable {ENV_DATA_DIR} to a folder that "
        f"already holds them (the project's offline data folder has this layout)."
    )


class _DeadlineReader:
    """A response whose reads stop with a TimeoutError once ``deadline`` (time.monotonic) has passed.

    ``read1`` returns whatever bytes have arrived, so a server that trickles one byte at a time
    cannot keep a read (and the download) going past the deadline.
    """

    def __init__(self, response: Any, deadline: float, url: str) -> None:
        self.response, self.deadline, self.url = response, deadline, url

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the download took longer than {DEADLINE_SECONDS} s in all "
                               "(d2lrnn.data.download.DEADLINE_SECONDS)")
        read1 = getattr(self.response, "read1", None)
        return read1(size) if read1 is not None else self.response.read(size)


def _write_atomically(source, target: str | None, checksum: Checksum | None, origin: str,
                      directory: str | None = None) -> str:
    """Copy the stream ``source`` to ``target`` through a temporary file in the same folder.

    The temporary file is renamed to ``target`` only when its checksum matches (or when
    ``checksum`` is None); without ``target`` it is created in ``directory``, kept, and its path
    returned. On any failure it is removed, so no partial file is ever left behind.
    """
    if target is not None:
        directory = os.path.dirname(target)
        _prepare_cache_dir(directory, directory)
    prefix = "." + (os.path.basename(target) if target is not None else "download") + "."
    try:
        handle, tmp_path = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=directory)
    except OSError as error:
        raise CacheDirectoryError(f"cannot write into the cache directory {directory!r}: {error.strerror or error}. "
                                  f"Set {ENV_DATA_DIR} to a folder you can write to.") from None
    try:
        with os.fdopen(handle, "wb") as tmp:
            shutil.copyfileobj(source, tmp, CHUNK_BYTES)
        if checksum is not None:
            actual = file_digest(tmp_path, checksum.algorithm)
            if actual != checksum.hexdigest:
                raise ChecksumError(
                    f"checksum mismatch for {origin}: expected {checksum.algorithm} {checksum.hexdigest}, "
                    f"got {actual}. Nothing was written; the server may serve a different version."
                )
        if target is None:
            return tmp_path
        os.chmod(tmp_path, 0o644)  # mkstemp makes it private; a cache may be shared by a class
        os.replace(tmp_path, target)
        return target
    except BaseException:
        os.remove(tmp_path)
        raise
