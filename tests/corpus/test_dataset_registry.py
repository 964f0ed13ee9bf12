"""`embedlab datasets`: the registry, the mirror, and fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
from pathlib import Path

import pytest

from embedlab.corpus import datasets as d
from embedlab.exceptions import DataError, InputFileError

MIRROR = os.environ.get("EMBEDLAB_DATA")  # before any test's monkeypatch
PAYLOAD = b"king\tqueen\t8.5\ncar\tautomobile\t9.1\n" * 50


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        type(self).hits.append(self.path)
        if self.path.startswith("/cut/"):  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD) * 4))
            self.end_headers()
            self.wfile.write(PAYLOAD[:100])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if self.path.endswith("/missing.txt"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        """Requests are recorded in ``hits``, not printed."""


@pytest.fixture
def server():
    _Handler.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBEDLAB_DATA", raising=False)
    monkeypatch.delenv("EMBEDLAB_DATA_URL", raising=False)
    monkeypatch.setenv("EMBEDLAB_DATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _register(monkeypatch, url: str, sha: str | None = None, name: str = "tiny-pairs") -> d.Dataset:
    f = d.DataFile("word-similarity/tiny.txt", url, sha or hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD))
    ds = d.Dataset(name, "word similarity", "two pairs", "CC0", "test server", "download",
                   "word-similarity/tiny.txt", (f,))
    monkeypatch.setitem(d.DATASETS, name, ds)
    return ds


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_fetch_downloads_checks_and_keeps_a_present_file(server, home, monkeypatch):
    _register(monkeypatch, f"{server}/data/tiny.txt")
    assert not d.is_present("tiny-pairs")
    seen = []
    path = d.fetch("tiny-pairs", progress=seen.append)
    assert path == home / "word-similarity" / "tiny.txt"
    assert path.read_bytes() == PAYLOAD and sum(seen) == len(PAYLOAD)
    assert d.location("tiny-pairs") == "data home" and d.dataset_path("tiny-pairs") == path
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    d.fetch("tiny-pairs")  # intact: not downloaded again
    assert _Handler.hits == ["/data/tiny.txt"]
    d.fetch("tiny-pairs", force=True)
    assert len(_Handler.hits) == 2


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_checksum_mismatch_is_refused_and_leaves_nothing(server, home, monkeypatch):
    _register(monkeypatch, f"{server}/data/tiny.txt", sha="0" * 64)
    with pytest.raises(DataError, match=r"tiny.txt from http://127.0.0.1:\d+/data/tiny.txt: SHA-256 .* not kept"):
        d.fetch("tiny-pairs")
    assert _leftovers(home) == []


def test_an_interrupted_download_leaves_nothing(server, home, monkeypatch):
    _register(monkeypatch, f"{server}/cut/tiny.txt")
    with pytest.raises(InputFileError, match=f"broke off after 100 of {len(PAYLOAD) * 4:,} bytes.*run the same command again"):
        d.fetch("tiny-pairs")
    assert _leftovers(home) == []


def test_an_offline_machine_is_told_what_to_download_and_where_to_put_it(home, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _register(monkeypatch, f"http://127.0.0.1:{port}/tiny.txt")
    with pytest.raises(InputFileError) as info:
        d.fetch("tiny-pairs")
    msg = str(info.value)
    assert "\n" not in msg
    assert f"cannot download word-similarity/tiny.txt from http://127.0.0.1:{port}/tiny.txt" in msg
    assert f"put it at {home / 'word-similarity' / 'tiny.txt'}" in msg and "EMBEDLAB_DATA" in msg
    assert _leftovers(home) == []


def test_a_missing_file_at_the_source_is_one_line(server, home, monkeypatch):
    _register(monkeypatch, f"{server}/data/missing.txt")
    with pytest.raises(InputFileError, match="cannot download .*HTTP 404 Not Found"):
        d.fetch("tiny-pairs")


def test_the_data_url_mirror_replaces_the_source(server, home, monkeypatch):
    _register(monkeypatch, "https://example.invalid/never/tiny.txt")
    monkeypatch.setenv("EMBEDLAB_DATA_URL", f"{server}/mirror/")
    d.fetch("tiny-pairs")
    assert _Handler.hits == ["/mirror/word-similarity/tiny.txt"]


def test_the_mirror_folder_is_read_in_place_and_copied_with_a_check(tmp_path, home, monkeypatch):
    _register(monkeypatch, "https://example.invalid/never/tiny.txt")
    mirror = tmp_path / "mirror"
    (mirror / "word-similarity").mkdir(parents=True)
    (mirror / "word-similarity" / "tiny.txt").write_bytes(PAYLOAD)
    monkeypatch.setenv("EMBEDLAB_DATA", str(mirror))
    assert d.location("tiny-pairs") == "mirror"
    assert d.dataset_path("tiny-pairs") == mirror / "word-similarity" / "tiny.txt"
    assert d.fetch("tiny-pairs").read_bytes() == PAYLOAD  # offline: copied from the mirror
    (mirror / "word-similarity" / "tiny.txt").write_bytes(PAYLOAD[::-1])  # same size, other bytes
    with pytest.raises(DataError, match="SHA-256"):
        d.fetch("tiny-pairs", force=True)
    assert (home / "word-similarity" / "tiny.txt").read_bytes() == PAYLOAD  # the good copy stays


def test_an_absent_set_names_the_fetch_command_and_an_unknown_one_suggests(home):
    with pytest.raises(InputFileError, match=r"'cora' is not here: run 'embedlab datasets fetch cora' \(.* MB from "):
        d.dataset_path("cora")
    with pytest.raises(DataError, match="unknown data set 'sst': did you mean sst2"):
        d.dataset_path("sst")


def test_bundled_sets_are_always_present(home):
    for name in ("sample-corpus", "wordsim353", "simlex999", "google-analogies"):
        assert d.dataset_path(name).is_file(), name
        assert d.location(name) == "bundled"


def test_every_download_has_a_source_address_and_a_checksum():
    for name in d.names():
        ds = d.dataset(name)
        if ds.kind == "download":
            assert ds.files and ds.main
            assert all(f.url.startswith("https://") and len(f.sha256) == 64 and f.size > 0 for f in ds.files)
            assert all(f.path == ds.main or f.path.startswith(ds.main.rsplit("/", 1)[0]) for f in ds.files)
        else:
            assert ds.locate is not None


def test_the_registry_maps_onto_the_mirror(home, monkeypatch):
    """Every downloadable set is complete in the mirror layout, with the checksums recorded."""
    mirror = MIRROR
    if not mirror:
        pytest.skip("no datasets mirror: set EMBEDLAB_DATA to a folder of local copies (this project's CI does)")
    shared_data = Path(mirror)
    monkeypatch.setenv("EMBEDLAB_DATA", mirror)
    for name in d.names():
        ds = d.dataset(name)
        if ds.kind != "download":
            continue
        assert d.location(name) == "mirror", name
        for f in ds.files:
            assert hashlib.sha256((shared_data / f.path).read_bytes()).hexdigest() == f.sha256, f.path
