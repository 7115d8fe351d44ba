"""download(): cache layout, checksums, no re-download, clear failures, no partial files."""
import dataclasses
import hashlib
import io
import os
import pathlib
import sys
import urllib.request
import zipfile

import pytest

from d2lrnn.data.download import (DATA_HUB, PACKAGED_DIR, ChecksumError, Checksum, DataSet, DownloadError, download,
                                  get_cache_dir)

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
UNREACHABLE = "http://127.0.0.1:9/tiny.txt"  # the discard port: closed, so the connection is refused


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def no_network(*args, **kwargs):
    raise AssertionError("urlopen must not be called: the file is already in the cache")


def register(monkeypatch, name, **fields):
    monkeypatch.setitem(DATA_HUB, name, DataSet(**fields))


@pytest.fixture
def served(tmp_path):
    """A local file:// URL serving some bytes, outside the cache directory."""
    def serve(data: bytes, filename="served.bin"):
        source = tmp_path / "server" / filename
        source.parent.mkdir(exist_ok=True)
        source.write_bytes(data)
        return source.as_uri()
    return serve


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in pathlib.Path(folder).rglob("*")) if os.path.exists(folder) else []


# ----------------------------------------------------------------------------------- the real registry
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="the offline data folder is not beside the project")
def test_registry_checksums_match_the_offline_copy_so_it_needs_no_network(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert download("time_machine", str(SHARED_DATA)) == str(SHARED_DATA / "timemachine.txt")
    folder = download("sentiment_labelled_sentences", str(SHARED_DATA))
    assert folder == str(SHARED_DATA / "sentiment_labelled_sentences")
    tm_bytes = (SHARED_DATA / "timemachine.txt").read_bytes()
    assert hashlib.sha1(tm_bytes).hexdigest() == "090b5e7e70c295757f55df93cb0a180b9691891a"
    for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        assert os.path.isfile(os.path.join(folder, name))


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="the offline data folder is not beside the project")
def test_environment_variable_chooses_the_cache(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setenv("D2LRNN_DATA", str(SHARED_DATA))
    assert download("time_machine") == str(SHARED_DATA / "timemachine.txt")


def test_cache_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("D2LRNN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_cache_dir() == str(tmp_path / ".cache" / "d2lrnn")
    monkeypatch.setenv("D2LRNN_DATA", str(tmp_path / "elsewhere"))
    assert get_cache_dir() == str(tmp_path / "elsewhere")
    assert get_cache_dir(str(tmp_path / "given")) == str(tmp_path / "given")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name: expected one of .*time_machine.*got 'no_such_set'"):
        download("no_such_set")


# ------------------------------------------------------------------------------------ one-file sets
def test_downloads_verifies_and_then_never_downloads_again(monkeypatch, served, cache):
    data = b"tiny corpus\n"
    register(monkeypatch, "tiny", urls=(served(data),), files={"tiny.txt": Checksum("sha256", sha256(data))})
    path = download("tiny", str(cache))
    assert path == str(cache / "tiny.txt") and (cache / "tiny.txt").read_bytes() == data
    assert listing(cache) == ["tiny.txt"]
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert download("tiny", str(cache)) == path


def test_a_corrupt_cached_file_is_replaced(monkeypatch, served, cache):
    data = b"the right bytes"
    register(monkeypatch, "tiny", urls=(served(data),),
             files={"tiny.txt": Checksum("sha1", hashlib.sha1(data).hexdigest())})
    cache.mkdir()
    (cache / "tiny.txt").write_bytes(b"the wrong bytes")
    download("tiny", str(cache))
    assert (cache / "tiny.txt").read_bytes() == data


def test_checksum_mismatch_names_both_hashes_and_leaves_no_file(monkeypatch, served, cache):
    expected, actual = sha256(b"what we expect"), sha256(b"what the server sends")
    register(monkeypatch, "tiny", urls=(served(b"what the server sends"),),
             files={"tiny.txt": Checksum("sha256", expected)})
    with pytest.raises(ChecksumError) as info:
        download("tiny", str(cache))
    assert expected in str(info.value) and actual in str(info.value)
    assert isinstance(info.value, ValueError)
    assert listing(cache) == []


def test_unreachable_url_names_url_cache_and_variable_and_leaves_no_file(monkeypatch, cache):
    register(monkeypatch, "tiny", urls=(UNREACHABLE,), files={"tiny.txt": Checksum("sha256", sha256(b"x"))})
    with pytest.raises(DownloadError) as info:
        download("tiny", str(cache))
    message = str(info.value)
    assert UNREACHABLE in message and str(cache) in message and "D2LRNN_DATA" in message
    assert listing(cache) == []


def test_a_download_cut_halfway_leaves_no_partial_file(monkeypatch, cache):
    class CutStream(io.RawIOBase):
        def __init__(self):
            self.sent = False

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent:
                raise ConnectionResetError("connection reset by peer")
            self.sent = True
            buffer[:5] = b"hello"
            return 5

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BufferedReader(CutStream()))
    register(monkeypatch, "tiny", urls=("http://127.0.0.1:9/cut.txt",),
             files={"tiny.txt": Checksum("sha256", sha256(b"hello world"))})
    with pytest.raises(DownloadError, match="connection reset"):
        download("tiny", str(cache))
    assert listing(cache) == []


def test_the_next_mirror_is_tried_when_one_fails(monkeypatch, served, cache):
    data = b"from the mirror"
    register(monkeypatch, "tiny", urls=(UNREACHABLE, served(data)),
             files={"tiny.txt": Checksum("sha256", sha256(data))})
    assert pathlib.Path(download("tiny", str(cache))).read_bytes() == data


# ------------------------------------------------------------------------------------------ zip sets
def make_zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def register_zip(monkeypatch, served, archive_bytes, contents):
    register(monkeypatch, "pack", urls=(served(archive_bytes, "pack.zip"),),
             files={f"pack/{name}": Checksum("sha256", sha256(data)) for name, data in contents.items()},
             archive=Checksum("sha256", sha256(archive_bytes)), archive_folder="pack with spaces",
             archive_extras=("pack/readme.txt",))


CONTENTS = {"a.txt": b"first file\n", "b.txt": b"second file\n"}
ARCHIVE_MEMBERS = {"pack with spaces/a.txt": CONTENTS["a.txt"], "pack with spaces/b.txt": CONTENTS["b.txt"],
                   "pack with spaces/readme.txt": b"cite us\n", "__MACOSX/pack with spaces/._a.txt": b"junk"}


def test_zip_is_extracted_into_the_cache_layout_and_removed(monkeypatch, served, cache):
    archive_bytes = make_zip(ARCHIVE_MEMBERS)
    register_zip(monkeypatch, served, archive_bytes, CONTENTS)
    folder = download("pack", str(cache))
    assert folder == str(cache / "pack")
    assert listing(cache) == ["pack", "pack/a.txt", "pack/b.txt", "pack/readme.txt"]
    assert (cache / "pack" / "a.txt").read_bytes() == CONTENTS["a.txt"]
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert download("pack", str(cache)) == folder


def test_only_missing_files_are_extracted_again(monkeypatch, served, cache):
    archive_bytes = make_zip(ARCHIVE_MEMBERS)
    register_zip(monkeypatch, served, archive_bytes, CONTENTS)
    download("pack", str(cache))
    (cache / "pack" / "a.txt").unlink()
    before = (cache / "pack" / "b.txt").stat().st_mtime_ns
    download("pack", str(cache))
    assert (cache / "pack" / "a.txt").read_bytes() == CONTENTS["a.txt"]
    assert (cache / "pack" / "b.txt").stat().st_mtime_ns == before


def test_zip_checksum_mismatch_leaves_nothing(monkeypatch, served, cache):
    archive_bytes = make_zip(ARCHIVE_MEMBERS)
    register_zip(monkeypatch, served, archive_bytes, CONTENTS)
    tampered = make_zip({**ARCHIVE_MEMBERS, "pack with spaces/a.txt": b"tampered\n"})
    monkeypatch.setitem(DATA_HUB, "pack", dataclasses.replace(DATA_HUB["pack"], urls=(served(tampered, "t.zip"),)))
    with pytest.raises(ChecksumError, match=sha256(archive_bytes)):
        download("pack", str(cache))
    assert listing(cache) == []


def test_a_member_with_the_wrong_checksum_is_not_written(monkeypatch, served, cache):
    archive_bytes = make_zip(ARCHIVE_MEMBERS)
    register_zip(monkeypatch, served, archive_bytes, {**CONTENTS, "b.txt": b"expected other bytes\n"})
    with pytest.raises(ChecksumError, match=sha256(b"expected other bytes\n")):
        download("pack", str(cache))
    assert "pack/b.txt" not in listing(cache)
    assert not [p for p in listing(cache) if p.endswith(".part")]



# ------------------------------------------------------------------------- the copies in the package
def test_packaged_copies_serve_the_corpora_when_the_cache_lacks_them(monkeypatch, tmp_path):
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    packaged = pathlib.Path(PACKAGED_DIR)
    assert download("time_machine", str(tmp_path)) == str(packaged / "timemachine.txt")
    assert download("sentiment_labelled_sentences", str(tmp_path)) == str(packaged / "sentiment_labelled_sentences")
    assert listing(tmp_path) == []  # nothing written to the cache
    # checked against the registry's own checksums, independently of download()
    assert hashlib.sha1((packaged / "timemachine.txt").read_bytes()).hexdigest() == \
        DATA_HUB["time_machine"].files["timemachine.txt"].hexdigest
    for rel, checksum in DATA_HUB["sentiment_labelled_sentences"].files.items():
        assert sha256((packaged / rel).read_bytes()) == checksum.hexdigest, rel
    assert (packaged / "ATTRIBUTION.md").read_text().count("CC BY 4.0") >= 1


def test_a_valid_cache_still_wins_over_the_packaged_copy(monkeypatch, tmp_path):
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    (tmp_path / "timemachine.txt").write_bytes((pathlib.Path(PACKAGED_DIR) / "timemachine.txt").read_bytes())
    assert download("time_machine", str(tmp_path)) == str(tmp_path / "timemachine.txt")


def test_a_damaged_packaged_copy_is_not_used(monkeypatch, tmp_path, served):
    # the module (d2lrnn.data.download is also the name of the function)
    monkeypatch.setattr(sys.modules[DataSet.__module__], "PACKAGED_DIR", str(tmp_path / "package"))
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "timemachine.txt").write_bytes(b"not the novel")
    monkeypatch.setitem(DATA_HUB, "time_machine", dataclasses.replace(DATA_HUB["time_machine"], urls=(UNREACHABLE,)))
    with pytest.raises(DownloadError, match="127.0.0.1:9"):
        download("time_machine", str(tmp_path / "cache"))


def test_a_relative_variable_is_taken_from_the_directory_it_was_set_in(monkeypatch, tmp_path):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv("D2LRNN_DATA", "shared/data")
    monkeypatch.setenv("PWD", str(tmp_path))               # the shell that set it
    monkeypatch.chdir(tmp_path / "notebooks")               # a kernel runs in the notebook's folder
    assert get_cache_dir() == str(tmp_path / "shared" / "data")
    assert get_cache_dir("given") == str(tmp_path / "notebooks" / "given")
